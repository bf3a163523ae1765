"""Lead measures kept as leads move: a routing batch offers leads to thousands of partners at
once, so the facts of the months it touches are recomputed for all of them in a few grouped
reads, and only the lead columns are written (a registration's refresh recomputes every
column of its partner's months from the sources, leads included: core.analytics.facts)."""

from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.analytics.facts import (
    LEAD_MEASURES,
    MEASURES,
    MonthTally,
    changed,
    lead_sources,
    month_of,
    tally_leads,
)
from db import locks
from db.models import PartnerMonthFact

F = PartnerMonthFact
CHUNK = 500


def refresh_lead_months(db: Session, partner_ids: Iterable[int], months: Iterable[date]) -> None:
    """These partners' lead measures for these months, from their offers and closed leads;
    each partner's analytics lock held, its version and period totals following."""
    ids = sorted(set(partner_ids))
    wanted = sorted({month_of(m) for m in months})
    if not ids or not wanted:
        return
    locks.hold_many(db, [f"analytics:{partner_id}" for partner_id in ids])
    since = datetime.combine(wanted[0], datetime.min.time(), tzinfo=UTC)
    for i in range(0, len(ids), CHUNK):
        _refresh_chunk(db, ids[i:i + CHUNK], wanted, since)
    changed(db, ids)


def _refresh_chunk(db: Session, ids: list[int], months: list[date], since: datetime) -> None:
    offers, closed = lead_sources(db, ids, since)
    values: dict[tuple[int, date], dict] = {}
    for partner_id in ids:
        tallies: dict[date, MonthTally] = {m: MonthTally() for m in months}
        tally_leads(_Only(tallies), offers.get(partner_id, ()), closed.get(partner_id, ()))
        for month, t in tallies.items():
            values[(partner_id, month)] = {m: getattr(t, m) for m in LEAD_MEASURES}
    existing = set(db.execute(select(F.partner_id, F.month).where(
        F.partner_id.in_(ids), F.month.in_(months))).tuples().all())
    updates = [{"partner_id": p, "month": m, **v} for (p, m), v in values.items()
               if (p, m) in existing]
    if updates:
        db.execute(update(F), updates)
    inserts = [{**dict.fromkeys(MEASURES, 0), "partner_id": p, "month": m, **v}
               for (p, m), v in values.items() if (p, m) not in existing and any(v.values())]
    if inserts:
        db.execute(F.__table__.insert(), inserts)


class _Only(dict):
    """The tallies of the months asked for; a month outside them is counted and dropped."""

    def __missing__(self, month: date) -> MonthTally:
        return MonthTally()
