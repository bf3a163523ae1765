"""Leads' queues on Home: a partner's offers waiting for its answer (the nearest deadline) and
the accepted leads its user works (a partner admin: its company's); marketing's and the channel
team's leads waiting in the vendor queue and those returned to it."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import Actor, Role
from core.home import Waiting, counted, queue
from core.leads.status import LeadStatus, OfferStatus
from core.permissions import can
from db.models import Lead, LeadOffer


@queue
def partner_leads(db: Session, actor: Actor, now: datetime) -> list[Waiting]:
    if not can(actor, "lead.work") or actor.partner_id is None:
        return []
    count, first = db.execute(select(func.count(), func.min(LeadOffer.deadline_at)).where(
        LeadOffer.partner_id == actor.partner_id,
        LeadOffer.status == OfferStatus.PENDING.value)).one()
    detail = f"answer the first by {first:%Y-%m-%d %H:%M} UTC" if first else ""
    held = select(func.count()).select_from(Lead).where(
        Lead.partner_id == actor.partner_id, Lead.status == LeadStatus.ACCEPTED.value)
    if actor.role == Role.PARTNER_USER:
        held = held.where(Lead.owner_user_id == actor.user_id)
    return [counted("Leads offered, waiting for your answer", count or 0, "leads_inbox",
                    detail),
            counted("Accepted leads to convert or disqualify", db.scalar(held) or 0,
                    "leads_inbox")]


@queue
def vendor_queue(db: Session, actor: Actor, now: datetime) -> list[Waiting]:
    if not can(actor, "lead.manage"):
        return []
    found = dict(db.execute(select(Lead.status, func.count()).where(Lead.status.in_(
        [LeadStatus.NEW.value, LeadStatus.REJECTED.value, LeadStatus.RETURNED.value]))
        .group_by(Lead.status)).all())
    waiting = found.get(LeadStatus.NEW.value, 0) + found.get(LeadStatus.REJECTED.value, 0)
    return [counted("Leads waiting to be routed", waiting, "leads"),
            counted("Leads returned to the vendor queue", found.get(
                LeadStatus.RETURNED.value, 0), "leads")]
