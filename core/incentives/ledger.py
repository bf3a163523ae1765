"""The incentive ledger: signed entries on a statement, never changed or deleted (the
database refuses it).

    accrue    earnings of one program (and rep) in the quarter; a recalculation posts the
              difference with what was accrued before
    approve   finance approves what was accrued and not yet approved (the difference again,
              after a recalculation: negative when it lowered the earnings)
    pay       a payment of what was approved and not yet paid (negative: money recovered)

A statement's earned, approved and paid figures are the sums of its entries of each kind, in
one grouped read; what waits for review is earned - approved, what is owed approved - paid."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import BigInteger, Select, and_, case, cast, func, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased

from core.incentives.periods import Quarter
from core.ledger_check import LedgerCheck
from db import locks
from db.models import IncentiveEntry, IncentiveRun, IncentiveStatement
from db.types import cents_to_decimal

E = IncentiveEntry
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Sums:
    earned: Decimal = ZERO
    approved: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def pending(self) -> Decimal:
        """Accrued, not yet approved (negative: a recalculation lowered approved earnings)."""
        return self.earned - self.approved

    @property
    def owed(self) -> Decimal:
        """Approved, not yet paid (negative: paid more than is now approved)."""
        return self.approved - self.paid

    def __add__(self, other: "Sums") -> "Sums":
        return Sums(self.earned + other.earned, self.approved + other.approved,
                    self.paid + other.paid)


def lock_statement(db: Session, statement_id: int) -> None:
    locks.hold(db, f"incentive-statement:{statement_id}")


def summed(kind: str):
    """SUM of one kind's entries, in cents (a column of a grouped read)."""
    return cast(func.sum(case((E.kind == kind, type_coerce(E.amount, BigInteger)), else_=0)),
                BigInteger)


def per_statement(*, statement_ids: list[int] | None = None, partner_id: int | None = None,
                  starts_on=None) -> Select:
    """(statement id, accrue, approve, pay) in cents: each statement's sums of its entries,
    one grouped read, narrowed to these statements, partner or quarter."""
    q = select(E.statement_id, summed("accrue").label("accrue"),
               summed("approve").label("approve"), summed("pay").label("pay")).group_by(
        E.statement_id)
    if statement_ids is not None:
        q = q.where(E.statement_id.in_(statement_ids))
    if partner_id is not None:
        q = q.where(E.partner_id == partner_id)
    if starts_on is not None:
        q = q.join(IncentiveStatement, IncentiveStatement.id == E.statement_id).where(
            IncentiveStatement.starts_on == starts_on)
    return q


def sums(db: Session, *, statement_ids: list[int] | None = None,
         partner_id: int | None = None, starts_on=None) -> dict[int, Sums]:
    """{statement id: Sums} from one grouped read."""
    q = per_statement(statement_ids=statement_ids, partner_id=partner_id, starts_on=starts_on)
    return {sid: Sums(cents_to_decimal(a), cents_to_decimal(b), cents_to_decimal(c))
            for sid, a, b, c in db.execute(q)}


def of_statement(db: Session, statement_id: int) -> Sums:
    return sums(db, statement_ids=[statement_id]).get(statement_id, Sums())


def accrued(db: Session, quarter: Quarter) -> dict[tuple[int, int, str], Decimal]:
    """{(partner id, program id, rep): accrued so far} in the quarter's statements."""
    rows = db.execute(
        select(E.partner_id, E.program_id, E.rep_email, cast(func.sum(
            type_coerce(E.amount, BigInteger)), BigInteger))
        .join(IncentiveStatement, IncentiveStatement.id == E.statement_id)
        .where(IncentiveStatement.starts_on == quarter.starts_on, E.kind == "accrue")
        .group_by(E.partner_id, E.program_id, E.rep_email))
    return {(p, prog, rep): cents_to_decimal(c) for p, prog, rep, c in rows}


# ---------------------------------------------------------------- invariants


def check(db: Session) -> LedgerCheck:
    """What must always hold, read back from the ledger by queries that return only the rows
    breaking a rule: an entry is its statement's partner's; an accrual names a program and
    the others do not; no program's (or rep's) earnings in a quarter are below zero; each run
    posted what it recorded; each approval approved exactly what was accrued until then;
    no payment took the paid figure above what was approved until then."""
    S = IncentiveStatement
    problems = [f"entry {i}: partner {p} on statement {s} of partner {sp}"
                for i, p, s, sp in db.execute(
                    select(E.id, E.partner_id, E.statement_id, S.partner_id)
                    .join(S, S.id == E.statement_id).where(E.partner_id != S.partner_id))]
    problems += [f"entry {i}: a {k} entry {'without' if k == 'accrue' else 'with'} a program"
                 for i, k in db.execute(select(E.id, E.kind).where(or_(
                     and_(E.kind == "accrue", E.program_id.is_(None)),
                     and_(E.kind != "accrue", E.program_id.is_not(None)))))]
    amount = type_coerce(E.amount, BigInteger)
    per_key = select(E.statement_id, E.program_id, E.rep_email,
                     cast(func.sum(amount), BigInteger).label("total")).where(
        E.kind == "accrue").group_by(E.statement_id, E.program_id, E.rep_email).subquery()
    problems += [f"statement {s}: program {p}{' rep ' + r if r else ''} earned "
                 f"{cents_to_decimal(t)}"
                 for s, p, r, t in db.execute(select(per_key).where(per_key.c.total < 0))]
    posted = select(E.run_id, cast(func.sum(amount), BigInteger).label("net"),
                    func.count().label("n")).where(E.run_id.is_not(None)).group_by(
        E.run_id).subquery()
    runs = db.execute(select(IncentiveRun.id, IncentiveRun.entries, IncentiveRun.net_amount,
                             posted.c.n, posted.c.net)
                      .outerjoin(posted, posted.c.run_id == IncentiveRun.id)).all()
    problems += [f"run {r}: recorded {n} entries of {net}, ledger has {pn or 0} of "
                 f"{cents_to_decimal(pnet or 0)}"
                 for r, n, net, pn, pnet in runs
                 if (pn or 0) != n or cents_to_decimal(pnet or 0) != net]
    problems += _cumulative_problems(db)
    count = db.scalar(select(func.count()).select_from(E)) or 0
    return LedgerCheck(count, tuple(problems))


def _cumulative_problems(db: Session) -> list[str]:
    """At each approval, approvals so far equal accruals so far; at each payment, payments so
    far are not above approvals so far (entries in the order they were written)."""
    later = aliased(IncentiveEntry)
    amount = type_coerce(later.amount, BigInteger)

    def upto(kind: str):
        return select(func.coalesce(func.sum(amount), 0)).where(
            later.statement_id == E.statement_id, later.id <= E.id,
            later.kind == kind).scalar_subquery()

    rows = db.execute(select(E.id, E.kind, E.statement_id, upto("accrue"), upto("approve"),
                             upto("pay")).where(E.kind.in_(("approve", "pay"))))
    out = []
    for entry_id, kind, statement_id, accrued_, approved, paid in rows:
        if kind == "approve" and approved != accrued_:
            out.append(f"statement {statement_id}: approval {entry_id} leaves "
                       f"{cents_to_decimal(approved)} approved of "
                       f"{cents_to_decimal(accrued_)} accrued")
        if kind == "pay" and paid > approved:
            out.append(f"statement {statement_id}: payment {entry_id} takes paid to "
                       f"{cents_to_decimal(paid)}, above {cents_to_decimal(approved)} approved")
    return out
