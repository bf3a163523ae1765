"""The fund ledger: every movement of money is one entry moving an amount from one bucket to
another of a partner's allocation, or between the program's unallocated budget and it.

    budget -> available       allocate (by hand or tier rule), accrue (co-op), carry in, adjust
    available -> budget       adjust (an allocation lowered)
    available -> held         a request submitted (its amount held at once)
    held -> committed         the request approved (the approved part)
    held -> available         release: the rest of a part-approval, a rejection, a withdrawal
    committed -> approved     a claim approved (the approved part)
    committed -> available    release: the rest of a claim, a rejected claim, a lapsed request
    approved -> paid          a payment
    available -> expired      the unrequested balance at the end of the program's period
    available -> carried      the same, carried into the program's next period

A bucket's balance is what came in minus what went out: derived, never stored. Entries are
never changed or deleted (the database refuses it); a correction is a new entry. A move out of
a bucket never takes more than the bucket holds, and the allocations never take more than the
program's budget: the callers hold the allocation's (and for allocating, the program's) lock
while they read and move, so concurrent requests cannot both spend the same money."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, and_, case, cast, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from core.actor import Actor
from core.errors import RuleViolation
from core.ledger_check import LedgerCheck
from core.money import base_money
from db import locks
from db.models import FundAllocation, FundClaim, FundLedgerEntry, FundProgram, FundRequest
from db.types import cents_to_decimal, utcnow

L = FundLedgerEntry
BUDGET, AVAILABLE, HELD, COMMITTED = "budget", "available", "held", "committed"
APPROVED, PAID, EXPIRED, CARRIED = "approved", "paid", "expired", "carried"
BUCKETS = (AVAILABLE, HELD, COMMITTED, APPROVED, PAID, EXPIRED, CARRIED)
KIND_LABELS = {
    "allocate": "Allocated", "accrue": "Accrued", "carry_in": "Carried in",
    "adjust": "Adjusted", "hold": "Held for a request", "commit": "Committed",
    "release": "Released", "approve_claim": "Claim approved", "pay": "Paid",
    "expire": "Expired", "carry_out": "Carried over",
}
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Balance:
    """One allocation's (or a sum of allocations') figures, from the ledger."""

    allocated: Decimal = ZERO  # granted or accrued, less taken back by adjustments
    available: Decimal = ZERO
    held: Decimal = ZERO  # requests waiting for a decision
    committed: Decimal = ZERO  # approved requests not yet claimed and approved
    approved: Decimal = ZERO  # claims approved, waiting for payment
    paid: Decimal = ZERO
    expired: Decimal = ZERO
    carried: Decimal = ZERO  # carried out into the program's next period
    # Carried in from the program's previous period: money granted there, not a new grant.
    carried_in: Decimal = ZERO

    def __add__(self, other: "Balance") -> "Balance":
        return Balance(*(getattr(self, f) + getattr(other, f) for f in FIELDS))


FIELDS = ("allocated", *BUCKETS, "carried_in")


def lock_allocation(db: Session, allocation_id: int) -> None:
    locks.hold(db, f"fund-allocation:{allocation_id}")


def lock_program(db: Session, program_id: int) -> None:
    locks.hold(db, f"fund-program:{program_id}")


def move(db: Session, actor: Actor, allocation: FundAllocation, kind: str, source: str,
         target: str, amount: Decimal, *, reason: str = "", request_id: int | None = None,
         claim_id: int | None = None, now: datetime | None = None) -> FundLedgerEntry:
    """Write one entry. The caller holds the allocation's lock and has checked the source
    bucket (`balance`); this refuses what no caller may write."""
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise RuleViolation("An amount moved is positive, in whole cents.", field="amount")
    if source == target or {source, target} - {BUDGET, *BUCKETS}:
        raise ValueError(f"no move from {source} to {target}")
    entry = L(program_id=allocation.program_id, allocation_id=allocation.id,
              partner_id=allocation.partner_id, kind=kind, from_bucket=source,
              to_bucket=target, amount=amount, request_id=request_id, claim_id=claim_id,
              reason=reason[:500], actor_user_id=actor.user_id, actor_label=actor.label,
              at=now or utcnow())
    db.add(entry)
    db.flush()
    return entry


def _net(bucket: str):
    """SUM over entries of what came into `bucket` less what went out, in cents (one column
    of the one grouped read below)."""
    amount = type_coerce(L.amount, BigInteger)
    return cast(func.sum(case((L.to_bucket == bucket, amount),
                              (L.from_bucket == bucket, -amount), else_=0)), BigInteger)


def balances(db: Session, *, allocation_ids: list[int] | None = None,
             program_id: int | None = None, partner_id: int | None = None,
             ) -> dict[int, Balance]:
    """{allocation id: Balance} from one grouped read of the ledger (each bucket's net)."""
    carried_in = cast(func.sum(case((L.kind == "carry_in", type_coerce(L.amount, BigInteger)),
                                    else_=0)), BigInteger)
    q = select(L.allocation_id, carried_in, *(_net(b) for b in (BUDGET, *BUCKETS))).group_by(
        L.allocation_id)
    if allocation_ids is not None:
        q = q.where(L.allocation_id.in_(allocation_ids))
    if program_id is not None:
        q = q.where(L.program_id == program_id)
    if partner_id is not None:
        q = q.where(L.partner_id == partner_id)
    return {alloc: Balance(cents_to_decimal(-budget - carried), *(cents_to_decimal(c)
                                                                   for c in rest),
                           carried_in=cents_to_decimal(carried))
            for alloc, carried, budget, *rest in db.execute(q)}


def balance(db: Session, allocation_id: int) -> Balance:
    return balances(db, allocation_ids=[allocation_id]).get(allocation_id, Balance())


def total(found: dict[int, Balance]) -> Balance:
    out = Balance()
    for b in found.values():
        out += b
    return out


def program_allocated(db: Session, program_id: int) -> Decimal:
    """What a program's allocations took from its budget, net of adjustments down."""
    out_ = db.scalar(select(func.sum(L.amount)).where(L.program_id == program_id,
                                                      L.from_bucket == BUDGET)) or ZERO
    back = db.scalar(select(func.sum(L.amount)).where(L.program_id == program_id,
                                                      L.to_bucket == BUDGET)) or ZERO
    return out_ - back


def take(db: Session, actor: Actor, allocation: FundAllocation, kind: str, source: str,
         target: str, amount: Decimal, refusal: str, **kwargs) -> FundLedgerEntry:
    """`move`, refused with `refusal` (a message with `{have}` for what the source holds) when
    the source bucket holds less than the amount."""
    have = getattr(balance(db, allocation.id), source)
    if amount > have:
        raise RuleViolation(refusal.format(have=base_money(have)), field="amount")
    return move(db, actor, allocation, kind, source, target, amount, **kwargs)


# ---------------------------------------------------------------- invariants


def check(db: Session) -> LedgerCheck:
    """What must always hold, read back from the ledger: no bucket of any allocation below
    zero, no program's allocations above its budget, a request's holds equal to what it
    asked and its commitment never above that, a claim's approved amount never above its
    request's commitment, nothing paid above what was approved, and each claim's paid figure
    equal to its payments. Grouped reads that return only the rows breaking a rule."""
    problems: list[str] = []
    nets = [_net(b).label(b) for b in BUCKETS]
    per_allocation = select(L.allocation_id, *nets).group_by(L.allocation_id).subquery()
    below = [getattr(per_allocation.c, b) < 0 for b in BUCKETS]
    for row in db.execute(select(per_allocation).where(or_(*below))):
        for name, cents in zip(BUCKETS, row[1:], strict=True):
            if cents < 0:
                problems.append(f"allocation {row[0]}: {name} is {cents_to_decimal(cents)}")
    used = select(L.program_id, (-_net(BUDGET)).label("used")).group_by(
        L.program_id).subquery()
    budget = type_coerce(FundProgram.budget, BigInteger)
    for program_id, cents, limit in db.execute(
            select(used.c.program_id, used.c.used, budget).join(
                FundProgram, FundProgram.id == used.c.program_id).where(used.c.used > budget)):
        problems.append(f"program {program_id}: allocated {cents_to_decimal(cents)} > "
                        f"budget {cents_to_decimal(limit)}")
    problems += _request_problems(db)
    count = db.scalar(select(func.count()).select_from(L)) or 0
    return LedgerCheck(count, tuple(problems))


def _request_problems(db: Session) -> list[str]:
    amount = type_coerce(L.amount, BigInteger)

    def of(kind: str):
        return cast(func.sum(case((L.kind == kind, amount), else_=0)), BigInteger).label(kind)

    sums = select(L.request_id, of("hold"), of("commit"), of("approve_claim"), of("pay")) \
        .where(L.request_id.is_not(None)).group_by(L.request_id).subquery()
    asked = type_coerce(FundRequest.requested_amount, BigInteger)
    paid = type_coerce(FundClaim.paid_amount, BigInteger)
    rows = db.execute(
        select(sums, asked, FundClaim.id, paid)
        .join(FundRequest, FundRequest.id == sums.c.request_id)
        .outerjoin(FundClaim, FundClaim.request_id == sums.c.request_id)
        .where(or_(sums.c.hold != asked, sums.c.commit > asked,
                   sums.c.approve_claim > sums.c.commit, sums.c.pay > sums.c.approve_claim,
                   and_(FundClaim.id.is_not(None), paid != sums.c.pay))))
    out = []
    for request_id, hold, commit, approved, pay, asked_cents, claim_id, paid_cents in rows:
        m = cents_to_decimal
        if hold != asked_cents:
            out.append(f"request {request_id}: held {m(hold)} != requested {m(asked_cents)}")
        if commit > asked_cents:
            out.append(f"request {request_id}: committed more than requested")
        if approved > commit:
            out.append(f"request {request_id}: claim approved above the commitment")
        if pay > approved:
            out.append(f"request {request_id}: paid above the approved claim")
        if claim_id is not None and paid_cents != pay:
            out.append(f"claim {claim_id}: paid {m(paid_cents)} != ledger {m(pay)}")
    return out
