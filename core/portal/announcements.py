"""Announcements: marketing writes them in Markdown for an audience, optionally pinned (on the
partner's Home until their end date) and optionally sent by e-mail (a notification to each
user of the partners it reaches, mailed through the outbox to those who take e-mail).

A partner reads only what is meant for it (an announcement outside its audience is "not
found", even by id); each reader's first read is recorded, and the author sees the reach
(users of the partners in the audience) and the reads.

The body is Markdown as typed: HTML in it is shown as text by the page (never rendered), and
a link may only go to a web or mail address: a "javascript:" or "data:" link is refused with
the reason."""

import re
from dataclasses import dataclass
from datetime import date, datetime

from markdown_it import MarkdownIt
from pydantic import BaseModel, ValidationInfo, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.errors import NotFound
from core.events import publish
from core.notifications import notify_partners_at_once, record_link
from core.permissions import require
from core.portal.audience import (
    AudienceIn,
    Viewer,
    active_partners,
    check_tiers,
    describe,
    viewer,
)
from core.portal.events import AnnouncementRead as ReadEvent
from core.validation import RequiredText, as_model
from db.models import Announcement, AnnouncementRead, User
from db.types import utcnow

BODY_MAX = 20_000
_SAFE = re.compile(r"^(https?://|mailto:|#)", re.IGNORECASE)


def link_targets(body: str) -> list[str]:
    """Every link and image target the Markdown renders, however written (inline,
    reference definitions with titles or over two lines, autolinks), as markdown-it reads
    it: the parser Streamlit's own renderer follows."""
    found = []

    def walk(tokens) -> None:
        for t in tokens:
            if t.type in ("link_open", "image"):
                found.append(str(t.attrGet("href") or t.attrGet("src") or ""))
            if t.children:
                walk(t.children)
    parser = MarkdownIt("commonmark")
    parser.validateLink = lambda _url: True  # see every target, the unsafe ones above all
    walk(parser.parse(body))
    return found


class AnnouncementIn(BaseModel):
    title: RequiredText(200, "Give the announcement a title.",
                        too_long="Keep the title to 200 characters.") = ""
    body: str = ""
    audience: AudienceIn = AudienceIn()
    pinned: bool = False
    ends_on: date | None = None
    email: bool = False

    @field_validator("body")
    @classmethod
    def _body(cls, v: str) -> str:
        v = (v or "").strip()
        if not v:
            raise ValueError("Write the announcement.")
        if len(v) > BODY_MAX:
            raise ValueError(f"Keep the announcement to {BODY_MAX:,} characters.")
        for target in link_targets(v):
            if not _SAFE.match(target):
                raise ValueError(f"A link may go to a web or mail address (https://..., "
                                 f"mailto:...), not to {target[:40]!r}.")
        return v

    @field_validator("ends_on")
    @classmethod
    def _ends(cls, v: date | None, info: ValidationInfo) -> date | None:
        today = (info.context or {}).get("today")
        if v is not None and today is not None and v < today:
            raise ValueError("The end date is in the past.")
        return v


@dataclass(frozen=True)
class AnnouncementOut:
    id: int
    title: str
    body: str
    audience: str
    pinned: bool
    ends_on: date | None
    emailed: bool
    published_at: datetime
    read: bool  # by the reader
    current: bool  # not withdrawn, not past its end date


@dataclass(frozen=True)
class Reach:
    partners: int  # in the audience
    users: int  # their active users
    reads: int  # users who opened it


def publish_announcement(db: Session, actor: Actor, data: AnnouncementIn | dict, *,
                         now: datetime | None = None) -> AnnouncementOut:
    require(actor, "portal.content")
    now = now or utcnow()
    data = as_model(AnnouncementIn, data, today=now.date())
    check_tiers(db, data.audience.tier_ids)
    a = Announcement(title=data.title, body=data.body, target_tier_ids=data.audience.tier_ids,
                     target_types=data.audience.types, target_regions=data.audience.regions,
                     pinned=data.pinned, ends_on=data.ends_on, emailed=data.email,
                     author_user_id=actor.user_id, published_at=now, updated_at=now)
    db.add(a)
    db.flush()
    audit.record(db, actor, "announcement.publish", "announcement", a.id,
                 after=audit.snapshot(a, ["title", "pinned", "ends_on", "emailed",
                                          "target_tier_ids", "target_types",
                                          "target_regions"]), now=now)
    if data.email:
        partners = audience_partners(db, a)
        notify_partners_at_once(db, {p: (f"Announcement: {a.title}", _excerpt(a.body))
                                     for p in partners},
                                dedupe_key=f"announcement:{a.id}",
                                link=record_link("announcements", a.id), now=now)
    return _out(db, a, read=False, today=now.date())


def withdraw_announcement(db: Session, actor: Actor, announcement_id: int, *,
                          now: datetime | None = None) -> None:
    require(actor, "portal.content")
    a = _load(db, Viewer(vendor=True), announcement_id)
    a.withdrawn_at = now or utcnow()
    audit.record(db, actor, "announcement.withdraw", "announcement", a.id, now=a.withdrawn_at)


def list_announcements(db: Session, actor: Actor, *, current_only: bool = True,
                       now: datetime | None = None) -> list[AnnouncementOut]:
    """What the reader may read, pinned first, newest first; vendor staff see every one
    (with current_only=False, the withdrawn and ended too)."""
    require(actor, "portal.view")
    today = (now or utcnow()).date()
    who = viewer(db, actor)
    read = _read_ids(db, actor)
    rows = db.scalars(select(Announcement).order_by(Announcement.published_at.desc(),
                                                    Announcement.id.desc()))
    out = [_out(db, a, a.id in read, today) for a in rows if who.sees(a)]
    if current_only or not who.vendor:
        out = [a for a in out if a.current]
    return sorted(out, key=lambda a: not a.pinned)


def get_announcement(db: Session, actor: Actor, announcement_id: int, *,
                     now: datetime | None = None) -> AnnouncementOut:
    require(actor, "portal.view")
    today = (now or utcnow()).date()
    a = _load(db, viewer(db, actor), announcement_id, today)
    return _out(db, a, a.id in _read_ids(db, actor), today)


def mark_read(db: Session, actor: Actor, announcement_id: int, *,
              now: datetime | None = None) -> bool:
    """The reader's first read recorded (True); False when it had read it already."""
    require(actor, "portal.view")
    now = now or utcnow()
    a = _load(db, viewer(db, actor), announcement_id, now.date())
    if actor.user_id is None or db.get(AnnouncementRead, (a.id, actor.user_id)):
        return False
    db.add(AnnouncementRead(announcement_id=a.id, user_id=actor.user_id,
                            partner_id=actor.partner_id, at=now))
    db.flush()
    if actor.partner_id is not None:
        publish(db, ReadEvent(actor=actor, at=now, partner_id=actor.partner_id,
                              announcement_id=a.id))
    return True


def reach(db: Session, actor: Actor, announcement_id: int) -> Reach:
    require(actor, "portal.content")
    a = _load(db, Viewer(vendor=True), announcement_id)
    partners = audience_partners(db, a)
    users = db.scalar(select(func.count()).select_from(User).where(
        User.partner_id.in_(partners), User.is_active)) if partners else 0
    reads = db.scalar(select(func.count()).select_from(AnnouncementRead).where(
        AnnouncementRead.announcement_id == a.id, AnnouncementRead.partner_id.is_not(None)))
    return Reach(len(partners), users or 0, reads or 0)


def unread_pinned(db: Session, actor: Actor, *, now: datetime | None = None) -> int:
    return sum(1 for a in list_announcements(db, actor, now=now) if not a.read)


def audience_partners(db: Session, a: Announcement) -> list[int]:
    """The active partners the announcement reaches."""
    return [v.partner_id for v in active_partners(db) if v.sees(a)]


def _load(db: Session, who: Viewer, announcement_id: int,
          today: date | None = None) -> Announcement:
    a = db.get(Announcement, announcement_id)
    if a is None or not who.sees(a):
        raise NotFound("announcement")
    if not who.vendor and not _current(a, today or utcnow().date()):
        raise NotFound("announcement")
    return a


def _current(a: Announcement, today: date) -> bool:
    return a.withdrawn_at is None and (a.ends_on is None or a.ends_on >= today)


def _read_ids(db: Session, actor: Actor) -> set[int]:
    if actor.user_id is None:
        return set()
    return set(db.scalars(select(AnnouncementRead.announcement_id).where(
        AnnouncementRead.user_id == actor.user_id)))


def _excerpt(body: str, length: int = 280) -> str:
    text = " ".join(body.split())
    return text if len(text) <= length else text[:length - 1] + "…"


def _out(db: Session, a: Announcement, read: bool, today: date) -> AnnouncementOut:
    return AnnouncementOut(a.id, a.title, a.body, describe(db, a), a.pinned, a.ends_on,
                           a.emailed, a.published_at, read, _current(a, today))
