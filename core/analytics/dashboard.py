"""The executive's dashboard: channel revenue by month, stacked by tier, region or partner
type; the registration funnel; the top partners and how concentrated revenue is; new
partners and their time to a first registration by cohort. Every query reads the facts and
the partners (a few thousand rows at the reference scale), never the registrations.

A partner's region here is its first region (the one its profile lists first), so that each
partner's revenue counts once; its tier and type are today's."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.analytics.kpis import Period, month_start
from core.partners import PARTNER_TYPE_SHORT
from core.permissions import require
from db.models import Partner, PartnerMonthFact, PartnerRegion, Tier

F = PartnerMonthFact
GROUPINGS = {"tier": "Tier", "region": "Region", "type": "Partner type"}
TOP = 10


@dataclass(frozen=True)
class DashboardFilter:
    region: str | None = None
    tier: str | None = None


def _joined(q: Select, filt: DashboardFilter) -> Select:
    """`q` over the facts, joined to each fact's partner, tier and first region, narrowed
    by the filter."""
    return _narrowed(q.join(Partner, Partner.id == F.partner_id), filt)


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
    rows = db.execute(_joined(select(F.month, group, func.sum(F.won_amount)), filt)
                      .where(_in(period), F.won > 0).group_by(F.month, group)
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
    row = db.execute(_joined(select(func.coalesce(func.sum(F.registrations), 0),
                                    func.coalesce(func.sum(F.approved), 0),
                                    func.coalesce(func.sum(F.won), 0)), filt)
                     .where(_in(period))).one()
    return Funnel(*(int(v) for v in row))


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
    amount = func.sum(F.won_amount)
    ranked = db.execute(_joined(select(F.partner_id, Partner.name, Tier.name, amount), filt)
                        .where(_in(period), F.won > 0)
                        .group_by(F.partner_id, Partner.name, Tier.name)
                        .order_by(amount.desc(), Partner.name)).all()
    total = sum((r[3] for r in ranked), Decimal(0))
    fifth = max(1, -(-len(ranked) // 5)) if ranked else 0

    def share(rows) -> float | None:
        return float(sum((r[3] for r in rows), Decimal(0)) / total) if total else None

    return Concentration(total, [PartnerRevenue(*r) for r in ranked[:TOP]],
                         share(ranked[:TOP]), share(ranked[:fifth]), len(ranked))


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
    first = (select(F.partner_id, func.min(F.month).label("month"))
             .where(F.registrations > 0).group_by(F.partner_id).subquery())
    q = _narrowed(select(Partner.created_at, first.c.month).select_from(Partner)
                  .outerjoin(first, first.c.partner_id == Partner.id), filt)
    groups: dict[str, list] = defaultdict(list)
    for created, first_month in db.execute(q):
        joined = created.date()
        groups[f"{joined.year} Q{(joined.month - 1) // 3 + 1}"].append(
            (month_start(joined), first_month))
    out = []
    for quarter in sorted(groups):
        spans = [(f.year - j.year) * 12 + f.month - j.month for j, f in groups[quarter] if f]
        out.append(Cohort(quarter, len(groups[quarter]), len(spans),
                          sum(spans) / len(spans) if spans else None))
    return out
