"""Period totals: each partner's facts summed over the periods the pages offer ("last 12
months", "this year", ... and the period before each), kept as the facts change, so that a
page about every partner reads one row per partner instead of every month of every partner
(SQLite at 5,000 partners: a 12-month sum of the facts 30 ms and its active users 14 ms; the
kept totals 5 ms).

The facts stay the truth: a period that is not kept (a page asked for another, or its month
has just begun and the job has not filled it yet) is summed from the facts, and a test holds
the two equal.

Keeping them:
- a change of a partner's facts or active users recomputes that partner's rows for every kept
  period, in the same transaction, under the partner's analytics lock (core.analytics.facts);
- the daily job (`keep_offered_periods`) adds the periods the pages now offer as "building",
  fills them a batch of partners at a time under their locks, then marks them "ready" (a
  writer keeps a building period current too, so nothing written meanwhile is missed), and
  drops the periods no longer offered."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, and_, delete, insert, or_, select, type_coerce, update
from sqlalchemy.orm import Session

from core.analytics.facts import MEASURES, MONEY_MEASURES, partner_batches
from core.analytics.periods import Period, period_choices
from db import locks
from db.models import (
    AnalyticsPeriod,
    Partner,
    PartnerMonthFact,
    PartnerPeriodTotal,
    PartnerUserMonth,
)
from db.session import unit_of_work
from db.types import cents_to_decimal

F, T, U = PartnerMonthFact, PartnerPeriodTotal, PartnerUserMonth
BUILDING, READY = "building", "ready"


def offered_periods(today: date) -> set[Period]:
    """What the pages offer around `today`, and the period before each (a user's calendar
    may be a day ahead of UTC or behind it)."""
    out: set[Period] = set()
    for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
        for period in period_choices(day).values():
            out |= {period, period.previous()}
    return out


def kept_periods(db: Session, state: str | None = None) -> list[Period]:
    q = select(AnalyticsPeriod.first, AnalyticsPeriod.last)
    if state is not None:
        q = q.where(AnalyticsPeriod.state == state)
    return [Period(first, last) for first, last in db.execute(q)]


def is_ready(db: Session, period: Period) -> bool:
    return db.scalar(select(AnalyticsPeriod.state).where(
        AnalyticsPeriod.first == period.first, AnalyticsPeriod.last == period.last)) == READY


def _of(periods: Iterable[Period], model=T):
    """Rows of `model` (the totals, or the kept periods themselves) of these periods."""
    return or_(*(and_(model.first == p.first, model.last == p.last) for p in periods))


def refresh_totals(db: Session, partner_ids: list[int],
                   periods: list[Period] | None = None) -> int:
    """These partners' rows for the kept periods (or those given), recomputed from their facts
    and active-user months; the caller holds their analytics locks. Returns the rows written."""
    periods = kept_periods(db) if periods is None else periods
    if not periods or not partner_ids:
        return 0
    low, high = min(p.first for p in periods), max(p.last for p in periods)
    facts = db.execute(select(F.partner_id, F.month, *(type_coerce(getattr(F, m), BigInteger)
                                                       for m in MEASURES))
                       .where(F.partner_id.in_(partner_ids), F.month >= low,
                              F.month <= high)).tuples().all()
    users = db.execute(select(U.partner_id, U.month, U.user_id)
                       .where(U.partner_id.in_(partner_ids), U.month >= low,
                              U.month <= high)).tuples().all()
    rows = [row for period in periods for row in _sums(period, facts, users)]
    db.execute(delete(T).where(T.partner_id.in_(partner_ids), _of(periods)))
    if rows:
        db.execute(insert(T), rows)
    return len(rows)


def _sums(period: Period, facts, users) -> list[dict]:
    sums: dict[int, list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    for partner_id, month, *values in facts:
        if period.first <= month <= period.last:
            total = sums[partner_id]
            for i, value in enumerate(values):
                total[i] += value
    active: dict[int, set[int]] = defaultdict(set)
    for partner_id, month, user_id in users:
        if period.first <= month <= period.last:
            active[partner_id].add(user_id)
    rows = []
    for partner_id in sums.keys() | active.keys():
        values = dict(zip(MEASURES, sums[partner_id], strict=True))
        for m in MONEY_MEASURES:  # cents summed; the Money column takes a Decimal
            values[m] = cents_to_decimal(values[m])
        rows.append({"first": period.first, "last": period.last, "partner_id": partner_id,
                     **values, "active_users": len(active[partner_id])})
    return rows


def totals_rows(db: Session, period: Period, *, tier_id: int | None = None,
                columns: Iterable[str] = (*MEASURES, "active_users")) -> pd.DataFrame:
    """A kept period's totals as a frame indexed by partner id: money in dollars as floats,
    counts as numbers (as core.analytics.kpis.totals_frame gives them)."""
    names = list(columns)
    # Through the connection: the ORM's handling of each row is a third of the time here.
    q = select(T.partner_id, *(type_coerce(getattr(T, c), BigInteger) for c in names)).where(
        T.first == period.first, T.last == period.last)
    if tier_id is not None:
        q = q.where(T.partner_id.in_(select(Partner.id).where(Partner.tier_id == tier_id)))
    return numbers_frame(db.connection().execute(q).fetchall(), names)


def numbers_frame(rows, names: list[str]) -> pd.DataFrame:
    """Rows of (partner id, *numbers) as a float frame indexed by partner id, money columns
    from cents to dollars. Through one numpy array: pandas' own reading of 5,000 rows took
    three times as long as the query (it probes each row's attributes, and on a Row each
    probe raises)."""
    table = np.array(list(map(tuple, rows)), dtype="float64").reshape(len(rows), len(names) + 1)
    frame = pd.DataFrame(table[:, 1:], columns=names,
                         index=pd.Index(table[:, 0].astype("int64"), name="partner_id"))
    for m in MONEY_MEASURES:
        if m in frame:
            frame[m] /= 100
    return frame


# ---------------------------------------------------------------- the job's part


def keep_offered_periods(bind, today: date, *, refill: bool = False) -> str:
    """Add the periods now offered, fill them, mark them ready; drop those no longer
    offered (`refill`: fill every offered period again, as after a bulk load). Each batch of
    partners is a transaction of its own."""
    offered = offered_periods(today)
    with unit_of_work(bind, immediate=True) as db:
        kept = {Period(f, last): state for f, last, state in db.execute(
            select(AnalyticsPeriod.first, AnalyticsPeriod.last, AnalyticsPeriod.state))}
        gone = [p for p in kept if p not in offered]
        if gone:
            db.execute(delete(T).where(_of(gone)))
            db.execute(delete(AnalyticsPeriod).where(_of(gone, AnalyticsPeriod)))
        new = sorted((p for p in offered if p not in kept), key=lambda p: (p.first, p.last))
        db.add_all(AnalyticsPeriod(first=p.first, last=p.last, state=BUILDING) for p in new)
        building = new + [p for p, state in kept.items()
                          if p in offered and (state == BUILDING or refill)]
    if building:
        with unit_of_work(bind) as db:
            batches = partner_batches(db)
        for batch in batches:
            with unit_of_work(bind, immediate=True) as db:
                for partner_id in batch:
                    locks.hold(db, f"analytics:{partner_id}")
                refresh_totals(db, batch, building)
        with unit_of_work(bind, immediate=True) as db:
            db.execute(update(AnalyticsPeriod).where(_of(building, AnalyticsPeriod))
                       .values(state=READY))
    return f"periods kept: {len(offered)} ({len(building)} filled, {len(gone)} dropped)"
