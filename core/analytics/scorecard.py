"""A partner's scorecard: each KPI for a period beside the period before, and beside the
median of the partner's tier when enough other partners make it up that no figure reveals
one of them. Partners see only their own."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import onboarding
from core.actor import Actor
from core.analytics.kpis import KPIS, Kpi, Period, Totals, add_months, totals
from core.errors import NotFound
from core.permissions import can, require
from db.models import AnalyticsVersion, Partner, PartnerMonthFact

# A tier median is shown only when at least this many *other* partners of the tier have a
# value for the KPI: fewer, and a partner could work out a competitor's figure.
MIN_PEERS = 5


@dataclass(frozen=True)
class KpiValue:
    key: str
    label: str
    unit: str
    help: str
    higher_is_better: bool
    value: object  # Decimal, float, int or None (no value: e.g. a win rate with no deal)
    previous: object
    tier_median: object  # None when hidden (too few peers) or nobody has a value
    peers: int  # other partners of the tier with a value for it

    @property
    def change(self) -> object:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass(frozen=True)
class Scorecard:
    partner_id: int
    partner_name: str
    tier: str
    period: Period
    previous: Period
    kpis: tuple[KpiValue, ...]
    version: int  # moves with every change of the partner's facts (cache keys)

    def kpi(self, key: str) -> KpiValue:
        return next(k for k in self.kpis if k.key == key)


def analytics_version(db: Session, partner_id: int) -> int:
    return db.scalar(select(AnalyticsVersion.version)
                     .where(AnalyticsVersion.partner_id == partner_id)) or 0


def scorecard_partner(db: Session, actor: Actor, partner_id: int) -> Partner:
    """The partner whose scorecard the actor asks for, if it may see it: a partner's users
    only their own partner's (another's is "not found", whatever id is asked)."""
    require(actor, "scorecard.view")
    onboarding.require_agreement(db, actor)
    partner = db.get(Partner, partner_id) if isinstance(partner_id, int) else None
    if partner is None or not can(actor, "scorecard.view", partner):
        raise NotFound("partner")
    return partner


def scorecard(db: Session, actor: Actor, partner_id: int, period: Period) -> Scorecard:
    partner = scorecard_partner(db, actor, partner_id)
    previous = period.previous()
    mine = totals(db, period, [partner.id]).get(partner.id, Totals())
    before = totals(db, previous, [partner.id]).get(partner.id, Totals())
    peer_ids = list(db.scalars(select(Partner.id).where(Partner.tier_id == partner.tier_id,
                                                        Partner.id != partner.id)))
    peers = totals(db, period, peer_ids)
    kpis = tuple(_kpi_value(k, mine, before, [peers.get(p, Totals()) for p in peer_ids])
                 for k in KPIS)
    return Scorecard(partner.id, partner.name, partner.tier.name, period, previous, kpis,
                     analytics_version(db, partner.id))


@dataclass(frozen=True)
class MonthFigures:
    month: date
    registrations: int
    pipeline: Decimal
    won: int
    won_amount: Decimal


def scorecard_months(db: Session, actor: Actor, partner_id: int,
                     period: Period) -> list[MonthFigures]:
    """The partner's figures month by month through the period (months without any: zero)."""
    partner = scorecard_partner(db, actor, partner_id)
    rows = {f.month: f for f in db.scalars(select(PartnerMonthFact).where(
        PartnerMonthFact.partner_id == partner.id, PartnerMonthFact.month >= period.first,
        PartnerMonthFact.month <= period.last))}
    out = []
    for i in range(period.months):
        month = add_months(period.first, i)
        f = rows.get(month)
        out.append(MonthFigures(month, f.registrations, f.pipeline, f.won, f.won_amount) if f
                   else MonthFigures(month, 0, Decimal(0), 0, Decimal(0)))
    return out


def _kpi_value(kpi: Kpi, mine: Totals, before: Totals, peers: list[Totals]) -> KpiValue:
    values = [v for v in (kpi.value(t) for t in peers) if v is not None]
    shown = median(values) if len(values) >= MIN_PEERS else None
    return KpiValue(kpi.key, kpi.label, kpi.unit, kpi.help, kpi.higher_is_better,
                    kpi.value(mine), kpi.value(before), shown, len(values))
