"""The executive's dashboard: channel revenue by month, stacked by tier, region or partner
type; the registration funnel; the top partners and how concentrated revenue is; new
partners and their time to a first registration by cohort. Every query reads the facts and
the partners (a few thousand rows at the reference scale), never the registrations.

The page reads `revenue_dashboard`: the partners once (their tier, type and first region, which
the filters and groupings need), one sum per partner for the funnel and the concentration,
one grouped read for the revenue by month and one for the first registrations, so that the
four charts cost about one read each (SQLite at 1M registrations: 210 -> under 100 ms).

A partner's region here is its first region (the one its profile lists first), so that each
partner's revenue counts once; its tier and type are today's."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import BigInteger, Integer, Select, and_, extract, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from core.actor import Actor
from core.analytics.kpis import whole_sum
from core.analytics.periods import Period
from core.analytics.rollups import is_ready
from core.partners import PARTNER_TYPE_SHORT
from core.permissions import require
from db.models import Partner, PartnerMonthFact, PartnerPeriodTotal, PartnerRegion, Tier
from db.types import cents_to_decimal

F = PartnerMonthFact
T = PartnerPeriodTotal
GROUPINGS = {"tier": "Tier", "region": "Region", "type": "Partner type"}
TOP = 10


@dataclass(frozen=True)
class DashboardFilter:
    region: str | None = None
    tier: str | None = None


class PartnerGroups(NamedTuple):
    """What the dashboard groups and filters a partner by (a tuple: there are thousands)."""

    name: str
    tier: str
    partner_type: str
    region: str | None  # the first one its profile lists
    joined: int  # the month it was created, as year * 12 + month - 1 (UTC)


def partner_groups(db: Session, filt: DashboardFilter = DashboardFilter(),
                   ) -> dict[int, PartnerGroups]:
    """The partners the filter keeps, by id."""
    q = _narrowed(select(Partner.id, Partner.name, Tier.name, Partner.partner_type,
                         PartnerRegion.region, _month_number(Partner.created_at)), filt)
    return {row[0]: PartnerGroups(*row[1:]) for row in db.execute(q).tuples()}


def _narrowed(q: Select, filt: DashboardFilter) -> Select:
    """`q`, which reads partners, joined to their tier and first region and narrowed by
    the filter."""
    q = (q.join(Tier, Tier.id == Partner.tier_id)
         .outerjoin(PartnerRegion, and_(PartnerRegion.partner_id == Partner.id,
                                        PartnerRegion.position == 0)))
    if filt.tier:
        q = q.where(Tier.name == filt.tier)
    if filt.region:
        q = q.where(PartnerRegion.region == filt.region)
    return q


def _in(period: Period):
    return and_(F.month >= period.first, F.month <= period.last)


class PartnerSums(NamedTuple):
    partner_id: int
    registrations: int
    approved: int
    won: int
    won_cents: int  # won revenue in cents: a Decimal is made only of what is shown


def partner_sums(db: Session, period: Period, kept: bool = True) -> list[PartnerSums]:
    """Each partner's registrations, approvals, wins and won revenue in the period (those
    with any fact in it): from the kept period totals when ready, else from the facts."""
    if kept and is_ready(db, period):
        return [PartnerSums._make(row) for row in db.execute(
            select(T.partner_id, *(type_coerce(getattr(T, c), BigInteger) for c in
                                   ("registrations", "approved", "won", "won_amount")))
            .where(T.first == period.first, T.last == period.last,
                   or_(T.registrations > 0, T.approved > 0, T.won > 0))).tuples()]
    return [PartnerSums._make(row) for row in db.execute(
        select(F.partner_id, whole_sum(F.registrations), whole_sum(F.approved),
               whole_sum(F.won), whole_sum(F.won_amount))
        .where(_in(period)).group_by(F.partner_id)).tuples()]



@dataclass(frozen=True)
class RevenueCell:
    month: date
    group: str
    won_amount: Decimal


def revenue_by_month(db: Session, actor: Actor, period: Period, by: str = "tier",
                     filt: DashboardFilter = DashboardFilter()) -> list[RevenueCell]:
    """Won revenue per month (by close day) and group; months and groups without any are
    left out."""
    require(actor, "dashboard.view")
    if by not in GROUPINGS:
        raise ValueError(f"group by one of {sorted(GROUPINGS)}")
    group = {"tier": Tier.name, "type": Partner.partner_type,
             "region": func.coalesce(PartnerRegion.region, "—")}[by]
    q = _narrowed(select(F.month, group, func.sum(F.won_amount))
                  .join(Partner, Partner.id == F.partner_id), filt)
    rows = db.execute(q.where(_in(period), F.won > 0).group_by(F.month, group)
                      .order_by(F.month, group))
    label = (lambda g: PARTNER_TYPE_SHORT.get(g, g)) if by == "type" else (lambda g: g)
    return [RevenueCell(month, label(g), amount) for month, g, amount in rows]


@dataclass(frozen=True)
class Funnel:
    registered: int
    approved: int
    won: int

    @property
    def approval_rate(self) -> float | None:
        return self.approved / self.registered if self.registered else None

    @property
    def win_rate(self) -> float | None:
        return self.won / self.approved if self.approved else None


def funnel(db: Session, actor: Actor, period: Period,
           filt: DashboardFilter = DashboardFilter()) -> Funnel:
    """Registrations submitted, approved and won in the period (each by its own day: a
    registration approved in the period may have been submitted before it)."""
    require(actor, "dashboard.view")
    return _funnel(partner_sums(db, period), partner_groups(db, filt))


def _funnel(sums: list[PartnerSums], kept: dict[int, PartnerGroups]) -> Funnel:
    mine = [s for s in sums if s.partner_id in kept]
    return Funnel(sum(s.registrations for s in mine), sum(s.approved for s in mine),
                  sum(s.won for s in mine))


@dataclass(frozen=True)
class PartnerRevenue:
    partner_id: int
    name: str
    tier: str
    won_amount: Decimal


@dataclass(frozen=True)
class Concentration:
    total: Decimal
    top: list[PartnerRevenue]  # the TOP partners by won revenue
    top_share: float | None  # of the total, the TOP partners'
    top_fifth_share: float | None  # the top 20% of the partners with any revenue
    earning: int  # partners with any won revenue


def concentration(db: Session, actor: Actor, period: Period,
                  filt: DashboardFilter = DashboardFilter()) -> Concentration:
    require(actor, "dashboard.view")
    return _concentration(partner_sums(db, period), partner_groups(db, filt))


def _concentration(sums: list[PartnerSums],
                   kept: dict[int, PartnerGroups]) -> Concentration:
    ranked = sorted(((s.won_cents, kept[s.partner_id].name, s.partner_id) for s in sums
                     if s.partner_id in kept and s.won > 0), key=lambda r: (-r[0], r[1]))
    total = sum(r[0] for r in ranked)
    fifth = max(1, -(-len(ranked) // 5)) if ranked else 0

    def share(rows) -> float | None:
        return sum(r[0] for r in rows) / total if total else None

    top = [PartnerRevenue(pid, name, kept[pid].tier, cents_to_decimal(cents))
           for cents, name, pid in ranked[:TOP]]
    return Concentration(cents_to_decimal(total), top, share(ranked[:TOP]), share(ranked[:fifth]),
                         len(ranked))


@dataclass(frozen=True)
class Cohort:
    quarter: str  # "2026 Q1": when the partners joined
    partners: int
    registered: int  # of them, those with a registration since
    months_to_first: float | None  # on average, from the month joined to the first


def cohorts(db: Session, actor: Actor, filt: DashboardFilter = DashboardFilter(),
            ) -> list[Cohort]:
    """New partners by the quarter they joined, and how soon they registered a first deal
    (in whole months: the facts are monthly)."""
    require(actor, "dashboard.view")
    return _cohorts(first_registrations(db), partner_groups(db, filt))


def _month_number(column):
    # year * 12 + month - 1, computed in the database: reading thousands of dates and
    # datetimes through their Python types costs more than the query (SQLite keeps text).
    return (func.cast(extract("year", column), Integer) * 12
            + func.cast(extract("month", column), Integer) - 1)


def first_registrations(db: Session) -> dict[int, int]:
    """Each partner's first month with a registration, as year * 12 + month - 1 (one indexed
    look per partner)."""
    first = (select(func.min(F.month)).where(F.partner_id == Partner.id, F.registrations > 0)
             .scalar_subquery())
    return {pid: month.year * 12 + month.month - 1
            for pid, month in db.execute(select(Partner.id, first)).tuples() if month}


def _cohorts(firsts: dict[int, int], kept: dict[int, PartnerGroups]) -> list[Cohort]:
    groups: dict[int, list] = defaultdict(list)
    for pid, partner in kept.items():
        groups[partner.joined // 3].append((partner.joined, firsts.get(pid)))
    out = []
    for quarter in sorted(groups):
        spans = [f - j for j, f in groups[quarter] if f is not None]
        out.append(Cohort(f"{quarter // 4} Q{quarter % 4 + 1}", len(groups[quarter]),
                          len(spans), sum(spans) / len(spans) if spans else None))
    return out


@dataclass(frozen=True)
class RevenueDashboard:
    period: Period
    revenue: list[RevenueCell]
    funnel: Funnel
    concentration: Concentration
    cohorts: list[Cohort]


def revenue_dashboard(db: Session, actor: Actor, period: Period, by: str = "tier",
                      filt: DashboardFilter = DashboardFilter()) -> RevenueDashboard:
    """Everything the revenue dashboard draws, the partners read once."""
    require(actor, "dashboard.view")
    kept, sums = partner_groups(db, filt), partner_sums(db, period)
    return RevenueDashboard(period, revenue_by_month(db, actor, period, by, filt),
                            _funnel(sums, kept), _concentration(sums, kept),
                            _cohorts(first_registrations(db), kept))
