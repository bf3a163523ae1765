"""Scorecard facts, kept as the work happens: per partner and calendar month (UTC).

A deal's change refreshes its partner's facts for the months the deal touches, recomputed from
that partner's registrations and course completions in the same transaction (so a fact is
always what a scan of the sources would say, however the change came about); a completed
course refreshes its partner's months the same way; a sign-in adds its user to the partner's
month. `rebuild` does the same for every partner, for the job and after bulk loads.

Which month a measure falls in (the KPIs' help texts say the same):
- registrations and pipeline (estimated value): the month the registration was submitted;
- approved: the month it was approved (a registration once approved keeps counting, even if
  later withdrawn or expired; `protection_days` is set only by an approval), rejected: the
  month it was rejected;
- won (count, final amount, days from registration to the close day) and lost: the month of
  the close day;
- courses completed (core.training): the month of the completion, its latest when a renewal
  course is taken again;
- leads (core.leads): offers made, the month offered; offers ended (accepted, rejected or
  lapsed), accepted, lapsed and the minutes to answer (accepted or rejected), the month the
  offer ended; leads converted or disqualified, the month closed.

Adding a measure: a column on `PartnerMonthFact` (and a migration), a line in `_tally` (or a
source of its own, as the completions), and a KPI in core.analytics.kpis that reads it."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from itertools import groupby

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.deals.status import DealStatus
from db import locks
from db.models import (
    AnalyticsVersion,
    AuditEvent,
    CourseCompletion,
    DealRegistration,
    Lead,
    LeadOffer,
    Partner,
    PartnerMonthFact,
    PartnerUserMonth,
)

D = DealRegistration
S = DealStatus
SIGN_IN = "auth.login"
# The columns a refresh reads: enough to place a registration in every month it touches.
DEAL_COLUMNS = (D.id, D.partner_id, D.status, D.submitted_at, D.decided_at,
                D.protection_days, D.closed_on, D.estimated_value, D.final_amount)
C = CourseCompletion
OFFER_COLUMNS = (LeadOffer.partner_id, LeadOffer.offered_at, LeadOffer.status,
                 LeadOffer.answered_at)
CLOSED_LEAD_COLUMNS = (Lead.partner_id, Lead.status, Lead.closed_at)


def month_of(value: date | datetime) -> date:
    """The first day of the (UTC) month."""
    return date(value.year, value.month, 1)


@dataclass
class MonthTally:
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

    def values(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


MEASURES = tuple(f.name for f in fields(MonthTally))
MONEY_MEASURES = ("pipeline", "won_amount")  # of MEASURES, the Money ones (cents in SQL)
LEAD_MEASURES = tuple(m for m in MEASURES if m.startswith("lead_"))


def months_touched(deal) -> set[date]:
    """Every month a registration counts in."""
    found = {month_of(deal.submitted_at)}
    if deal.decided_at is not None:
        found.add(month_of(deal.decided_at))
    if deal.closed_on is not None:
        found.add(month_of(deal.closed_on))
    return found


def _tally(tallies: dict[date, MonthTally], deal) -> None:
    submitted = tallies[month_of(deal.submitted_at)]
    submitted.registrations += 1
    submitted.pipeline += deal.estimated_value
    if deal.decided_at is not None:
        decided = tallies[month_of(deal.decided_at)]
        if deal.protection_days is not None:
            decided.approved += 1
        elif deal.status == S.REJECTED.value:
            decided.rejected += 1
    if deal.closed_on is not None and deal.status == S.WON.value:
        closed = tallies[month_of(deal.closed_on)]
        closed.won += 1
        closed.won_amount += deal.final_amount or Decimal(0)
        closed.won_days += (deal.closed_on - deal.submitted_at.date()).days
    elif deal.closed_on is not None and deal.status == S.LOST.value:
        tallies[month_of(deal.closed_on)].lost += 1


def tally(deals: Iterable, completed: Iterable[datetime] = (), offers: Iterable = (),
          closed: Iterable = ()) -> dict[date, MonthTally]:
    """The months' measures from registrations, the times courses were completed, lead offers
    (offered_at, status, answered_at) and closed leads (status, closed_at)."""
    tallies: dict[date, MonthTally] = defaultdict(MonthTally)
    for deal in deals:
        _tally(tallies, deal)
    for at in completed:
        tallies[month_of(at)].courses_completed += 1
    tally_leads(tallies, offers, closed)
    return tallies


def tally_leads(tallies: dict[date, MonthTally], offers: Iterable, closed: Iterable) -> None:
    for offered_at, status, answered_at in offers:
        tallies[month_of(offered_at)].lead_offers += 1
        if status == "pending" or answered_at is None or status == "withdrawn":
            continue
        ended = tallies[month_of(answered_at)]
        ended.lead_ended += 1
        if status == "lapsed":
            ended.lead_lapsed += 1
            continue
        ended.lead_accepted += status == "accepted"
        ended.lead_answer_minutes += int((answered_at - offered_at).total_seconds() // 60)
    for status, closed_at in closed:
        if closed_at is None:
            continue
        month = tallies[month_of(closed_at)]
        month.lead_converted += status == "converted"
        month.lead_disqualified += status == "disqualified"


# ---------------------------------------------------------------- keeping them


def refresh_partner(db: Session, partner_id: int, months: Iterable[date] | None = None) -> None:
    """Recompute one partner's facts for `months` (all of them when None) from its
    registrations and its users' course completions, and move its version. Holds the
    partner's analytics lock, so two transactions refreshing one partner take turns (each
    reads what the other committed)."""
    locks.hold(db, f"analytics:{partner_id}")
    months = None if months is None else set(months)
    deals = db.execute(select(*DEAL_COLUMNS).where(D.partner_id == partner_id)).all()
    completed = db.scalars(select(C.completed_at).where(C.partner_id == partner_id)).all()
    offers = db.execute(select(*OFFER_COLUMNS[1:]).where(LeadOffer.partner_id == partner_id)
                        ).all()
    closed = db.execute(select(*CLOSED_LEAD_COLUMNS[1:]).where(
        Lead.partner_id == partner_id, Lead.closed_at.is_not(None))).all()
    tallies = tally(deals, completed, offers, closed)
    stale = delete(PartnerMonthFact).where(PartnerMonthFact.partner_id == partner_id)
    if months is not None:
        stale = stale.where(PartnerMonthFact.month.in_(months))
    db.execute(stale)
    db.add_all(PartnerMonthFact(partner_id=partner_id, month=month, **t.values())
               for month, t in tallies.items() if months is None or month in months)
    db.flush()
    changed(db, [partner_id])


def changed(db: Session, partner_ids: list[int]) -> None:
    """What follows a change of these partners' facts (their locks held): their versions
    move, and their kept period totals are summed again."""
    # Imported here: the period totals read this module's measures.
    from core.analytics.rollups import refresh_totals

    bump_versions(db, partner_ids)
    refresh_totals(db, partner_ids)
    db.flush()


def bump_versions(db: Session, partner_ids: list[int]) -> None:
    """Every one of these partners' versions moves (a routing batch: thousands at once)."""
    if len(partner_ids) == 1:
        bump_version(db, partner_ids[0])
        return
    ids = sorted(set(partner_ids))
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        db.execute(update(AnalyticsVersion).where(AnalyticsVersion.partner_id.in_(chunk))
                   .values(version=AnalyticsVersion.version + 1)
                   .execution_options(synchronize_session=False))
        have = set(db.scalars(select(AnalyticsVersion.partner_id)
                              .where(AnalyticsVersion.partner_id.in_(chunk))))
        missing = [{"partner_id": p, "version": 1} for p in chunk if p not in have]
        if missing:
            db.execute(AnalyticsVersion.__table__.insert(), missing)


def bump_version(db: Session, partner_id: int) -> None:
    moved = db.execute(update(AnalyticsVersion).where(AnalyticsVersion.partner_id == partner_id)
                       .values(version=AnalyticsVersion.version + 1)).rowcount
    if not moved:
        db.add(AnalyticsVersion(partner_id=partner_id, version=1))
        db.flush()


def add_sign_in(db: Session, partner_id: int, user_id: int, at: datetime) -> None:
    """The user counts as active in the partner's month (once, however often it signs in;
    two sign-ins at once both succeed)."""
    values = {"partner_id": partner_id, "month": month_of(at), "user_id": user_id}
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    added = db.execute(insert(PartnerUserMonth).values(**values)
                       .on_conflict_do_nothing()).rowcount
    if added:
        locks.hold(db, f"analytics:{partner_id}")
        changed(db, [partner_id])


# ---------------------------------------------------------------- rebuilding them


@dataclass(frozen=True)
class RebuildReport:
    partners: int
    fact_rows: int
    user_months: int

    @property
    def message(self) -> str:
        return (f"rebuilt {self.fact_rows} partner-month facts and {self.user_months} "
                f"active-user months for {self.partners} partners")


def partner_batches(db: Session, size: int = 200) -> list[list[int]]:
    ids = list(db.scalars(select(Partner.id).order_by(Partner.id)))
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def rebuild_partners(db: Session, partner_ids: list[int]) -> RebuildReport:
    """These partners' facts and active-user months from the sources (their registrations,
    course completions and audited sign-ins), under their analytics locks."""
    locks.hold_many(db, [f"analytics:{partner_id}" for partner_id in partner_ids])
    db.execute(delete(PartnerMonthFact).where(PartnerMonthFact.partner_id.in_(partner_ids)))
    db.execute(delete(PartnerUserMonth).where(PartnerUserMonth.partner_id.in_(partner_ids)))
    deals = db.execute(select(*DEAL_COLUMNS).where(D.partner_id.in_(partner_ids))
                       .order_by(D.partner_id, D.id)).all()
    completed: dict[int, list[datetime]] = defaultdict(list)
    for partner_id, at in db.execute(select(C.partner_id, C.completed_at)
                                     .where(C.partner_id.in_(partner_ids))):
        completed[partner_id].append(at)
    offers, closed = lead_sources(db, partner_ids)
    by_partner = {p: list(group) for p, group in groupby(deals, key=lambda d: d.partner_id)}
    rows = [{"partner_id": partner_id, "month": month, **t.values()}
            for partner_id in sorted(by_partner.keys() | completed.keys() | offers.keys()
                                     | closed.keys())
            for month, t in tally(by_partner.get(partner_id, ()),
                                  completed.get(partner_id, ()), offers.get(partner_id, ()),
                                  closed.get(partner_id, ())).items()]
    if rows:
        db.execute(PartnerMonthFact.__table__.insert(), rows)
    seen = sorted({(p, month_of(at), u) for p, u, at in db.execute(
        select(AuditEvent.partner_id, AuditEvent.actor_user_id, AuditEvent.at)
        .where(AuditEvent.partner_id.in_(partner_ids), AuditEvent.action == SIGN_IN,
               AuditEvent.actor_user_id.is_not(None)))})
    if seen:
        db.execute(PartnerUserMonth.__table__.insert(),
                   [{"partner_id": p, "month": m, "user_id": u} for p, m, u in seen])
    db.flush()
    changed(db, partner_ids)
    return RebuildReport(len(partner_ids), len(rows), len(seen))


def lead_sources(db: Session, partner_ids: list[int], since: date | None = None,
                 ) -> tuple[dict[int, list], dict[int, list]]:
    """These partners' lead offers and closed leads ({partner id: rows}), those touching a
    month from `since` on when given."""
    offers: dict[int, list] = defaultdict(list)
    closed: dict[int, list] = defaultdict(list)
    q = select(*OFFER_COLUMNS).where(LeadOffer.partner_id.in_(partner_ids))
    if since is not None:
        q = q.where((LeadOffer.offered_at >= since) | (LeadOffer.answered_at >= since))
    for partner_id, *row in db.execute(q):
        offers[partner_id].append(row)
    q = select(*CLOSED_LEAD_COLUMNS).where(Lead.partner_id.in_(partner_ids),
                                           Lead.closed_at.is_not(None))
    if since is not None:
        q = q.where(Lead.closed_at >= since)
    for partner_id, *row in db.execute(q):
        closed[partner_id].append(row)
    return offers, closed


def rebuild(db: Session) -> RebuildReport:
    """Every partner's facts, in the caller's transaction (the job commits batch by batch
    instead: see core.analytics.jobs)."""
    reports = [rebuild_partners(db, batch) for batch in partner_batches(db)]
    return RebuildReport(sum(r.partners for r in reports), sum(r.fact_rows for r in reports),
                         sum(r.user_months for r in reports))
