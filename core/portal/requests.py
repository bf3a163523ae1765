"""Requests to the channel team: a partner user asks its channel manager (pricing, marketing
help, technical, deal help, other), and the thread goes back and forth with files.

Statuses: open (the vendor's turn), waiting on partner (the partner's turn), resolved. A
partner's message makes it open again; the vendor's reply hands it to the partner, or
resolves it. The first answer is due within the partner's tier's hours
(`request_response_hours`); an overdue request shows on the channel manager's Home and the
"request-reminders" job reminds the manager once. Every message notifies the other side.

A partner's users read their partner's requests only (another's is "not found"); the admin
and the channel managers read every request, and answer them."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor, Role
from core.errors import NotFound, RuleViolation
from core.events import publish
from core.notifications import notify, notify_role, record_link
from core.permissions import can, require
from core.portal.assets import ALLOWED, AREA, MAX_MB, MIME, REFUSAL
from core.portal.events import RequestChanged
from core.uploads import checked_kind, read_by_hash, store_by_hash
from core.validation import OneOf, RequiredText, as_model
from db.models import Partner, PartnerRequest, RequestFile, RequestMessage, Tier, User
from db.types import utcnow

PAGE = "requests"
CATEGORIES = {"pricing": "Pricing", "marketing": "Marketing help", "technical": "Technical",
              "deal": "Deal help", "other": "Other"}
STATUSES = {"open": "Open", "waiting_on_partner": "Waiting on the partner",
            "resolved": "Resolved"}
MAX_FILES = 5


class RequestIn(BaseModel):
    category: OneOf(tuple(CATEGORIES), unknown="Choose what the request is about.") = ""
    subject: RequiredText(200, "Say what the request is about.",
                          too_long="Keep the subject to 200 characters.") = ""
    body: RequiredText(10_000, "Write your request.", multiline=True,
                       too_long="Keep it to 10,000 characters.") = ""


class MessageIn(BaseModel):
    body: RequiredText(10_000, "Write your message.", multiline=True,
                       too_long="Keep it to 10,000 characters.") = ""


@dataclass(frozen=True)
class FileOut:
    id: int
    file_name: str
    size: int


@dataclass(frozen=True)
class MessageOut:
    id: int
    author: str
    from_vendor: bool
    body: str
    at: datetime
    files: tuple[FileOut, ...]


@dataclass(frozen=True)
class RequestOut:
    id: int
    partner_id: int
    partner: str
    category: str
    subject: str
    status: str
    status_label: str
    manager: str | None
    opened_by: str | None
    created_at: datetime
    updated_at: datetime
    first_response_due_at: datetime
    first_responded_at: datetime | None
    overdue: bool


@dataclass(frozen=True)
class RequestDetail:
    request: RequestOut
    messages: tuple[MessageOut, ...]


# ---------------------------------------------------------------- writing


def open_request(db: Session, actor: Actor, data: RequestIn | dict,
                 files: list[tuple[str, bytes]] = (), *,
                 now: datetime | None = None) -> RequestOut:
    """A partner user's request to its channel manager, due for a first answer within the
    tier's hours; the manager (or, without one, every channel manager) is notified."""
    require(actor, "portal.request")
    data = as_model(RequestIn, data)
    checked = _files(files)
    now = now or utcnow()
    partner = db.get(Partner, actor.partner_id)
    if partner is None:
        raise NotFound("partner")
    hours = db.scalar(select(Tier.request_response_hours).where(Tier.id == partner.tier_id))
    r = PartnerRequest(partner_id=partner.id, opened_by_user_id=actor.user_id,
                       manager_user_id=partner.channel_manager_id, category=data.category,
                       subject=data.subject, status="open",
                       first_response_due_at=now + timedelta(hours=hours or 24),
                       created_at=now, updated_at=now)
    db.add(r)
    db.flush()
    _message(db, actor, r, data.body, checked, now)
    audit.record(db, actor, "request.open", "request", r.id,
                 after={"category": r.category, "subject": r.subject}, now=now,
                 partner_id=partner.id)
    _tell_vendor(db, r, f"New request from {partner.name}: {r.subject}", data.body, now)
    _changed(db, actor, r, now)
    return _out(db, r, now)


def reply(db: Session, actor: Actor, request_id: int, data: MessageIn | dict,
          files: list[tuple[str, bytes]] = (), *, resolve: bool = False,
          now: datetime | None = None) -> RequestOut:
    """A message in the thread. The vendor's hands the request to the partner (or resolves
    it, and its first one answers the request in time or late); the partner's makes it the
    vendor's turn again. The other side is notified."""
    now = now or utcnow()
    r = _load(db, actor, request_id)
    vendor = can(actor, "portal.answer")
    if not vendor:
        require(actor, "portal.request")
    data = as_model(MessageIn, data)
    checked = _files(files)
    before = {"status": r.status}
    _message(db, actor, r, data.body, checked, now)
    if vendor:
        r.status = "resolved" if resolve else "waiting_on_partner"
        r.resolved_at = now if resolve else None
        r.first_responded_at = r.first_responded_at or now
        if r.manager_user_id is None and actor.role == Role.CHANNEL_MANAGER:
            r.manager_user_id = actor.user_id  # who answers first takes it
        _tell_partner(db, r, f"Reply to your request: {r.subject}", data.body, now)
    else:
        r.status, r.resolved_at = "open", None  # a message opens a resolved request again
        _tell_vendor(db, r, f"{_partner_name(db, r)} wrote on: {r.subject}", data.body, now)
    r.updated_at = now
    audit.record(db, actor, "request.message", "request", r.id, before=before,
                 after={"status": r.status}, now=now, partner_id=r.partner_id)
    _changed(db, actor, r, now)
    return _out(db, r, now)


def resolve(db: Session, actor: Actor, request_id: int, *,
            now: datetime | None = None) -> RequestOut:
    """Either side closes the request (a later message opens it again)."""
    now = now or utcnow()
    r = _load(db, actor, request_id)
    if not (can(actor, "portal.answer") or can(actor, "portal.request")):
        raise NotFound("request")
    if r.status == "resolved":
        raise RuleViolation("This request is resolved already.")
    before = {"status": r.status}
    r.status, r.resolved_at, r.updated_at = "resolved", now, now
    audit.record(db, actor, "request.resolve", "request", r.id, before=before,
                 after={"status": r.status}, now=now, partner_id=r.partner_id)
    _changed(db, actor, r, now)
    return _out(db, r, now)


def remind_overdue(db: Session, *, now: datetime | None = None) -> int:
    """Remind each overdue request's manager (every channel manager when it has none), once;
    how many requests were reminded of."""
    now = now or utcnow()
    due = db.scalars(select(PartnerRequest).where(
        PartnerRequest.status == "open", PartnerRequest.first_responded_at.is_(None),
        PartnerRequest.first_response_due_at < now, PartnerRequest.reminded_at.is_(None)))
    n = 0
    for r in due:
        _tell_vendor(db, r, f"Overdue: {_partner_name(db, r)} waits for a first answer",
                     f"{r.subject} was due by {r.first_response_due_at:%Y-%m-%d %H:%M} UTC.",
                     now, key="overdue", once=True)
        r.reminded_at = now
        n += 1
    return n


def _files(files) -> list[tuple[str, bytes, str]]:
    files = list(files or [])
    if len(files) > MAX_FILES:
        raise RuleViolation(f"Attach at most {MAX_FILES} files.", field="file")
    return [(name[:200] or "file", data, checked_kind(name, data, ALLOWED, REFUSAL,
                                                       max_mb=MAX_MB)) for name, data in files]


def _message(db, actor, r, body, checked, now) -> RequestMessage:
    m = RequestMessage(request_id=r.id, author_user_id=actor.user_id,
                       from_vendor=actor.is_vendor, body=body, at=now)
    db.add(m)
    db.flush()
    for name, data, kind in checked:
        db.add(RequestFile(message_id=m.id, file_name=name, size=len(data), file_kind=kind,
                           content_hash=store_by_hash(AREA, data)))
    db.flush()
    return m


def _tell_vendor(db, r, subject, body, now, key: str = "message", once: bool = False) -> None:
    # A message's notification is its own; the overdue reminder is sent once a request.
    dedupe = f"request:{r.id}:{key}" + ("" if once else f":{now.isoformat()}")
    link = record_link(PAGE, r.id)
    if r.manager_user_id is not None:
        notify(db, r.manager_user_id, subject, body[:500], dedupe_key=dedupe, link=link,
               now=now)
    else:
        notify_role(db, Role.CHANNEL_MANAGER, subject, body[:500], dedupe_key=dedupe,
                    link=link, now=now)


def _tell_partner(db, r, subject, body, now) -> None:
    if r.opened_by_user_id is not None:
        notify(db, r.opened_by_user_id, subject, body[:500],
               dedupe_key=f"request:{r.id}:reply:{now.isoformat()}",
               link=record_link(PAGE, r.id), now=now)


def _changed(db, actor, r, now) -> None:
    publish(db, RequestChanged(actor=actor, at=now, request_id=r.id, partner_id=r.partner_id,
                               status=r.status))


# ---------------------------------------------------------------- reading


def _load(db: Session, actor: Actor, request_id: int) -> PartnerRequest:
    require(actor, "portal.requests_view")
    r = db.get(PartnerRequest, request_id)
    if r is None or (actor.is_partner and r.partner_id != actor.partner_id):
        raise NotFound("request")
    return r


def list_requests(db: Session, actor: Actor, *, status: str | None = None,
                  mine: bool = False, now: datetime | None = None) -> list[RequestOut]:
    """Requests the reader may read, the vendor's turn first, oldest first; `mine`: the
    manager's own partners' (and those nobody manages)."""
    require(actor, "portal.requests_view")
    now = now or utcnow()
    q = select(PartnerRequest)
    if actor.is_partner:
        q = q.where(PartnerRequest.partner_id == actor.partner_id)
    if status:
        q = q.where(PartnerRequest.status == status)
    if mine:
        q = q.where((PartnerRequest.manager_user_id == actor.user_id)
                    | PartnerRequest.manager_user_id.is_(None))
    order = {"open": 0, "waiting_on_partner": 1, "resolved": 2}
    rows = sorted(db.scalars(q), key=lambda r: (order.get(r.status, 3), r.created_at))
    return [_out(db, r, now) for r in rows]


def get_request(db: Session, actor: Actor, request_id: int, *,
                now: datetime | None = None) -> RequestDetail:
    r = _load(db, actor, request_id)
    rows = db.scalars(select(RequestMessage).where(RequestMessage.request_id == r.id)
                      .order_by(RequestMessage.at, RequestMessage.id)).all()
    names = _names(db, {m.author_user_id for m in rows if m.author_user_id})
    messages = []
    for m in rows:
        files = tuple(FileOut(f.id, f.file_name, f.size) for f in db.scalars(
            select(RequestFile).where(RequestFile.message_id == m.id).order_by(RequestFile.id)))
        messages.append(MessageOut(m.id, names.get(m.author_user_id, "Someone"), m.from_vendor,
                                   m.body, m.at, files))
    return RequestDetail(_out(db, r, now or utcnow()), tuple(messages))


def request_file(db: Session, actor: Actor, file_id: int) -> tuple[str, bytes, str]:
    """An attachment, through its request's scoping: (name, bytes, mime)."""
    f = db.get(RequestFile, file_id)
    if f is None:
        raise NotFound("file")
    m = db.get(RequestMessage, f.message_id)
    _load(db, actor, m.request_id)
    data = read_by_hash(AREA, f.content_hash)
    if data is None:
        raise NotFound("file")
    return f.file_name, data, MIME.get(f.file_kind, "application/octet-stream")


def waiting_counts(db: Session, actor: Actor, *, now: datetime | None = None
                   ) -> tuple[int, int]:
    """(requests waiting for the vendor's first answer, of them overdue) for a manager: its
    own partners' and those nobody manages; for the admin, every one."""
    require(actor, "portal.answer")
    now = now or utcnow()
    q = select(func.count()).select_from(PartnerRequest).where(
        PartnerRequest.status == "open")
    if actor.role == Role.CHANNEL_MANAGER:
        q = q.where((PartnerRequest.manager_user_id == actor.user_id)
                    | PartnerRequest.manager_user_id.is_(None))
    waiting = db.scalar(q) or 0
    overdue = db.scalar(q.where(PartnerRequest.first_responded_at.is_(None),
                                PartnerRequest.first_response_due_at < now)) or 0
    return waiting, overdue


def _names(db: Session, ids: set[int]) -> dict[int, str]:
    """Display names of these users (the thread's authors), not of every user."""
    return dict(db.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
                .tuples().all()) if ids else {}


def _partner_name(db: Session, r: PartnerRequest) -> str:
    return db.scalar(select(Partner.name).where(Partner.id == r.partner_id)) or "A partner"


def _out(db: Session, r: PartnerRequest, now: datetime) -> RequestOut:
    names = _names(db, {x for x in (r.manager_user_id, r.opened_by_user_id) if x})
    overdue = r.first_responded_at is None and r.status == "open" and \
        r.first_response_due_at < now
    return RequestOut(r.id, r.partner_id, _partner_name(db, r), r.category, r.subject,
                      r.status, STATUSES[r.status], names.get(r.manager_user_id),
                      names.get(r.opened_by_user_id), r.created_at, r.updated_at,
                      r.first_response_due_at, r.first_responded_at, overdue)
