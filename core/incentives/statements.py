"""Statements: a partner's incentives for a quarter, read by the vendor's roles and by the
partner admin of that partner only; approved and paid by finance."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import BigInteger, cast, func, select
from sqlalchemy.orm import Session

from core import audit, events
from core.actor import Actor
from core.errors import NotFound, RuleViolation
from core.incentives import ledger
from core.incentives.events import IncentivePaid, StatementApproved
from core.incentives.periods import Quarter
from core.incentives.programs import describe, names
from core.incentives.schemas import Terms
from core.incentives.status import KINDS, STATEMENT_STATUS_LABELS, statement_status
from core.money import base_money
from core.notifications import notify_partner, record_link
from core.permissions import require, scope
from core.validation import Amount, RequiredText, as_model
from db import locks
from db.models import (
    IncentiveEntry,
    IncentiveProgram,
    IncentiveStatement,
    IncentiveTerms,
    Partner,
    User,
)
from db.types import cents_to_decimal, utcnow

ROUTE = "incentive_statement"


@dataclass(frozen=True)
class StatementRow:
    id: int
    partner_id: int
    partner_name: str
    quarter: str
    starts_on: date
    ends_on: date
    earned: Decimal
    approved: Decimal
    paid: Decimal
    pending: Decimal
    owed: Decimal
    status: str
    status_label: str


@dataclass(frozen=True)
class StatementLine:
    program_id: int
    program: str
    kind: str
    rep_email: str
    rule: str
    figures: str  # the basis in words: sales, prior, growth, units
    earned: Decimal


@dataclass(frozen=True)
class EntryRow:
    id: int
    at: datetime
    kind: str
    program: str
    rep_email: str
    amount: Decimal
    reference: str
    note: str
    actor: str
    run_id: int | None


@dataclass(frozen=True)
class StatementOut:
    row: StatementRow
    lines: tuple[StatementLine, ...]
    entries: tuple[EntryRow, ...]


def _row(s: IncentiveStatement, partner: str, sums: ledger.Sums) -> StatementRow:
    status = statement_status(sums.earned, sums.approved, sums.paid)
    return StatementRow(s.id, s.partner_id, partner, Quarter(s.starts_on, s.ends_on).label,
                        s.starts_on, s.ends_on, sums.earned, sums.approved, sums.paid,
                        sums.pending, sums.owed, status, STATEMENT_STATUS_LABELS[status])


def _filtered(actor: Actor, starts_on: date | None, partner_id: int | None,
              status: str | None, search: str | None):
    """(statement, partner name, earned, approved, paid) the actor may read, filtered in SQL:
    the figures are one grouped read of the ledger, narrowed to the same quarter and
    partner."""
    S = IncentiveStatement
    per = ledger.per_statement(
        starts_on=starts_on,
        partner_id=actor.partner_id if actor.is_partner else partner_id).subquery()
    earned, approved, paid = (func.coalesce(getattr(per.c, k), 0)
                              for k in ("accrue", "approve", "pay"))
    q = scope(actor, select(S, Partner.name, earned, approved, paid)
              .join(Partner, Partner.id == S.partner_id)
              .outerjoin(per, per.c.statement_id == S.id), S)
    if starts_on is not None:
        q = q.where(S.starts_on == starts_on)
    if partner_id is not None:
        q = q.where(S.partner_id == partner_id)
    if search:
        q = q.where(func.lower(Partner.name).contains(search.strip().lower(), autoescape=True))
    if status == "to review":
        q = q.where(earned != approved)
    elif status == "to pay":
        q = q.where(earned == approved, approved != paid)
    elif status == "settled":
        q = q.where(earned == approved, approved == paid, earned != 0)
    elif status == "nothing earned":
        q = q.where(earned == 0, approved == 0, paid == 0)
    return q


def list_statements(db: Session, actor: Actor, *, starts_on: date | None = None,
                    partner_id: int | None = None, status: str | None = None,
                    search: str | None = None, limit: int = 500) -> list[StatementRow]:
    """Statements the actor may read, newest quarter first then by partner, with their
    figures; at most `limit`. A partner admin gets only its own partner's, whatever it
    asks."""
    require(actor, "incentive.view")
    q = _filtered(actor, starts_on, partner_id, status, search)
    rows = db.execute(q.order_by(IncentiveStatement.starts_on.desc(), Partner.name,
                                 IncentiveStatement.id).limit(limit)).all()
    return [_row(s, name, ledger.Sums(*(cents_to_decimal(c) for c in figures)))
            for s, name, *figures in rows]


@dataclass(frozen=True)
class StatementTotals:
    statements: int
    sums: ledger.Sums


def statement_totals(db: Session, actor: Actor, *, starts_on: date | None = None,
                     status: str | None = None, search: str | None = None
                     ) -> StatementTotals:
    """How many statements `list_statements` would find without its limit, and their sums."""
    require(actor, "incentive.view")
    inner = _filtered(actor, starts_on, None, status, search).subquery()
    count, *figures = db.execute(select(
        func.count(), *(cast(func.coalesce(func.sum(c), 0), BigInteger)
                        for c in list(inner.c)[-3:]))).one()
    return StatementTotals(count, ledger.Sums(*(cents_to_decimal(c) for c in figures)))


def quarters(db: Session, actor: Actor) -> list[Quarter]:
    """The quarters that have statements the actor may read, newest first."""
    require(actor, "incentive.view")
    q = scope(actor, select(IncentiveStatement.starts_on, IncentiveStatement.ends_on)
              .distinct(), IncentiveStatement)
    return sorted((Quarter(a, b) for a, b in db.execute(q)), reverse=True)


def load_statement(db: Session, actor: Actor, statement_id: int) -> IncentiveStatement:
    """The statement, when the actor may read it; another partner's is "not found"."""
    require(actor, "incentive.view")
    found = db.scalar(scope(actor, select(IncentiveStatement).where(
        IncentiveStatement.id == statement_id), IncentiveStatement))
    if found is None:
        raise NotFound("statement")
    return found


def _figures(kind: str, basis: dict) -> str:
    if "note" in basis:
        return basis["note"]  # "no longer earned"
    if kind == "spiff":
        return f"{basis.get('units', 0):,} unit(s) from {basis.get('from')} to {basis.get('to')}"
    text = f"sales {base_money(Decimal(basis.get('sales', '0')), symbol=False)}"
    if kind == "growth":
        percent = basis.get("growth_percent")
        text += (f", a year earlier {base_money(Decimal(basis.get('prior', '0')), symbol=False)}"
                 f", growth {percent + '%' if percent is not None else 'from a zero base'}")
    return text


def get_statement(db: Session, actor: Actor, statement_id: int) -> StatementOut:
    s = load_statement(db, actor, statement_id)
    partner = db.get(Partner, s.partner_id)
    entries = db.scalars(select(IncentiveEntry).where(IncentiveEntry.statement_id == s.id)
                         .order_by(IncentiveEntry.id)).all()
    programs = {p.id: p for p in db.scalars(select(IncentiveProgram).where(
        IncentiveProgram.id.in_({e.program_id for e in entries if e.program_id})))}
    found = names(db)
    earned: dict[tuple[int, str], Decimal] = {}
    basis: dict[tuple[int, str], dict] = {}
    for e in entries:
        if e.kind == "accrue":
            key = (e.program_id, e.rep_email)
            earned[key] = earned.get(key, ledger.ZERO) + e.amount
            basis[key] = e.basis  # the latest run's figures
    out_lines = []
    for program_id, rep in sorted(earned, key=lambda k: (programs[k[0]].name, k[1])):
        p = programs[program_id]
        terms = _terms_for(db, p.id, s.starts_on)
        out_lines.append(StatementLine(program_id, p.name, KINDS[p.kind], rep,
                                       describe(p.kind, terms, found) if terms else "",
                                       _figures(p.kind, basis.get((program_id, rep), {})),
                                       earned[(program_id, rep)]))
    rows = tuple(EntryRow(e.id, e.at, e.kind, programs[e.program_id].name if e.program_id
                          else "", e.rep_email, e.amount, e.reference, e.note, e.actor_label,
                          e.run_id) for e in entries)
    return StatementOut(_row(s, partner.name, ledger.of_statement(db, s.id)),
                        tuple(out_lines), rows)


def _terms_for(db: Session, program_id: int, starts_on: date) -> Terms | None:
    version = db.scalar(select(IncentiveTerms).where(
        IncentiveTerms.program_id == program_id, IncentiveTerms.effective_from <= starts_on)
        .order_by(IncentiveTerms.effective_from.desc()).limit(1))
    return Terms.from_json(version.terms) if version else None


def _locked(db: Session, actor: Actor, statement_id: int) -> IncentiveStatement:
    """The statement, under its quarter's lock and its own (in that order, as everywhere):
    a calculation of the quarter then waits, or has posted, before the figures are read."""
    s = load_statement(db, actor, statement_id)
    locks.hold(db, f"incentive-quarter:{s.starts_on.isoformat()}")
    ledger.lock_statement(db, s.id)
    return s


def _entry(db: Session, actor: Actor, s: IncentiveStatement, kind: str, amount: Decimal,
           now: datetime, *, reference: str = "", note: str = "") -> IncentiveEntry:
    entry = IncentiveEntry(statement_id=s.id, partner_id=s.partner_id, kind=kind,
                           amount=amount, reference=reference, note=note[:500],
                           actor_user_id=actor.user_id, actor_label=actor.label, at=now)
    db.add(entry)
    db.flush()
    return entry


def approve(db: Session, actor: Actor, statement_id: int, *, expected: Decimal,
            note: str = "", now: datetime | None = None) -> StatementRow:
    """Approve what the statement accrued and was not yet approved. `expected` is the amount
    the reviewer saw: a calculation that posted since then is reviewed first."""
    require(actor, "incentive.approve")
    now = now or utcnow()
    s = _locked(db, actor, statement_id)
    before = ledger.of_statement(db, s.id)
    if not before.pending:
        raise RuleViolation("Nothing on this statement waits for approval.")
    if before.pending != expected:
        raise RuleViolation(f"The statement changed since you opened it: "
                            f"{base_money(before.pending)} now waits for approval. Review it "
                            f"again.")
    _entry(db, actor, s, "approve", before.pending, now, note=note)
    label = Quarter(s.starts_on, s.ends_on).label
    audit.record(db, actor, "incentive.approve", "incentive_statement", s.id,
                 before={"approved": before.approved},
                 after={"approved": before.approved + before.pending}, partner_id=s.partner_id,
                 now=now)
    events.publish(db, StatementApproved(actor=actor, at=now, statement_id=s.id,
                                         partner_id=s.partner_id, quarter=label,
                                         amount=before.pending))
    notify_partner(db, s.partner_id, f"Incentive statement {label} approved",
                   f"{base_money(before.pending, symbol=False)} approved on your {label} "
                   f"incentive statement.", dedupe_key=f"incentive-approved:{s.id}:{now}",
                   link=record_link(ROUTE, s.id), now=now)
    return _row(s, db.get(Partner, s.partner_id).name, ledger.of_statement(db, s.id))


class PaymentIn(BaseModel):
    amount: Amount("amount", zero_ok=False)
    reference: RequiredText(120, "Enter the payment's reference (transfer or credit note).",
                            too_long="Keep the reference to 120 characters or fewer.") = ""


def pay(db: Session, actor: Actor, statement_id: int, data: PaymentIn | dict, *,
        now: datetime | None = None) -> StatementRow:
    """Record a payment of what is approved and not yet paid (all or part of it); when more
    was paid than is now approved, the amount recovered (negative, all of it)."""
    require(actor, "incentive.pay")
    now = now or utcnow()
    raw = dict(data) if isinstance(data, dict) else data.model_dump()
    given = raw.get("amount")
    # A recovery is typed with a minus sign ("-1,300.00"): the amount itself is parsed as any.
    negative = (given.strip().startswith("-") if isinstance(given, str)
                else isinstance(given, Decimal | int | float) and given < 0)
    if negative:
        raw["amount"] = given.strip()[1:] if isinstance(given, str) else -given
    data = as_model(PaymentIn, raw)
    amount = -data.amount if negative else data.amount
    s = _locked(db, actor, statement_id)
    before = ledger.of_statement(db, s.id)
    if not before.owed:
        raise RuleViolation("Nothing on this statement is approved and unpaid.", field="amount")
    # A recalculation that lowered the earnings waits for approval: it lowers what may be
    # paid now, so nothing is paid that would then have to be recovered.
    payable = min(before.owed, before.earned - before.paid)
    if before.owed > 0 and payable <= 0:
        raise RuleViolation("A recalculation lowered this statement's earnings: approve that "
                            "first.", field="amount")
    if before.owed > 0 and not 0 < amount <= payable:
        raise RuleViolation(f"Pay at most what is approved and unpaid: "
                            f"{base_money(payable)}.", field="amount")
    if before.owed < 0 and amount != before.owed:
        raise RuleViolation(f"More was paid than is approved: record the "
                            f"{base_money(-before.owed)} recovered as {before.owed}.",
                            field="amount")
    _entry(db, actor, s, "pay", amount, now, reference=data.reference)
    label = Quarter(s.starts_on, s.ends_on).label
    audit.record(db, actor, "incentive.pay", "incentive_statement", s.id,
                 before={"paid": before.paid},
                 after={"paid": before.paid + amount, "reference": data.reference},
                 partner_id=s.partner_id, now=now)
    events.publish(db, IncentivePaid(actor=actor, at=now, statement_id=s.id,
                                     partner_id=s.partner_id, quarter=label, amount=amount,
                                     reference=data.reference))
    if amount > 0:
        notify_partner(db, s.partner_id, f"Incentive payment for {label}",
                       f"{base_money(amount, symbol=False)} paid on your {label} incentive "
                       f"statement (reference {data.reference}).",
                       dedupe_key=f"incentive-paid:{s.id}:{now}",
                       link=record_link(ROUTE, s.id), now=now)
    return _row(s, db.get(Partner, s.partner_id).name, ledger.of_statement(db, s.id))


@dataclass(frozen=True)
class RepSpiff:
    quarter: str
    program: str
    units: int
    earned: Decimal
    status_label: str  # the statement's: a rep's SPIFF is paid with its partner's statement


def rep_spiffs(db: Session, actor: Actor) -> list[RepSpiff]:
    """The SPIFFs a sales rep earned: those of its own partner's statements whose POS lines
    name its e-mail; newest quarter first."""
    require(actor, "incentive.own_spiffs")
    email = (db.scalar(select(User.email).where(User.id == actor.user_id)) or "").lower()
    if not email:
        return []
    E, S = IncentiveEntry, IncentiveStatement
    rows = db.execute(
        select(S.id, S.starts_on, S.ends_on, IncentiveProgram.name, E.amount, E.basis)
        .join(S, S.id == E.statement_id).join(IncentiveProgram, IncentiveProgram.id ==
                                              E.program_id)
        .where(E.partner_id == actor.partner_id, S.partner_id == actor.partner_id,
               E.kind == "accrue", E.rep_email == email)
        .order_by(S.starts_on.desc(), IncentiveProgram.name, E.id)).all()
    figures = ledger.sums(db, statement_ids=list({r[0] for r in rows}))
    found: dict[tuple[int, str], list] = {}
    for statement_id, start, end, program, amount, basis in rows:
        key = (statement_id, program)
        earned = found[key][3] + amount if key in found else amount
        units = basis.get("units", 0)  # the latest run's count ("no longer earned": none)
        found[key] = [Quarter(start, end).label, program, units, earned]
    out = []
    for (statement_id, _), (label, program, units, earned) in found.items():
        sums = figures.get(statement_id, ledger.Sums())
        status = statement_status(sums.earned, sums.approved, sums.paid)
        out.append(RepSpiff(label, program, int(units), earned, STATEMENT_STATUS_LABELS[status]))
    return out
