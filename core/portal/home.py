"""The portal's queues on Home: for a partner, the announcements to read, what is new in the
library since its last visit, and its open requests (those waiting on it first); for the
channel team, the requests waiting for an answer (the overdue ones said)."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.home import Waiting, counted, queue
from core.permissions import can
from core.portal.announcements import list_announcements
from core.portal.assets import new_since_last_visit
from core.portal.requests import waiting_counts
from db.models import PartnerRequest


@queue
def partner_portal(db: Session, actor: Actor, now: datetime) -> list[Waiting]:
    if not actor.is_partner or actor.partner_id is None:
        return []
    unread = [a for a in list_announcements(db, actor, now=now) if not a.read]
    mine = dict(db.execute(select(PartnerRequest.status, func.count()).where(
        PartnerRequest.partner_id == actor.partner_id,
        PartnerRequest.status != "resolved").group_by(PartnerRequest.status)).tuples().all())
    theirs = mine.get("waiting_on_partner", 0)
    return [counted("Announcements to read", len(unread), "announcements",
                    f"{sum(a.pinned for a in unread)} pinned" if any(a.pinned for a in unread)
                    else ""),
            counted("New in the asset library", new_since_last_visit(db, actor),
                    "asset_library"),
            counted("Open requests to the channel team", sum(mine.values()), "requests",
                    f"{theirs} waiting on you" if theirs else "")]


@queue
def vendor_requests(db: Session, actor: Actor, now: datetime) -> list[Waiting]:
    if not can(actor, "portal.answer"):
        return []
    waiting, overdue = waiting_counts(db, actor, now=now)
    return [counted("Partner requests waiting for an answer", waiting, "requests",
                    f"{overdue} overdue" if overdue else "")]
