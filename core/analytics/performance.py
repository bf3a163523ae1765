"""The channel team's view of every partner at once: health and each KPI for a period, who is
at risk and who moved most. Reads the facts (two grouped reads for the period and the one
before) and the partners; nothing scans the registrations."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from core.actor import Actor
from core.analytics.health import health_weights, score_all
from core.analytics.kpis import kpi_frame, totals_frame
from core.analytics.periods import Period
from core.analytics.rollups import is_ready, totals_rows
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


class PartnerPerformance(NamedTuple):
    """One partner's row (immutable; a tuple, since the page makes 5,000 of them)."""

    partner_id: int
    name: str
    tier: str
    regions: tuple[str, ...]
    partner_type: str
    manager: str | None
    health: int | None  # None: no KPI had a value
    previous_health: int | None  # for the period before
    kpis: Mapping[str, object]  # KPI key -> value for the period (None: no value)
    quiet: bool  # no registration in the last QUIET_MONTHS months
    # Why its health fell, biggest first: given where its fall puts it at risk (the
    # scorecard gives any partner's), so that 5,000 partners are not put into words.
    reasons: tuple[str, ...] = ()

    @property
    def trend(self) -> int | None:
        return None if self.health is None or self.previous_health is None else \
            self.health - self.previous_health

    @property
    def at_risk(self) -> bool:
        return self.quiet or (self.trend is not None and self.trend <= -AT_RISK_FALL)

    @property
    def risk(self) -> str:
        """Why it is at risk, in words."""
        why = []
        if self.trend is not None and self.trend <= -AT_RISK_FALL:
            fell = f"health down {-self.trend} points"
            why.append(f"{fell} ({'; '.join(self.reasons)})" if self.reasons else fell)
        if self.quiet:
            why.append(f"no registration in {QUIET_MONTHS} months")
        return "; ".join(why)


@dataclass(frozen=True)
class Performance:
    period: Period
    partners: tuple[PartnerPerformance, ...]  # by name

    @property
    def at_risk(self) -> list[PartnerPerformance]:
        return sorted((p for p in self.partners if p.at_risk),
                      key=lambda p: (p.trend if p.trend is not None else 0, p.name))

    def movers(self, up: bool) -> list[PartnerPerformance]:
        moved = [p for p in self.partners if p.trend and (p.trend > 0) == up]
        return sorted(moved, key=lambda p: (-p.trend if up else p.trend, p.name))[:MOVERS]


def partner_performance(db: Session, actor: Actor, period: Period,
                        filt: PerformanceFilter = PerformanceFilter(), *,
                        today: date) -> Performance:
    """Every partner that matches the filter, with its health (benchmarked against all
    partners, whatever the filter) and KPIs for the period. Column-wise over the facts'
    totals (core.analytics.kpis): at 5,000 partners a loop per partner would be most of
    the page's time."""
    require(actor, "health.view")
    found = db.connection().execute(_partners(filt)).all()
    ids = [row.id for row in found]
    now = totals_frame(db, period)
    scored = score_all(now, totals_frame(db, period.previous()), health_weights(db), ids)
    values = _rows(kpi_frame(now.reindex(ids, fill_value=0.0)))
    busy = _busy(db, today)
    regions = _regions(db)
    scores, before = _ints(scored.score), _ints(scored.previous)
    out = [PartnerPerformance(row.id, row.name, row.tier, regions.get(row.id, ()),
                              row.partner_type, row.manager, scores[i], before[i],
                              values[i], row.id not in busy)
           for i, row in enumerate(found)]
    # Put in words only where the page says it: a health that fell enough to put the
    # partner at risk.
    reasons = scored.reasons([p.partner_id for p in out if p.trend is not None and
                              p.trend <= -AT_RISK_FALL])
    return Performance(period, tuple(p._replace(reasons=reasons[p.partner_id]) if
                                     reasons.get(p.partner_id) else p for p in out))


def _busy(db: Session, today: date) -> set[int]:
    """The partners with a registration in the last QUIET_MONTHS months (this one included):
    an offered period, so usually kept (core.analytics.rollups)."""
    recent = Period.months_to(today, QUIET_MONTHS)
    if is_ready(db, recent):
        counts = totals_rows(db, recent, columns=("registrations",))["registrations"]
        return set(counts.index[counts > 0].tolist())
    # SQLite without statistics would walk the whole key for DISTINCT (13 ms at 5,000
    # partners); the month index reads only the last months (3 ms).
    return set(db.scalars(select(PartnerMonthFact.partner_id).distinct()
                          .with_hint(PartnerMonthFact,
                                     "INDEXED BY ix_partner_month_facts_month_measures",
                                     "sqlite")
                          .where(PartnerMonthFact.month >= recent.first,
                                 PartnerMonthFact.registrations > 0)))


def _ints(scores) -> list[int | None]:
    return [None if v != v else int(v) for v in scores.tolist()]  # NaN: no score


def _rows(kpis) -> list[Mapping[str, float | None]]:
    """Each partner's KPI values by key (None for NaN: no value), in the frame's order."""
    columns = {key: kpis[key].tolist() for key in kpis.columns}
    return [MappingProxyType({key: None if v[i] != v[i] else v[i]
                              for key, v in columns.items()}) for i in range(len(kpis))]


def _regions(db: Session) -> dict[int, tuple[str, ...]]:
    regions: dict[int, list[str]] = {}
    for partner_id, region in db.execute(select(PartnerRegion.partner_id, PartnerRegion.region)
                                         .order_by(PartnerRegion.position)).tuples():
        regions.setdefault(partner_id, []).append(region)
    return {k: tuple(v) for k, v in regions.items()}


def _partners(filt: PerformanceFilter):
    manager = aliased(User)
    q = (select(Partner.id, Partner.name, Partner.partner_type, Tier.name.label("tier"),
                manager.display_name.label("manager"))
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
