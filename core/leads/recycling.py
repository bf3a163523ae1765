"""A lead never goes stale: an offer rejected, or left past its deadline (the "lead-recycle"
job), passes the lead to the next eligible partner at once, leaving out every partner that
rejected it or let it lapse; after the admin's number of offers, or when nobody else is
eligible, the lead returns to the vendor queue with its history. Both sides are told."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, events
from core.actor import Actor, Role
from core.leads.answers import close_offer, move
from core.leads.events import LeadClosed
from core.leads.routing import max_offers, route_leads
from core.leads.status import LeadStatus, OfferStatus
from core.notifications import notify_partner, notify_role
from db import locks
from db.models import Lead, LeadOffer

ROUTER = "lead-routing"
BATCH = 2_000


def router() -> Actor:
    return Actor.system(ROUTER)


def pass_on(db: Session, lead: Lead, now: datetime) -> None:
    """After a rejection or a lapse: to the next partner, or back to the vendor queue."""
    pass_on_many(db, [lead], now)


def pass_on_many(db: Session, leads: list[Lead], now: datetime) -> tuple[int, int]:
    """(offered again, returned) for leads whose offer just ended. A lead offered the admin's
    number of times returns to the vendor queue; one that nobody else may get waits there
    too: as "rejected" after a rejection (routing every waiting lead tries it again), as
    returned after a lapse."""
    db.flush()
    limit = max_offers(db)
    spent = [x for x in leads if x.offers >= limit]
    rest = [x for x in leads if x.offers < limit]
    routed: set[int] = set()
    if rest:
        report = route_leads(db, router(), [x.id for x in rest], now=now)
        routed = {p.lead_id for p in report.routed}
    returned = spent + [x for x in rest if x.id not in routed]
    for lead in returned:
        db.refresh(lead)
        if lead.offers < limit and lead.status == LeadStatus.REJECTED.value:
            continue  # waits as rejected until a partner becomes eligible
        why = (f"offered {lead.offers} times without a taker" if lead.offers >= limit
               else "no other partner is eligible")
        return_to_vendor(db, router(), lead, why, now)
    return len(routed), len(returned)


def return_to_vendor(db: Session, actor: Actor, lead: Lead, why: str, now: datetime) -> None:
    """The lead waits in the vendor queue again, its history kept; marketing is told."""
    before = move(lead, LeadStatus.RETURNED, now)
    lead.partner_id, lead.current_offer_id, lead.owner_user_id = None, None, None
    lead.outcome_reason = why[:300]
    db.flush()
    audit.record(db, actor, "lead.return", "lead", lead.id, before={"status": before},
                 after={"status": lead.status, "reason": lead.outcome_reason}, now=now)
    events.publish(db, LeadClosed(actor=actor, at=now, lead_id=lead.id, partner_id=None,
                                  outcome="returned"))
    notify_role(db, Role.MARKETING_OPS, f"Lead returned to the queue: {lead.company}",
                f"Lead #{lead.id} ({lead.company}, {lead.country}) is back in the vendor "
                f"queue: {why}.", dedupe_key=f"lead-returned:{lead.id}:{lead.offers}",
                link=f"pages/lead.py?id={lead.id}", now=now)


@dataclass(frozen=True)
class RecycleReport:
    lapsed: int
    offered_again: int
    returned: int

    @property
    def message(self) -> str:
        return (f"{self.lapsed} offers lapsed: {self.offered_again} leads offered to the next "
                f"partner, {self.returned} returned to the vendor queue")


def recycle_lapsed(db: Session, *, now: datetime) -> RecycleReport:
    """Every offer past its deadline lapses and its lead moves on, in the caller's
    transaction. Two runners at once: the routing lock makes them take turns, and an offer
    already answered or lapsed is left alone."""
    locks.hold(db, "leads:routing")
    due = db.execute(select(LeadOffer.id, LeadOffer.lead_id)
                     .where(LeadOffer.status == OfferStatus.PENDING.value,
                            LeadOffer.deadline_at <= now)
                     .order_by(LeadOffer.deadline_at, LeadOffer.id).limit(BATCH)).all()
    moved: list[Lead] = []
    actor = router()
    for offer_id, lead_id in due:
        locks.hold(db, f"lead:{lead_id}")
        offer = db.get(LeadOffer, offer_id, populate_existing=True)
        lead = db.get(Lead, lead_id, populate_existing=True)
        if offer.status != OfferStatus.PENDING.value or lead.current_offer_id != offer.id:
            continue
        close_offer(db, actor, lead, offer, OfferStatus.LAPSED, now, "No answer in time")
        move(lead, LeadStatus.NEW, now)
        lead.partner_id, lead.current_offer_id = None, None
        audit.record(db, actor, "lead.lapse", "lead", lead.id, after={
            "offer_id": offer.id, "partner_id": offer.partner_id}, now=now)
        notify_partner(db, offer.partner_id, f"Lead passed on: {lead.company}",
                       f"Your company did not answer the offer of lead #{lead.id} "
                       f"({lead.company}) by {offer.deadline_at:%Y-%m-%d %H:%M} UTC; it went "
                       "to another partner.", dedupe_key=f"lead-lapsed:{offer.id}", now=now)
        moved.append(lead)
    again, returned = pass_on_many(db, moved, now) if moved else (0, 0)
    return RecycleReport(len(moved), again, returned)
