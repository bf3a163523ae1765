"""A partner's scorecard: each KPI for a period beside the period before, and beside the
median of the partner's tier when enough other partners make it up that no figure reveals
one of them. Partners see only their own."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import onboarding
from core.actor import Actor
from core.analytics.kpis import (
    KPIS,
    Kpi,
    Totals,
    kpi_frame,
    totals,
    totals_frame,
)
from core.analytics.periods import Period, add_months
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


def analytics_stamp(db: Session) -> tuple[int, int]:
    """What every partner's facts are at: the partners with a version and the sum of their
    versions. Versions only rise, so any write to any partner's facts moves it; a cache of
    every partner's figures keyed by it is never older than a write it did not see."""
    count, total = db.execute(select(func.count(), func.coalesce(
        func.sum(AnalyticsVersion.version), 0))).one()
    return int(count), int(total)


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
    # The other partners of the tier, those without any fact in the period as zeros.
    peer_ids = list(db.scalars(select(Partner.id).where(Partner.tier_id == partner.tier_id,
                                                        Partner.id != partner.id)))
    peers = kpi_frame(totals_frame(db, period, tier_id=partner.tier_id)
                      .reindex(peer_ids, fill_value=0.0))
    kpis = tuple(_kpi_value(k, mine, before, peers[k.key]) for k in KPIS)
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


def _kpi_value(kpi: Kpi, mine: Totals, before: Totals, peers: pd.Series) -> KpiValue:
    values = peers.dropna()
    shown = _as_value(kpi, values.median()) if len(values) >= MIN_PEERS else None
    return KpiValue(kpi.key, kpi.label, kpi.unit, kpi.help, kpi.higher_is_better,
                    kpi.value(mine), kpi.value(before), shown, len(values))


def _as_value(kpi: Kpi, median: float):
    """A median as the KPI's own values read: money to the cent, counts whole when whole."""
    if kpi.unit == "money":
        return Decimal(str(round(median, 2))).quantize(Decimal("0.01"))
    if kpi.unit == "count" and float(median).is_integer():
        return int(median)
    return float(median)
