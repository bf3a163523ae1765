"""The channel team's view of every partner at once: health and each KPI for a period, who is
at risk and who moved most. Reads the facts (two grouped reads for the period and the one
before) and the partners; nothing scans the registrations."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from core.actor import Actor
from core.analytics.health import Health, benchmarks, health, health_weights
from core.analytics.kpis import KPIS, Period, Totals, add_months, totals
from core.permissions import require
from db.models import Partner, PartnerMonthFact, PartnerRegion, Tier, User

AT_RISK_FALL = 10  # health points lost since the period before
QUIET_MONTHS = 3  # no registration in the last three months (this one included)
MOVERS = 5


@dataclass(frozen=True)
class PerformanceFilter:
    tier: str | None = None
    region: str | None = None
    partner_type: str | None = None
    manager_id: int | None = None


@dataclass(frozen=True)
class PartnerPerformance:
    partner_id: int
    name: str
    tier: str
    regions: tuple[str, ...]
    partner_type: str
    manager: str | None
    health: Health
    kpis: dict[str, object]  # KPI key -> value for the period
    quiet: bool  # no registration in the last QUIET_MONTHS months

    @property
    def at_risk(self) -> bool:
        trend = self.health.trend
        return self.quiet or (trend is not None and trend <= -AT_RISK_FALL)

    @property
    def risk(self) -> str:
        """Why it is at risk, in words."""
        why = []
        if self.health.trend is not None and self.health.trend <= -AT_RISK_FALL:
            why.append(f"health down {-self.health.trend} points")
        if self.quiet:
            why.append(f"no registration in {QUIET_MONTHS} months")
        return "; ".join(why)


@dataclass(frozen=True)
class Performance:
    period: Period
    partners: list[PartnerPerformance]  # by name

    @property
    def at_risk(self) -> list[PartnerPerformance]:
        return sorted((p for p in self.partners if p.at_risk),
                      key=lambda p: (p.health.trend if p.health.trend is not None else 0,
                                     p.name))

    def movers(self, up: bool) -> list[PartnerPerformance]:
        moved = [p for p in self.partners if p.health.trend]
        moved = [p for p in moved if (p.health.trend > 0) == up]
        return sorted(moved, key=lambda p: (-p.health.trend if up else p.health.trend,
                                            p.name))[:MOVERS]


def partner_performance(db: Session, actor: Actor, period: Period,
                        filt: PerformanceFilter = PerformanceFilter(), *,
                        today: date) -> Performance:
    """Every partner that matches the filter, with its health (benchmarked against all
    partners, whatever the filter) and KPIs for the period."""
    require(actor, "health.view")
    now, before = totals(db, period), totals(db, period.previous())
    bench, bench_before = benchmarks(now), benchmarks(before)
    quiet_since = add_months(date(today.year, today.month, 1), 1 - QUIET_MONTHS)
    busy = set(db.scalars(select(PartnerMonthFact.partner_id).distinct().where(
        PartnerMonthFact.month >= quiet_since, PartnerMonthFact.registrations > 0)))
    regions: dict[int, list[str]] = {}
    for partner_id, region in db.execute(select(PartnerRegion.partner_id, PartnerRegion.region)
                                         .order_by(PartnerRegion.partner_id,
                                                   PartnerRegion.position)):
        regions.setdefault(partner_id, []).append(region)
    weights = health_weights(db)
    out = []
    for p, tier, manager in db.execute(_partners(filt)):
        mine, then = now.get(p.id, Totals()), before.get(p.id, Totals())
        out.append(PartnerPerformance(
            p.id, p.name, tier, tuple(regions.get(p.id, ())), p.partner_type, manager,
            health(mine, then, bench, bench_before, weights),
            {k.key: k.value(mine) for k in KPIS}, p.id not in busy))
    return Performance(period, out)


def _partners(filt: PerformanceFilter):
    manager = aliased(User)
    q = (select(Partner, Tier.name, manager.display_name)
         .join(Tier, Tier.id == Partner.tier_id)
         .outerjoin(manager, manager.id == Partner.channel_manager_id)
         .where(Partner.status.in_(["active", "onboarding"]))
         .order_by(Partner.name, Partner.id))
    if filt.tier:
        q = q.where(Tier.name == filt.tier)
    if filt.partner_type:
        q = q.where(Partner.partner_type == filt.partner_type)
    if filt.manager_id is not None:
        q = q.where(Partner.channel_manager_id == filt.manager_id)
    if filt.region:
        q = q.where(Partner.id.in_(select(PartnerRegion.partner_id)
                                   .where(PartnerRegion.region == filt.region)))
    return q
