"""In-app notifications, with an e-mail copy queued in the outbox for users who opted in.

Senders (services and jobs) call `notify`, `notify_partner` or `notify_role` inside their own
transaction; nothing here commits. Every notification has a dedupe key, unique per user, so a
reminder job that runs twice (or two runners at once) notifies once."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.actor import Actor
from core.errors import NotFound
from core.permissions import require
from core.settings import get_settings
from core.standing import require_open_partner
from db.models import Notification, OutboxMail, User
from db.types import utcnow

SUBJECT_MAX = 200


@dataclass(frozen=True)
class NotificationOut:
    id: int
    subject: str
    body: str
    # What it is about: a record's page and id ("deal?id=42", see `record_link`), or a page's
    # route name ("my_tier"; rows written before route names hold its file,
    # "pages/my_deals.py"); ui.registry turns any of them into a link.
    link: str | None
    created_at: datetime
    read_at: datetime | None

    @property
    def unread(self) -> bool:
        return self.read_at is None


def record_link(route: str, record_id: int) -> str:
    """The link of a notification about one record: its page's route and ?id=N."""
    return f"{route}?{urlencode({'id': record_id})}"


def split_link(link: str | None) -> tuple[str, dict[str, str]] | None:
    """(route name, query) of a stored link; a legacy "pages/x.py" gives ("x", {})."""
    if not link:
        return None
    path, _, query = link.partition("?")
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name.removesuffix(".py"), dict(parse_qsl(query))


# ---------------------------------------------------------------- sending


def notify(
    db: Session, user_id: int, subject: str, body: str, *, dedupe_key: str,
    link: str | None = None, now: datetime | None = None,
) -> bool:
    """Notify one user. False, and nothing written, when (user, dedupe_key) already exists."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("user")
    return _notify_user(db, user, subject, body, dedupe_key, link, now or utcnow())


def notify_partner(
    db: Session, partner_id: int, subject: str, body: str, *, dedupe_key: str,
    link: str | None = None, now: datetime | None = None,
) -> int:
    """Notify every active user of a partner; returns how many were newly notified."""
    users = db.scalars(select(User).where(User.partner_id == partner_id, User.is_active))
    return _fan_out(db, users, subject, body, dedupe_key, link, now or utcnow())


def notify_role(
    db: Session, role: str, subject: str, body: str, *, dedupe_key: str,
    link: str | None = None, now: datetime | None = None,
) -> int:
    """Notify every active user with a role (e.g. all channel managers)."""
    users = db.scalars(select(User).where(User.role == str(role), User.is_active))
    return _fan_out(db, users, subject, body, dedupe_key, link, now or utcnow())


def notify_partners_at_once(
    db: Session, messages: Mapping[int, tuple[str, str]], *, dedupe_key: str,
    link: str | None = None, now: datetime | None = None, batch: int = 2_000,
) -> int:
    """`notify_partner` for many partners at once ({partner id: (subject, body)}), in a few
    grouped statements instead of a look-up, a savepoint and an insert per user (a routing
    batch reaches 20,000 users). The dedupe key must be new (a batch's own): nobody has it
    yet, so it is not looked up. Returns how many users were notified."""
    now = now or utcnow()
    partners = list(messages)
    users = []
    for i in range(0, len(partners), 500):
        users += db.execute(select(User.id, User.partner_id, User.email, User.is_active,
                                   User.email_notifications)
                            .where(User.partner_id.in_(partners[i:i + 500]), User.is_active)
                            ).all()
    order = {partner_id: n for n, partner_id in enumerate(partners)}
    users.sort(key=lambda u: (order[u.partner_id], u.id))  # notify_partner's order
    subjects = {p: " ".join(s.split())[:SUBJECT_MAX] for p, (s, _) in messages.items()}
    values = [{"user_id": u.id, "subject": subjects[u.partner_id],
               "body": messages[u.partner_id][1], "link": link, "dedupe_key": dedupe_key,
               "created_at": now} for u in users]
    mails = []
    for i in range(0, len(values), batch):
        chunk = users[i:i + batch]
        if not any(_wants_mail(u) for u in chunk):
            db.execute(insert(Notification), values[i:i + batch])
            continue
        made = db.execute(insert(Notification).returning(Notification.id,
                                                         sort_by_parameter_order=True),
                          values[i:i + batch]).scalars().all()
        mails += [{"notification_id": note_id, "to_addr": u.email,
                   "subject": subjects[u.partner_id],
                   "body": _mail_body(messages[u.partner_id][1], link),
                   "next_attempt_at": now, "created_at": now}
                  for u, note_id in zip(chunk, made, strict=True) if _wants_mail(u)]
    for i in range(0, len(mails), batch):
        db.execute(insert(OutboxMail), mails[i:i + batch])
    return len(values)


def _fan_out(db: Session, users: Iterable[User], subject: str, body: str, dedupe_key: str,
             link: str | None, now: datetime) -> int:
    return sum(_notify_user(db, u, subject, body, dedupe_key, link, now) for u in list(users))


def _notify_user(db: Session, user: User, subject: str, body: str, dedupe_key: str,
                 link: str | None, now: datetime) -> bool:
    # The cheap check avoids a failed INSERT in the common repeat case; the unique constraint,
    # caught in _insert_once, is what holds when two writers race past the check.
    exists = db.scalar(select(Notification.id).where(Notification.user_id == user.id,
                                                     Notification.dedupe_key == dedupe_key))
    if exists is not None:
        return False
    return _insert_once(db, user, subject, body, dedupe_key, link, now)


def _insert_once(db: Session, user: User, subject: str, body: str, dedupe_key: str,
                 link: str | None, now: datetime) -> bool:
    # Subjects end up in a mail header: one line, bounded.
    subject = " ".join(subject.split())[:SUBJECT_MAX]
    note = Notification(user_id=user.id, subject=subject, body=body, link=link,
                        dedupe_key=dedupe_key, created_at=now)
    try:
        # A SAVEPOINT, so that a duplicate rolls back only this insert, not the caller's work.
        with db.begin_nested():
            db.add(note)
            db.flush()
            if _wants_mail(user):
                db.add(OutboxMail(notification_id=note.id, to_addr=user.email, subject=subject,
                                  body=_mail_body(body, link), next_attempt_at=now,
                                  created_at=now))
                db.flush()
    except IntegrityError:
        return False
    return True


def _wants_mail(user: User) -> bool:
    return bool(get_settings().smtp_enabled and user.email_notifications and user.is_active
                and user.email)


def _mail_body(body: str, link: str | None) -> str:
    if not link:
        return body
    # A page is served at /<route name>; the stem of a legacy "pages/deals.py" is that name.
    route, query = split_link(link)
    url = f"{get_settings().app_base_url.rstrip('/')}/{route}"
    return f"{body}\n\nOpen in the app: {url}{'?' + urlencode(query) if query else ''}\n"


# ---------------------------------------------------------------- reading (own only)


def unread_count(db: Session, actor: Actor) -> int:
    require(actor, "notification.view")
    require_open_partner(db, actor)
    return db.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == actor.user_id, Notification.read_at.is_(None))) or 0


def list_notifications(
    db: Session, actor: Actor, *, limit: int = 100, unread_only: bool = False,
) -> list[NotificationOut]:
    """The actor's own notifications, newest first."""
    require(actor, "notification.view")
    require_open_partner(db, actor)
    q = select(Notification).where(Notification.user_id == actor.user_id)
    if unread_only:
        q = q.where(Notification.read_at.is_(None))
    rows = db.scalars(q.order_by(Notification.created_at.desc(), Notification.id.desc())
                      .limit(limit))
    return [NotificationOut(n.id, n.subject, n.body, n.link, n.created_at, n.read_at)
            for n in rows]


PAGE_SIZE = 50


@dataclass(frozen=True)
class NotificationPage:
    items: list[NotificationOut]
    total: int  # that match the filters


def route_of_link(link: str | None) -> str | None:
    """A notification's kind: the page it links to ("deal" for "deal?id=42"; older rows
    hold the page's file, "pages/my_deals.py")."""
    found = split_link(link)
    return found[0] if found else None


def notification_kinds(db: Session, actor: Actor) -> list[str]:
    """What the actor's notifications are about (the routes they link to), for a filter."""
    require(actor, "notification.view")
    require_open_partner(db, actor)
    links = db.scalars(select(Notification.link).distinct()
                       .where(Notification.user_id == actor.user_id)).all()
    return sorted({k for k in map(route_of_link, links) if k})


def notification_page(db: Session, actor: Actor, *, unread_only: bool = False,
                      kind: str | None = None, page: int = 1,
                      page_size: int = PAGE_SIZE) -> NotificationPage:
    """The actor's own notifications, unread first and then newest first, `page_size` a
    page, optionally only the unread ones or those of one kind."""
    require(actor, "notification.view")
    require_open_partner(db, actor)
    q = select(Notification).where(Notification.user_id == actor.user_id)
    if unread_only:
        q = q.where(Notification.read_at.is_(None))
    if kind:
        q = q.where(or_(Notification.link.in_([kind, f"pages/{kind}.py"]),
                        Notification.link.startswith(f"{kind}?", autoescape=True)))
    total = db.scalar(select(func.count()).select_from(q.subquery())) or 0
    page = max(1, page if isinstance(page, int) else 1)
    rows = db.scalars(q.order_by(Notification.read_at.is_not(None), Notification.created_at.desc(),
                                 Notification.id.desc())
                      .limit(page_size).offset((page - 1) * page_size))
    return NotificationPage([NotificationOut(n.id, n.subject, n.body, n.link, n.created_at,
                                             n.read_at) for n in rows], total)


def mark_read(db: Session, actor: Actor, notification_id: int, *,
              now: datetime | None = None) -> None:
    require(actor, "notification.view")
    require_open_partner(db, actor)
    note = db.get(Notification, notification_id)
    # Someone else's notification is "not found": its existence is not the actor's business.
    if note is None or note.user_id != actor.user_id:
        raise NotFound("notification")
    if note.read_at is None:
        note.read_at = now or utcnow()
        db.flush()


def mark_all_read(db: Session, actor: Actor, *, now: datetime | None = None) -> int:
    """Marks every unread notification of the actor as read; returns how many."""
    require(actor, "notification.view")
    require_open_partner(db, actor)
    result = db.execute(
        update(Notification)
        .where(Notification.user_id == actor.user_id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0
