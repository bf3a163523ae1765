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

from sqlalchemy import Select, func, select
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


@dataclass(frozen=True)
class PartnerFacts:
    """What the dashboard knows of a partner: name, today's tier, type, first region."""
    name: str
    tier: str
    partner_type: str
    region: str
    since: date


def _partners(db: Session, filt: DashboardFilter) -> dict[int, PartnerFacts]:
    first_region = (select(PartnerRegion.region).where(PartnerRegion.partner_id == Partner.id)
                    .order_by(PartnerRegion.position).limit(1).scalar_subquery())
    q = (select(Partner.id, Partner.name, Tier.name, Partner.partner_type, first_region,
                Partner.created_at).join(Tier, Tier.id == Partner.tier_id))
    if filt.tier:
        q = q.where(Tier.name == filt.tier)
    out = {pid: PartnerFacts(name, tier, PARTNER_TYPE_SHORT.get(ptype, ptype), region or "—",
                             created.date())
           for pid, name, tier, ptype, region, created in db.execute(q)}
    if filt.region:
        out = {pid: p for pid, p in out.items() if p.region == filt.region}
    return out


def _facts(period: Period) -> Select:
    return select(F).where(F.month >= period.first, F.month <= period.last)


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
    partners = _partners(db, filt)
    cells: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    for f in db.scalars(_facts(period).where(F.won > 0)):
        if (p := partners.get(f.partner_id)) is not None:
            group = {"tier": p.tier, "region": p.region, "type": p.partner_type}[by]
            cells[(f.month, group)] += f.won_amount
    return [RevenueCell(m, g, v) for (m, g), v in sorted(cells.items())]


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
    partners = _partners(db, filt)
    totals = [0, 0, 0]
    for f in db.scalars(_facts(period)):
        if f.partner_id in partners:
            totals[0] += f.registrations
            totals[1] += f.approved
            totals[2] += f.won
    return Funnel(*totals)


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
    partners = _partners(db, filt)
    won: dict[int, Decimal] = defaultdict(Decimal)
    for partner_id, amount in db.execute(
            select(F.partner_id, func.sum(F.won_amount)).where(
                F.month >= period.first, F.month <= period.last, F.won > 0)
            .group_by(F.partner_id)):
        if partner_id in partners:
            won[partner_id] += amount
    ranked = sorted(won.items(), key=lambda kv: (-kv[1], partners[kv[0]].name))
    total = sum(won.values(), Decimal(0))
    fifth = max(1, -(-len(ranked) // 5)) if ranked else 0

    def share(rows) -> float | None:
        return float(sum((v for _, v in rows), Decimal(0)) / total) if total else None

    return Concentration(total, [PartnerRevenue(pid, partners[pid].name, partners[pid].tier, v)
                                 for pid, v in ranked[:TOP]],
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
    partners = _partners(db, filt)
    first = dict(db.execute(select(F.partner_id, func.min(F.month))
                            .where(F.registrations > 0).group_by(F.partner_id)).all())
    groups: dict[str, list] = defaultdict(list)
    for pid, p in partners.items():
        groups[f"{p.since.year} Q{(p.since.month - 1) // 3 + 1}"].append(
            (month_start(p.since), first.get(pid)))
    out = []
    for quarter in sorted(groups):
        spans = [(f.year - j.year) * 12 + f.month - j.month for j, f in groups[quarter] if f]
        out.append(Cohort(quarter, len(groups[quarter]), len(spans),
                          sum(spans) / len(spans) if spans else None))
    return out
