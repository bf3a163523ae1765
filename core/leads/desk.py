"""The vendor's hand on a lead: a channel manager assigns it to a partner by hand with a reason
(any offer waiting is withdrawn), marketing or the channel team returns it to the vendor queue
or disqualifies it, and a contact's personal data is erased on request."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit, events
from core.actor import Actor
from core.errors import NotFound, RuleViolation
from core.leads.answers import close_offer, lock_lead, move
from core.leads.events import LeadClosed, LeadsOffered
from core.leads.records import LeadOut, lead_out
from core.leads.recycling import return_to_vendor
from core.leads.routing import ROUTING_LOCK
from core.leads.status import LeadStatus, OfferStatus
from core.notifications import notify_partner
from core.onboarding import has_accepted_current
from core.partners import partner_for
from core.permissions import require
from core.validation.parsers import text_field
from db import locks
from db.models import Lead, LeadOffer, Partner, Tier
from db.types import utcnow

ERASED = "(erased)"
ASSIGNABLE = (LeadStatus.NEW, LeadStatus.OFFERED, LeadStatus.REJECTED, LeadStatus.RETURNED)


def _reason(reason: str, what: str) -> str:
    text = text_field(reason, 300, multiline=True)
    if not text:
        raise RuleViolation(f"Say why you {what}.", field="reason")
    return text


def _withdraw_pending(db: Session, actor: Actor, lead: Lead, now: datetime) -> int | None:
    """The offer waiting for an answer, if any, is withdrawn; its partner id."""
    if lead.current_offer_id is None or lead.status != LeadStatus.OFFERED.value:
        return None
    offer = db.get(LeadOffer, lead.current_offer_id, populate_existing=True)
    if offer is None or offer.status != OfferStatus.PENDING.value:
        return None
    close_offer(db, actor, lead, offer, OfferStatus.WITHDRAWN, now, "Withdrawn by the vendor")
    return offer.partner_id


def assign_lead(db: Session, actor: Actor, lead_id: int, partner_id: int, reason: str, *,
                now: datetime | None = None) -> LeadOut:
    """Offer the lead to this partner by hand, whatever routing would say (the partner must be
    active and have accepted the agreement); the reason is kept with the offer and audited."""
    require(actor, "lead.assign")
    now = now or utcnow()
    reason = _reason(reason, "assign the lead by hand")
    locks.hold(db, ROUTING_LOCK)
    lead = lock_lead(db, actor, lead_id)
    if LeadStatus(lead.status) not in ASSIGNABLE:
        raise RuleViolation(f"A lead that is {lead.status} cannot be assigned.")
    partner, hours = _open_partner(db, partner_id)
    withdrawn = _withdraw_pending(db, actor, lead, now)
    if lead.status != LeadStatus.OFFERED.value:
        move(lead, LeadStatus.OFFERED, now)
    offer = LeadOffer(lead_id=lead.id, partner_id=partner.id, status=OfferStatus.PENDING.value,
                      offered_at=now, deadline_at=now + timedelta(hours=hours), score=None,
                      explanation={"by_hand": True, "reason": reason, "by": actor.label},
                      by_hand=True, offered_by_user_id=actor.user_id)
    db.add(offer)
    db.flush()
    lead.partner_id, lead.current_offer_id, lead.owner_user_id = partner.id, offer.id, None
    lead.offers += 1
    db.flush()
    audit.record(db, actor, "lead.assign", "lead", lead.id,
                 before={"withdrawn_from": withdrawn},
                 after={"partner_id": partner.id, "offer_id": offer.id, "reason": reason},
                 now=now)
    events.publish(db, LeadsOffered(actor=actor, at=now, offers=((lead.id, offer.id,
                                                                  partner.id),), by_hand=True))
    notify_partner(db, partner.id, "1 new lead offered to you",
                   f"Accept or reject by {offer.deadline_at:%Y-%m-%d %H:%M} UTC. Open Leads "
                   "to see it.", dedupe_key=f"lead-offer:{offer.id}",
                   link="pages/leads_inbox.py", now=now)
    return lead_out(db, actor, lead)


def _open_partner(db: Session, partner_id: int) -> tuple[Partner, int]:
    partner = db.get(Partner, partner_id) if isinstance(partner_id, int) else None
    if partner is None:
        raise NotFound("partner")
    if partner.status != "active":
        raise RuleViolation(f"{partner.name} is {partner.status}: only an active partner gets "
                            "leads.", field="partner")
    if not has_accepted_current(db, partner.id):
        raise RuleViolation(f"{partner.name} has not accepted the partner agreement yet.",
                            field="partner")
    hours = db.scalar(select(Tier.lead_accept_hours).where(Tier.id == partner.tier_id))
    return partner, int(hours)


def return_lead(db: Session, actor: Actor, lead_id: int, reason: str, *,
                now: datetime | None = None) -> LeadOut:
    """Back to the vendor queue (an offer waiting is withdrawn)."""
    require(actor, "lead.manage")
    now = now or utcnow()
    reason = _reason(reason, "return the lead")
    lead = lock_lead(db, actor, lead_id)
    if lead.status not in (LeadStatus.NEW.value, LeadStatus.OFFERED.value,
                           LeadStatus.REJECTED.value, LeadStatus.ACCEPTED.value):
        raise RuleViolation(f"A lead that is {lead.status} cannot be returned.")
    _withdraw_pending(db, actor, lead, now)
    return_to_vendor(db, actor, lead, reason, now)
    return lead_out(db, actor, lead)


def disqualify_queued(db: Session, actor: Actor, lead_id: int, reason: str, *,
                      now: datetime | None = None) -> LeadOut:
    """Marketing drops a lead from the queue (not offered to anyone now)."""
    require(actor, "lead.manage")
    now = now or utcnow()
    reason = _reason(reason, "disqualify the lead")
    lead = lock_lead(db, actor, lead_id)
    if lead.status not in (LeadStatus.NEW.value, LeadStatus.REJECTED.value,
                           LeadStatus.RETURNED.value):
        raise RuleViolation("Only a lead waiting in the vendor queue can be disqualified here.")
    before = move(lead, LeadStatus.DISQUALIFIED, now)
    lead.outcome_reason, lead.closed_at = reason, now
    db.flush()
    audit.record(db, actor, "lead.disqualify", "lead", lead.id, before={"status": before},
                 after={"status": lead.status, "reason": reason}, now=now)
    events.publish(db, LeadClosed(actor=actor, at=now, lead_id=lead.id, partner_id=None,
                                  outcome="disqualified"))
    return lead_out(db, actor, lead)


def erase_contact(db: Session, actor: Actor, lead_id: int, *,
                  now: datetime | None = None) -> LeadOut:
    """The contact's personal data replaced (name, e-mail, phone, title, notes) and its
    duplicate keys cleared, so a later import of the same person is not refused; the
    company, place and outcome stay for reporting. Audited without the data erased."""
    require(actor, "lead.erase")
    now = now or utcnow()
    lead = lock_lead(db, actor, lead_id)
    if lead.erased_at is not None:
        raise RuleViolation("This lead's contact was erased already.")
    lead.first_name, lead.last_name, lead.title = ERASED, "", None
    lead.email = lead.phone = None
    lead.notes = ""
    lead.email_key = lead.person_key = lead.source_id = None
    lead.erased_at = lead.updated_at = now
    db.flush()
    audit.record(db, actor, "lead.erase_contact", "lead", lead.id,
                 after={"erased": ["first_name", "last_name", "email", "phone", "title",
                                   "notes", "source_id"]}, now=now)
    return lead_out(db, actor, lead)


@dataclass(frozen=True)
class LeadCapacity:
    own: int | None  # the partner's own figure, None: its tier's
    tier: int
    waiting: int  # offers waiting for its answer now

    @property
    def effective(self) -> int:
        return self.tier if self.own is None else self.own


def lead_capacity(db: Session, actor: Actor, partner_id: int) -> LeadCapacity:
    """How many offers the partner may have waiting at once, and has now."""
    partner = partner_for(db, actor, partner_id, "partner.view")
    waiting = db.scalar(select(func.count()).select_from(LeadOffer).where(
        LeadOffer.partner_id == partner.id, LeadOffer.status == OfferStatus.PENDING.value))
    return LeadCapacity(partner.lead_capacity, partner.tier.lead_capacity, int(waiting or 0))


def set_lead_capacity(db: Session, actor: Actor, partner_id: int, capacity: int | None, *,
                      now: datetime | None = None) -> LeadCapacity:
    """The partner's own lead capacity (None: its tier's), kept with its profile: a partner
    admin its own, the admin and channel managers any partner's. Audited."""
    partner = partner_for(db, actor, partner_id, "partner.edit_profile")
    if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int)
                                 or not 0 <= capacity <= 10_000):
        raise RuleViolation("Give the leads it may have waiting as a whole number from 0 to "
                            "10,000, or leave it to the tier.", field="lead_capacity")
    before = {"lead_capacity": partner.lead_capacity}
    partner.lead_capacity = capacity
    db.flush()
    audit.record(db, actor, "partner.lead_capacity", "partner", partner.id, before=before,
                 after={"lead_capacity": capacity}, partner_id=partner.id, now=now or utcnow())
    return lead_capacity(db, actor, partner.id)
