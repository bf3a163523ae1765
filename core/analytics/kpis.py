"""The partner KPIs: each defined once, with how it is computed in words, over the totals of
the facts for a period (core.analytics.facts says which month each event counts in).

A KPI reads one partner's `Totals` (a scorecard) or, column-wise, a frame of every partner's
totals (the channel team's table and the benchmarks: 5,000 partners in a few milliseconds
instead of a Python loop). It is written once, in arithmetic and `ratio`, which both accept.

Adding a KPI: a `Kpi` in `KPIS` that reads `Totals` (add a field there, filled in `totals`,
when it needs a measure the totals do not sum yet)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from decimal import Decimal

import pandas as pd
from sqlalchemy import BigInteger, case, cast, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from core.analytics.facts import MEASURES, MONEY_MEASURES
from core.analytics.periods import Period, add_months
from core.analytics.rollups import is_ready, numbers_frame, totals_rows
from db.models import (
    AnnouncementRead,
    AssetDownload,
    Certification,
    DealRegistration,
    FundLedgerEntry,
    IncentiveEntry,
    Partner,
    PartnerMonthFact,
    PartnerUserMonth,
    PosLine,
    User,
)
from db.types import cents_to_decimal, utcnow

F = PartnerMonthFact


@dataclass(frozen=True)
class Totals:
    """One partner's facts summed over a period."""

    registrations: int = 0
    pipeline: Decimal = field(default_factory=Decimal)
    approved: int = 0
    rejected: int = 0
    won: int = 0
    won_amount: Decimal = field(default_factory=Decimal)
    won_days: int = 0
    lost: int = 0
    courses_completed: int = 0
    lead_offers: int = 0
    lead_accepted: int = 0
    lead_ended: int = 0
    lead_lapsed: int = 0
    lead_answer_minutes: int = 0
    lead_converted: int = 0
    lead_disqualified: int = 0
    active_users: int = 0
    certified_users: int = 0  # at the period's end: not a sum (`certified_counts`)
    # Funds, read from the fund ledger and the funded deals (`fund_figures`).
    mdf_allocated: Decimal = field(default_factory=Decimal)
    mdf_paid: Decimal = field(default_factory=Decimal)
    mdf_won: Decimal = field(default_factory=Decimal)
    # Sell-through: the clean POS lines a partner sold, by invoice date (`pos_figures`).
    pos_revenue: Decimal = field(default_factory=Decimal)
    # Incentives: the rebate and SPIFF payments recorded on its statements (`incentive_paid`).
    incentives_paid: Decimal = field(default_factory=Decimal)
    # Portal: the assets its users took and the announcements they read (`portal_figures`).
    portal_engagement: int = 0


SUMMED = MEASURES  # every column of the facts; Totals adds the active and certified users


def totals(db: Session, period: Period, partner_ids: Iterable[int] | None = None,
           ) -> dict[int, Totals]:
    """{partner id: Totals} for the partners with any fact in the period (all partners, or
    those given): one grouped read of the facts and one of the active-user months."""
    where = [F.month >= period.first, F.month <= period.last]
    users_where = [PartnerUserMonth.month >= period.first,
                   PartnerUserMonth.month <= period.last]
    if partner_ids is not None:
        ids = list(partner_ids)
        where.append(F.partner_id.in_(ids))
        users_where.append(PartnerUserMonth.partner_id.in_(ids))
    sums = db.execute(select(F.partner_id, *(func.coalesce(func.sum(getattr(F, m)), 0)
                                              for m in SUMMED))
                      .where(*where).group_by(F.partner_id)).all()
    users = dict(db.execute(select(PartnerUserMonth.partner_id,
                                   func.count(PartnerUserMonth.user_id.distinct()))
                            .where(*users_where).group_by(PartnerUserMonth.partner_id)).all())
    certified = certified_counts(db, period, partner_ids=partner_ids)
    funds = {p: dict(zip(FUND_COLUMNS, (cents_to_decimal(c) for c in v), strict=True))
             for p, v in fund_figures(db, period, partner_ids=partner_ids).items()}
    for p, cents in pos_figures(db, period, partner_ids=partner_ids).items():
        funds.setdefault(p, {})["pos_revenue"] = cents_to_decimal(cents)
    for p, cents in incentive_paid(db, period, partner_ids=partner_ids).items():
        funds.setdefault(p, {})["incentives_paid"] = cents_to_decimal(cents)
    for p, n in portal_figures(db, period, partner_ids=partner_ids).items():
        funds.setdefault(p, {})["portal_engagement"] = n
    out = {row[0]: Totals(**_typed(row[1:]), active_users=users.get(row[0], 0),
                          certified_users=certified.get(row[0], 0), **funds.get(row[0], {}))
           for row in sums}
    for partner_id in (users.keys() | certified.keys() | funds.keys()) - out.keys():
        out[partner_id] = Totals(active_users=users.get(partner_id, 0),
                                 certified_users=certified.get(partner_id, 0),
                                 **funds.get(partner_id, {}))
    return out


def period_end(period: Period, now: datetime | None = None) -> datetime:
    """The moment a period's stock figures are read at: its end, or now while it runs."""
    end = datetime.combine(add_months(period.last, 1), time(), tzinfo=UTC)
    return min(end, now or utcnow())


def certified_counts(db: Session, period: Period, *, partner_ids: Iterable[int] | None = None,
                     tier_id: int | None = None, now: datetime | None = None) -> dict[int, int]:
    """{partner id: its users holding a certification valid at the period's end} (now, for a
    period not yet over), from the certifications as they stand: issued by then, expiring
    after, not revoked by then, the holder still active. One GROUP BY; partners without any
    are left out."""
    at, c = period_end(period, now), Certification
    q = (select(c.partner_id, func.count(c.user_id.distinct()))
         .join(User, User.id == c.user_id)
         .where(c.issued_at <= at, c.expires_at > at,
                or_(c.revoked_at.is_(None), c.revoked_at > at), User.is_active)
         .group_by(c.partner_id))
    if partner_ids is not None:
        q = q.where(c.partner_id.in_(list(partner_ids)))
    if tier_id is not None:
        q = q.where(c.partner_id.in_(select(Partner.id).where(Partner.tier_id == tier_id)))
    return {int(p): int(n) for p, n in db.connection().execute(q)}


FUND_COLUMNS = ("mdf_allocated", "mdf_paid", "mdf_won")


def fund_figures(db: Session, period: Period, *, partner_ids: Iterable[int] | None = None,
                 tier_id: int | None = None) -> dict[int, tuple[int, int, int]]:
    """{partner id: (allocated, paid, won) in cents} for the period: the money its fund
    allocations took from programs' budgets (allocations and accruals, less adjustments
    down; a carry-over into the next period is no new money) and the payments of its
    claims, by the ledger entry's time; and the won revenue of its deals that name a funded
    activity, by close day. Grouped reads; partners with none are left out."""
    first = datetime.combine(period.first, time(), tzinfo=UTC)
    after = datetime.combine(add_months(period.last, 1), time(), tzinfo=UTC)
    L, D = FundLedgerEntry, DealRegistration
    amount = type_coerce(L.amount, BigInteger)
    # Money carried into a program's next period was allocated once, in the first.
    signed = case((L.kind == "carry_in", 0), (L.from_bucket == "budget", amount),
                  (L.to_bucket == "budget", -amount), else_=0)
    paid = case((L.kind == "pay", amount), else_=0)
    entries = (select(L.partner_id, cast(func.sum(signed), BigInteger),
                      cast(func.sum(paid), BigInteger))
               .where(L.at >= first, L.at < after).group_by(L.partner_id))
    won = (select(D.partner_id, whole_sum(D.final_amount))
           .where(D.fund_request_id.is_not(None), D.status == "won",
                  D.closed_on >= period.first, D.closed_on < add_months(period.last, 1))
           .group_by(D.partner_id))
    if partner_ids is not None:
        ids = list(partner_ids)
        entries, won = entries.where(L.partner_id.in_(ids)), won.where(D.partner_id.in_(ids))
    if tier_id is not None:
        of_tier = select(Partner.id).where(Partner.tier_id == tier_id)
        entries, won = entries.where(L.partner_id.in_(of_tier)), won.where(
            D.partner_id.in_(of_tier))
    out: dict[int, list[int]] = {}
    read = db.connection()
    for partner, allocated, paid_cents in read.execute(entries):
        out.setdefault(int(partner), [0, 0, 0])[:2] = [int(allocated or 0), int(paid_cents or 0)]
    for partner, cents in read.execute(won):
        out.setdefault(int(partner), [0, 0, 0])[2] = int(cents or 0)
    return {p: (a, b, c) for p, (a, b, c) in out.items() if a or b or c}


def pos_figures(db: Session, period: Period, *, partner_ids: Iterable[int] | None = None,
                tier_id: int | None = None) -> dict[int, int]:
    """{partner id: cents} of the clean POS lines it sold (as the reseller, or as the
    reporter of its own sales) with an invoice date in the period; returns count negative."""
    q = (select(PosLine.seller_id, whole_sum(PosLine.amount))
         .where(PosLine.invoice_date >= period.first,
                PosLine.invoice_date < add_months(period.last, 1))
         .group_by(PosLine.seller_id))
    if partner_ids is not None:
        q = q.where(PosLine.seller_id.in_(list(partner_ids)))
    if tier_id is not None:
        q = q.where(PosLine.seller_id.in_(select(Partner.id).where(Partner.tier_id == tier_id)))
    return {int(p): int(c or 0) for p, c in db.connection().execute(q) if c}


def incentive_paid(db: Session, period: Period, *, partner_ids: Iterable[int] | None = None,
                   tier_id: int | None = None) -> dict[int, int]:
    """{partner id: cents} of the incentive payments recorded in the period (by the entry's
    time; a recovery counts negative)."""
    first = datetime.combine(period.first, time(), tzinfo=UTC)
    after = datetime.combine(add_months(period.last, 1), time(), tzinfo=UTC)
    E = IncentiveEntry
    q = (select(E.partner_id, whole_sum(E.amount))
         .where(E.kind == "pay", E.at >= first, E.at < after).group_by(E.partner_id))
    if partner_ids is not None:
        q = q.where(E.partner_id.in_(list(partner_ids)))
    if tier_id is not None:
        q = q.where(E.partner_id.in_(select(Partner.id).where(Partner.tier_id == tier_id)))
    return {int(p): int(c or 0) for p, c in db.connection().execute(q) if c}


def portal_figures(db: Session, period: Period, *, partner_ids: Iterable[int] | None = None,
                   tier_id: int | None = None) -> dict[int, int]:
    """{partner id: downloads of library assets + announcements read} in the period."""
    first = datetime.combine(period.first, time(), tzinfo=UTC)
    after = datetime.combine(add_months(period.last, 1), time(), tzinfo=UTC)
    out: dict[int, int] = {}
    for model in (AssetDownload, AnnouncementRead):
        q = (select(model.partner_id, func.count()).where(
            model.partner_id.is_not(None), model.at >= first, model.at < after)
            .group_by(model.partner_id))
        if partner_ids is not None:
            q = q.where(model.partner_id.in_(list(partner_ids)))
        if tier_id is not None:
            q = q.where(model.partner_id.in_(select(Partner.id).where(
                Partner.tier_id == tier_id)))
        for p, n in db.execute(q):
            out[int(p)] = out.get(int(p), 0) + int(n)
    return out


def _funds_frame(db: Session, period: Period, tier_id: int | None) -> pd.DataFrame:
    found = fund_figures(db, period, tier_id=tier_id)
    pos = pos_figures(db, period, tier_id=tier_id)
    paid = incentive_paid(db, period, tier_id=tier_id)
    portal = portal_figures(db, period, tier_id=tier_id)
    rows = [(p, *(c / 100 for c in found.get(p, (0, 0, 0))), pos.get(p, 0) / 100,
             paid.get(p, 0) / 100, portal.get(p, 0))
            for p in found.keys() | pos.keys() | paid.keys() | portal.keys()]
    return numbers_frame(rows, [*FUND_COLUMNS, "pos_revenue", "incentives_paid",
                                "portal_engagement"])


def _typed(values) -> dict:
    # A SUM of a Money column is read through the Money type (Decimal); counts as ints.
    out = dict(zip(SUMMED, values, strict=True))
    return {k: (Decimal(v) if k in MONEY_MEASURES else int(v)) for k, v in out.items()}


COLUMNS = (*SUMMED, "active_users", "certified_users", *FUND_COLUMNS, "pos_revenue",
           "incentives_paid", "portal_engagement")


def totals_frame(db: Session, period: Period, *, tier_id: int | None = None,
                 kept: bool = True) -> pd.DataFrame:
    """Every partner's totals for the period as one frame indexed by partner id (the partners
    with any fact or active user in it, or those of one tier): money in dollars as floats,
    which is what medians and scores need, counts as numbers. The kept period totals when the
    period is kept and ready (core.analytics.rollups), else two grouped reads of the facts,
    as `totals` (`kept=False`: always those)."""
    certified = certified_counts(db, period, tier_id=tier_id)
    certified_frame = numbers_frame(list(certified.items()), ["certified_users"])
    if kept and is_ready(db, period):
        return (totals_rows(db, period, tier_id=tier_id).join(certified_frame, how="outer")
                .join(_funds_frame(db, period, tier_id), how="outer").fillna(0.0)
                .reindex(columns=list(COLUMNS), fill_value=0.0))
    where = [F.month >= period.first, F.month <= period.last]
    users_where = [PartnerUserMonth.month >= period.first,
                   PartnerUserMonth.month <= period.last]
    if tier_id is not None:
        of_tier = select(Partner.id).where(Partner.tier_id == tier_id)
        where.append(F.partner_id.in_(of_tier))
        users_where.append(PartnerUserMonth.partner_id.in_(of_tier))
    read = db.connection()
    sums = read.execute(select(F.partner_id, *(whole_sum(getattr(F, m)) for m in SUMMED))
                        .where(*where).group_by(F.partner_id)).fetchall()
    users = read.execute(select(PartnerUserMonth.partner_id,
                                func.count(PartnerUserMonth.user_id.distinct()))
                         .where(*users_where).group_by(PartnerUserMonth.partner_id)).fetchall()
    frame = (numbers_frame(sums, list(SUMMED))
             .join(numbers_frame(users, ["active_users"]), how="outer")
             .join(certified_frame, how="outer")
             .join(_funds_frame(db, period, tier_id), how="outer"))
    return frame.fillna(0.0).reindex(columns=list(COLUMNS), fill_value=0.0)


def whole_sum(column):
    """SUM of an integer column (money in cents) read as a plain int: not through the Money
    type, which would make a Decimal of each sum, nor as PostgreSQL's numeric (what it sums
    bigints to), which psycopg would too (5,000 partners x 8 sums: 25 -> 15 ms)."""
    return cast(func.sum(type_coerce(column, BigInteger)), BigInteger)


def frame_of(all_totals: dict[int, Totals]) -> pd.DataFrame:
    """`totals` as a frame like `totals_frame`'s."""
    return pd.DataFrame.from_dict(
        {pid: {c: float(getattr(t, c)) for c in COLUMNS} for pid, t in all_totals.items()},
        orient="index", columns=list(COLUMNS), dtype="float64")


def kpi_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Each KPI's value per partner (columns by KPI key; NaN where a KPI has no value)."""
    return pd.DataFrame({k.key: k.value(frame) for k in KPIS}, index=frame.index,
                        dtype="float64")


# ---------------------------------------------------------------- the KPIs


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    unit: str  # "money", "percent", "count", "days" or "hours"
    help: str
    value: Callable[[Totals], Decimal | float | int | None]
    higher_is_better: bool = True


def ratio(part, whole):
    """part / whole, or no value (None; NaN in a frame) where whole is 0."""
    if isinstance(whole, pd.Series):
        return part / whole.where(whole != 0)
    return None if not whole else float(part) / float(whole)


def _hours(minutes, answers):
    value = ratio(minutes, answers)
    return None if value is None else value / 60


def _deal_size(t):
    if isinstance(t.won, pd.Series):
        return ratio(t.won_amount, t.won)
    return None if not t.won else (t.won_amount / t.won).quantize(Decimal("0.01"))


KPIS: tuple[Kpi, ...] = (
    Kpi("pipeline", "Registered pipeline", "money",
        "The estimated value of the registrations submitted in the period.",
        lambda t: t.pipeline),
    Kpi("won_revenue", "Won revenue", "money",
        "The final amounts of the deals won in the period, by the day they closed.",
        lambda t: t.won_amount),
    Kpi("win_rate", "Win rate", "percent",
        "Deals won as a share of the deals won or lost in the period (by close day); none "
        "without a closed deal.",
        lambda t: ratio(t.won, t.won + t.lost)),
    Kpi("deal_size", "Average deal size", "money",
        "Won revenue divided by the number of deals won in the period.",
        _deal_size),
    Kpi("days_to_won", "Days from registration to won", "days",
        "On average, the days from a won deal's registration to its close day, for the deals "
        "won in the period.",
        lambda t: ratio(t.won_days, t.won), higher_is_better=False),
    Kpi("approved", "Registrations approved", "count",
        "Registrations approved in the period (by the day of the approval).",
        lambda t: t.approved),
    Kpi("rejected", "Registrations rejected", "count",
        "Registrations rejected in the period (by the day of the decision).",
        lambda t: t.rejected, higher_is_better=False),
    Kpi("active_users", "Active users", "count",
        "The partner's users who signed in at least once in the period's months.",
        lambda t: t.active_users),
    Kpi("certified_users", "Certified users", "count",
        "The partner's active users holding a certification valid at the end of the period "
        "(today, for a period not yet over): issued by then, not yet expired, not revoked. "
        "A user with two certifications counts once.",
        lambda t: t.certified_users),
    Kpi("courses_completed", "Courses completed", "count",
        "Courses the partner's users completed in the period (every module read and the "
        "quiz passed), each in the month of its completion; a course taken again, such as a "
        "renewal quiz, counts in the month of the latest.",
        lambda t: t.courses_completed),
    Kpi("lead_offers", "Leads offered", "count",
        "Leads offered to the partner in the period (routed or assigned by hand), by the day "
        "offered.", lambda t: t.lead_offers),
    Kpi("lead_acceptance", "Lead acceptance", "percent",
        "Offers accepted of the offers that ended in the period (accepted, rejected or left to "
        "lapse), by the day each ended; none without an offer ended.",
        lambda t: ratio(t.lead_accepted, t.lead_ended)),
    Kpi("lead_response_hours", "Hours to answer a lead", "hours",
        "On average, the hours from an offer to the partner's answer (accepted or rejected), "
        "for the answers given in the period; offers left to lapse are not answers.",
        lambda t: _hours(t.lead_answer_minutes, t.lead_ended - t.lead_lapsed),
        higher_is_better=False),
    Kpi("lead_conversion", "Lead conversion", "percent",
        "Accepted leads converted into deal registrations, of those converted or disqualified "
        "in the period (by the day closed).",
        lambda t: ratio(t.lead_converted, t.lead_converted + t.lead_disqualified)),
    Kpi("lead_lapsed", "Leads left to lapse", "count",
        "Offers the partner let pass their deadline without an answer in the period.",
        lambda t: t.lead_lapsed, higher_is_better=False),
    Kpi("mdf_allocated", "MDF allocated", "money",
        "Fund money put into the partner's allocations in the period (by hand, tier rule, "
        "co-op accrual or carry-over), less what was taken back.",
        lambda t: t.mdf_allocated),
    Kpi("mdf_paid", "MDF paid", "money",
        "Payments of the partner's fund claims recorded in the period.",
        lambda t: t.mdf_paid),
    Kpi("mdf_utilisation", "MDF utilisation", "percent",
        "MDF paid in the period as a share of MDF allocated in it; none without an "
        "allocation.", lambda t: ratio(t.mdf_paid, t.mdf_allocated)),
    Kpi("mdf_roi", "MDF ROI", "percent",
        "Won revenue of the deals that name a funded activity (won in the period) as a share "
        "of MDF paid in the period: 500% is five dollars won for each dollar paid; none "
        "without a payment.", lambda t: ratio(t.mdf_won, t.mdf_paid)),
    Kpi("pos_revenue", "POS revenue", "money",
        "The partner's sell-through from clean POS lines with an invoice date in the period "
        "(its own reports, and distributors' lines naming it as the reseller), in the base "
        "currency; returns count negative.", lambda t: t.pos_revenue),
    Kpi("incentives_paid", "Incentives paid", "money",
        "Rebate and SPIFF payments recorded on the partner's incentive statements in the "
        "period (a recovery counts negative).", lambda t: t.incentives_paid),
    Kpi("portal_engagement", "Portal engagement", "count",
        "Assets the partner's users took from the library (downloads, co-branded copies and "
        "opened links) and announcements they read, in the period.",
        lambda t: t.portal_engagement),
)
KPI_BY_KEY = {k.key: k for k in KPIS}
