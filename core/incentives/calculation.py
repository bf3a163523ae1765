"""The quarter's calculation: each program's earnings per partner (and per rep for a SPIFF
paid to reps) from the clean POS lines, compared with what the ledger already accrued, and
the difference posted. Running it twice posts nothing the second time; POS lines that arrive
late make the next run post what they add, never a rewrite of an earlier entry."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from core import audit, events
from core.actor import Actor
from core.errors import RuleViolation
from core.incentives import ledger, rules
from core.incentives.events import IncentivesCalculated
from core.incentives.periods import Quarter, quarter_of
from core.incentives.programs import Window, in_force, published, window_of
from core.incentives.sales import QuarterSales, Standing, quarter_sales, spiff_units, standing_at
from core.incentives.schemas import Terms
from core.permissions import require
from db import locks
from db.models import (
    IncentiveEntry,
    IncentiveProgram,
    IncentiveRun,
    IncentiveStatement,
    IncentiveTerms,
    PosLine,
    TierChange,
)
from db.types import utcnow

Key = tuple[int, int, str]  # (partner id, program id, rep e-mail or "")


@dataclass(frozen=True)
class Earning:
    partner_id: int
    program_id: int
    rep_email: str
    amount: Decimal
    basis: dict[str, Any]


def _cents(cents: int) -> str:
    return str(Decimal(cents) / 100)


def program_earnings(db: Session, program: Window, terms: Terms, quarter: Quarter,
                     sales: QuarterSales, standing: Standing) -> dict[Key, Earning]:
    """One program's earnings in a quarter under `terms` (the published ones, or a what-if's),
    counting the sales inside the program's window. Partners that do not qualify earn
    nothing; their sales are not lost, only unpaid."""
    out: dict[Key, Earning] = {}
    if not program.runs_in(quarter):
        return out
    first, last = program.days_in(quarter)

    def eligible(partner_id: int) -> bool:
        return standing.eligible(partner_id, terms.eligible_tier_ids,
                                 terms.min_certified_users, terms.certified_line_id)[0]

    if program.kind == "spiff":
        units = spiff_units(db, first, last, terms.product_ids, terms.payee == "rep")
        for (seller, rep), n in units.items():
            amount = rules.spiff(n, terms.amount_cents)
            if amount and eligible(seller):
                out[(seller, program.id, rep)] = Earning(
                    seller, program.id, rep, amount,
                    {"units": n, "per_unit": _cents(terms.amount_cents), "rep": rep,
                     "from": first.isoformat(), "to": last.isoformat()})
        return out
    if (first, last) != (quarter.starts_on, quarter.ends_on):
        sales = quarter_sales(db, quarter, first, last)  # a window inside the quarter
    current = sales.volume(terms.product_line_ids)
    prior = sales.volume(terms.product_line_ids, prior=True) if program.kind == "growth" else {}
    for seller, cents in current.items():
        if cents <= 0 or not eligible(seller):
            continue
        if program.kind == "volume":
            amount = rules.volume_rebate(cents, list(terms.brackets), terms.basis)
            basis = {"sales": _cents(cents)}
        else:
            before = prior.get(seller, 0)
            amount, percent = rules.growth_rebate(cents, before, terms.rate_bp,
                                                  terms.min_growth_bp)
            basis = {"sales": _cents(cents), "prior": _cents(before),
                     "growth_percent": None if percent is None else str(percent)}
        if amount:
            out[(seller, program.id, "")] = Earning(seller, program.id, "", amount, basis)
    return out


def programs_in_force(db: Session, quarter: Quarter) -> list[tuple[Window, Terms]]:
    """Each program with terms in force for the quarter, and those terms."""
    programs = db.scalars(select(IncentiveProgram).where(
        IncentiveProgram.status != "draft").order_by(IncentiveProgram.id)).all()
    versions = published(db, [p.id for p in programs])
    out = []
    for p in programs:
        terms = in_force(versions.get(p.id, []), quarter)
        if terms is not None:
            out.append((window_of(p, terms), terms))
    return out


@dataclass(frozen=True)
class Plan:
    """A quarter's earnings as computed from what the database held then (`marks`)."""

    quarter: Quarter
    targets: dict[Key, Earning]
    lines: int
    marks: tuple


def _marks(db: Session, quarter: Quarter) -> tuple:
    """What a plan depends on that can move while it is computed: the newest POS line, the
    quarter's newest run, the newest publication and tier change."""
    return (db.scalar(select(func.max(PosLine.id))),
            db.scalar(select(func.max(IncentiveRun.id)).where(
                IncentiveRun.starts_on == quarter.starts_on)),
            db.scalar(select(func.max(IncentiveTerms.published_at))),
            db.scalar(select(func.max(TierChange.id))))


def plan(db: Session, actor: Actor, day: date, *, now: datetime | None = None) -> Plan:
    """Compute the quarter `day` falls in (to date, when it is the current one): the long
    read, done before the write transaction takes its lock (see `post`)."""
    require(actor, "incentive.calculate")
    now = now or utcnow()
    quarter = quarter_of(day)
    if quarter.starts_on > now.date():
        raise RuleViolation(f"{quarter.label} has not begun.", field="quarter")
    marks = _marks(db, quarter)
    sales = quarter_sales(db, quarter)
    standing = standing_at(db, min(quarter.end_moment, now))
    targets: dict[Key, Earning] = {}
    for program, terms in programs_in_force(db, quarter):
        targets.update(program_earnings(db, program, terms, quarter, sales, standing))
    return Plan(quarter, targets, sales.lines, marks)


@dataclass(frozen=True)
class RunOut:
    run_id: int
    quarter: str
    entries: int
    net_amount: Decimal
    statements: int
    lines: int

    @property
    def message(self) -> str:
        if not self.entries:
            return f"{self.quarter}: nothing changed ({self.lines:,} POS lines read)"
        return (f"{self.quarter}: {self.entries} accrual(s) posted on {self.statements} "
                f"statement(s), net {self.net_amount:,.2f} ({self.lines:,} POS lines read)")


def statements_for(db: Session, partner_ids: set[int], quarter: Quarter,
                   now: datetime) -> dict[int, int]:
    """{partner id: its statement id for the quarter}, creating the missing ones at once."""
    found = dict(db.execute(select(IncentiveStatement.partner_id, IncentiveStatement.id).where(
        IncentiveStatement.starts_on == quarter.starts_on)).tuples().all())
    missing = sorted(partner_ids - set(found))
    if missing:
        db.execute(insert(IncentiveStatement), [
            {"partner_id": p, "starts_on": quarter.starts_on, "ends_on": quarter.ends_on,
             "created_at": now} for p in missing])
        found = dict(db.execute(select(IncentiveStatement.partner_id, IncentiveStatement.id)
                                .where(IncentiveStatement.starts_on == quarter.starts_on))
                     .tuples().all())
    return {p: found[p] for p in partner_ids}


def post(db: Session, actor: Actor, planned: Plan, *, now: datetime | None = None) -> RunOut:
    """Post the differences between the plan's earnings and what the quarter's statements
    accrued, under the quarter's lock. A plan that something moved under since it was
    computed (new POS lines, another run, a publication, a tier change) is computed again
    here, under the lock."""
    require(actor, "incentive.calculate")
    now = now or utcnow()
    quarter = planned.quarter
    # One calculation of a quarter at a time: two at once would both post the difference.
    locks.hold(db, f"incentive-quarter:{quarter.starts_on.isoformat()}")
    if _marks(db, quarter) != planned.marks:
        planned = plan(db, actor, quarter.starts_on, now=now)
    targets, lines = planned.targets, planned.lines
    have = ledger.accrued(db, quarter)
    diffs = {k: targets[k].amount for k in targets}
    for k, amount in have.items():
        diffs[k] = diffs.get(k, Decimal("0.00")) - amount
    diffs = {k: d for k, d in diffs.items() if d}
    run = IncentiveRun(starts_on=quarter.starts_on, ends_on=quarter.ends_on, lines=lines,
                       entries=len(diffs), net_amount=sum(diffs.values(), Decimal("0.00")),
                       actor_user_id=actor.user_id, actor_label=actor.label, at=now)
    db.add(run)
    db.flush()
    statements = statements_for(db, {k[0] for k in diffs}, quarter, now)
    if diffs:
        db.execute(insert(IncentiveEntry), [
            {"statement_id": statements[k[0]], "partner_id": k[0], "kind": "accrue",
             "program_id": k[1], "rep_email": k[2], "amount": d,
             "basis": targets[k].basis if k in targets else {"note": "no longer earned"},
             "run_id": run.id, "actor_user_id": actor.user_id, "actor_label": actor.label,
             "at": now, "reference": "", "note": "" if k not in have else "recalculated"}
            for k, d in sorted(diffs.items())])
    per_partner: dict[int, Decimal] = {}
    for (partner_id, _, _), d in diffs.items():
        per_partner[partner_id] = per_partner.get(partner_id, Decimal("0.00")) + d
    audit.record(db, actor, "incentive.calculate", "incentive_run", run.id,
                 after={"quarter": quarter.label, "entries": run.entries,
                        "net_amount": run.net_amount, "lines": lines}, now=now)
    events.publish(db, IncentivesCalculated(actor=actor, at=now, run_id=run.id,
                                            quarter=quarter.label,
                                            amounts=tuple(sorted(per_partner.items()))))
    return RunOut(run.id, quarter.label, run.entries, run.net_amount, len(per_partner), lines)


def calculate(db: Session, actor: Actor, day: date, *, now: datetime | None = None) -> RunOut:
    """`plan` and `post` in one transaction."""
    return post(db, actor, plan(db, actor, day, now=now), now=now)
