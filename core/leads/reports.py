"""How partners work their leads, for the channel team across partners and for one partner
(its 360 tab, and its own partner admin): offers, acceptance, median response time,
conversion and lapses over a window of days, read in grouped queries."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import PARTNER_ROLES, Actor
from core.errors import NotFound
from core.leads.status import LeadStatus, OfferStatus
from core.permissions import require
from db.models import Lead, LeadOffer, Partner
from db.types import utcnow

OS = OfferStatus


@dataclass(frozen=True)
class PartnerLeadStats:
    partner_id: int
    partner: str
    offers: int
    waiting: int  # offers waiting for an answer now
    accepted: int
    rejected: int
    lapsed: int
    median_response_hours: float | None  # accepted or rejected offers
    converted: int
    disqualified: int

    @property
    def acceptance(self) -> float | None:
        ended = self.accepted + self.rejected + self.lapsed
        return self.accepted / ended if ended else None

    @property
    def conversion(self) -> float | None:
        closed = self.converted + self.disqualified
        return self.converted / closed if closed else None


def lead_stats(db: Session, actor: Actor, *, days: int = 90, partner_id: int | None = None,
               now: datetime | None = None) -> list[PartnerLeadStats]:
    """Per partner with an offer in the last `days` days (or one partner), by name. A partner's
    users get their own partner's only (another's: not found); the vendor any."""
    if actor.role in PARTNER_ROLES:
        require(actor, "lead.hand_over")  # the partner admin
        if partner_id not in (None, actor.partner_id):
            raise NotFound("partner")
        partner_id = actor.partner_id
    else:
        require(actor, "lead.report")
    now = now or utcnow()
    since = now - timedelta(days=days)
    offers = select(LeadOffer.partner_id, LeadOffer.status, LeadOffer.offered_at,
                    LeadOffer.answered_at).where(LeadOffer.offered_at >= since)
    closed = select(Lead.partner_id, Lead.status, func.count()).where(
        Lead.closed_at >= since, Lead.status.in_([LeadStatus.CONVERTED.value,
                                                  LeadStatus.DISQUALIFIED.value]))
    if partner_id is not None:
        if db.get(Partner, partner_id) is None:
            raise NotFound("partner")
        offers = offers.where(LeadOffer.partner_id == partner_id)
        closed = closed.where(Lead.partner_id == partner_id)
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    hours: dict[int, list[float]] = defaultdict(list)
    for pid, status, offered, answered in db.execute(offers):
        counts[pid]["offers"] += 1
        counts[pid][status] += 1
        if status in (OS.ACCEPTED.value, OS.REJECTED.value) and answered is not None:
            hours[pid].append((answered - offered).total_seconds() / 3600)
    for pid, status, count in db.execute(closed.group_by(Lead.partner_id, Lead.status)):
        counts[pid][status] += count
    if partner_id is not None:
        counts.setdefault(partner_id, defaultdict(int))
    names = dict(db.execute(select(Partner.id, Partner.name)
                            .where(Partner.id.in_(list(counts)))).tuples().all())
    return sorted((PartnerLeadStats(
        pid, names.get(pid, "?"), c["offers"], c[OS.PENDING.value], c[OS.ACCEPTED.value],
        c[OS.REJECTED.value], c[OS.LAPSED.value],
        round(median(hours[pid]), 1) if hours[pid] else None,
        c[LeadStatus.CONVERTED.value], c[LeadStatus.DISQUALIFIED.value])
        for pid, c in counts.items()), key=lambda r: (r.partner, r.partner_id))


@dataclass(frozen=True)
class QueueCounts:
    new: int
    offered: int
    rejected: int
    returned: int
    accepted: int
    converted: int
    disqualified: int


def queue_counts(db: Session, actor: Actor) -> QueueCounts:
    """How many leads are in each status (the vendor's view)."""
    require(actor, "lead.report")
    found = dict(db.execute(select(Lead.status, func.count()).group_by(Lead.status)).all())
    return QueueCounts(*(int(found.get(s.value, 0)) for s in (
        LeadStatus.NEW, LeadStatus.OFFERED, LeadStatus.REJECTED, LeadStatus.RETURNED,
        LeadStatus.ACCEPTED, LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED)))
