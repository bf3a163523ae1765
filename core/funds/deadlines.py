"""The dates funds live by, kept by a job (core.funds.jobs): co-op accrual; notice to a
partner 30 and 7 days before unrequested money expires at its program's period end, and the
expiry itself (or, in a program that allows it, the carry-over into the next period's
program, created when it does not exist yet); notice 14 and 3 days before an approved
request's claim is due, and its commitment released when the day passes unclaimed.

Idempotent: what is expired or released is gone from the bucket it is read from, and each
notice has a dedupe key; a runner overlapping another waits on the same locks."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, events
from core.actor import Actor
from core.funds import ledger
from core.funds.events import FundRequestChanged, FundsAllocated
from core.funds.programs import accrue_coop, allocation_for, period_bounds
from core.funds.records import add_event, claim_of
from core.funds.status import RequestStatus
from core.money import base_money
from core.notifications import notify_partner, record_link
from db import locks
from db.models import FundAllocation, FundProgram, FundRequest
from db.types import utcnow

JOB = "fund-deadlines"
EXPIRY_NOTICES = (30, 7)
CLAIM_NOTICES = (14, 3)


@dataclass(frozen=True)
class DeadlineReport:
    accrued: str
    expiry_notices: int
    expired: int
    carried: int
    claim_notices: int
    lapsed: int

    @property
    def message(self) -> str:
        return (f"{self.accrued}; {self.expiry_notices} expiry notice(s), {self.expired} "
                f"allocation(s) expired, {self.carried} carried over; {self.claim_notices} "
                f"claim reminder(s), {self.lapsed} request(s) lapsed")


def run_deadlines(db: Session, *, now: datetime | None = None) -> DeadlineReport:
    now = now or utcnow()
    actor = Actor.system(JOB)
    # Every program's lock first, in one ordered step: the job then takes allocations' locks
    # (and a successor's, created here) after them, as every service does, so it never
    # waits on an allocation while a service holding it waits on a program.
    ids = db.scalars(select(FundProgram.id)).all()
    locks.hold_many(db, [f"fund-program:{i}" for i in ids])
    accrued = accrue_coop(db, now=now)
    claim_notices = _claim_notices(db, now)
    lapsed = _lapse_unclaimed(db, actor, now)
    notices = _expiry_notices(db, now)
    expired, carried = _period_ends(db, actor, now)
    return DeadlineReport(accrued, notices, expired, carried, claim_notices, lapsed)


def _notice_step(days_left: int, steps: tuple[int, ...]) -> int | None:
    """The notice due with `days_left` to go: the smallest step it is within."""
    due = [s for s in steps if 0 <= days_left <= s]
    return min(due) if due else None


def _claim_notices(db: Session, now: datetime) -> int:
    today, sent = now.date(), 0
    rows = db.scalars(select(FundRequest).where(
        FundRequest.status == RequestStatus.APPROVED.value,
        FundRequest.claim_due_on >= today,
        FundRequest.claim_due_on <= today + timedelta(days=max(CLAIM_NOTICES))))
    for request in rows:
        step = _notice_step((request.claim_due_on - today).days, CLAIM_NOTICES)
        if step is None:
            continue
        sent += notify_partner(
            db, request.partner_id, f"Claim due by {request.claim_due_on:%Y-%m-%d}: "
            f"{request.name}", f"{base_money(request.approved_amount)} is committed to this "
            "activity. Claim it with proof of performance before the deadline, or it goes "
            "back to your balance.", dedupe_key=f"fund-claim-due:{request.id}:{step}",
            link=record_link("fund_request", request.id), now=now) > 0
    return sent


def _lapse_unclaimed(db: Session, actor: Actor, now: datetime) -> int:
    today, lapsed = now.date(), 0
    ids = db.scalars(select(FundRequest.id).where(
        FundRequest.status == RequestStatus.APPROVED.value,
        FundRequest.claim_due_on < today)).all()
    for request_id in ids:
        request = db.get(FundRequest, request_id)
        allocation = db.get(FundAllocation, request.allocation_id)
        ledger.lock_allocation(db, allocation.id)
        db.refresh(request)
        if request.status != RequestStatus.APPROVED.value or claim_of(db, request.id):
            continue
        ledger.move(db, actor, allocation, "release", ledger.COMMITTED, ledger.AVAILABLE,
                    request.approved_amount, reason="Not claimed by the deadline",
                    request_id=request.id, now=now)
        request.status, request.updated_at = RequestStatus.LAPSED.value, now
        add_event(db, actor, request, "lapsed", "Not claimed by the deadline", now=now)
        audit.record(db, actor, "fund.request_lapsed", "fund_request", request.id,
                     partner_id=request.partner_id, now=now)
        events.publish(db, FundRequestChanged(actor=actor, at=now, request_id=request.id,
                                              partner_id=request.partner_id,
                                              status=request.status))
        notify_partner(db, request.partner_id, f"Commitment released: {request.name}",
                       f"The claim was due by {request.claim_due_on:%Y-%m-%d}. "
                       f"{base_money(request.approved_amount)} went back to your balance.",
                       dedupe_key=f"fund-lapsed:{request.id}",
                       link=record_link("fund_request", request.id), now=now)
        lapsed += 1
    return lapsed


def _expiry_notices(db: Session, now: datetime) -> int:
    today, sent = now.date(), 0
    programs = db.scalars(select(FundProgram).where(
        FundProgram.carry_over.is_(False), FundProgram.ends_on >= today,
        FundProgram.ends_on <= today + timedelta(days=max(EXPIRY_NOTICES))))
    for program in programs:
        step = _notice_step((program.ends_on - today).days, EXPIRY_NOTICES)
        if step is None:
            continue
        found = ledger.balances(db, program_id=program.id)
        partners = dict(db.execute(select(FundAllocation.id, FundAllocation.partner_id)
                                   .where(FundAllocation.program_id == program.id)).all())
        for allocation_id, balance in found.items():
            if balance.available <= 0:
                continue
            sent += notify_partner(
                db, partners[allocation_id], f"{base_money(balance.available)} expires on "
                f"{program.ends_on:%Y-%m-%d}", f"Your unrequested balance in {program.name} "
                "expires at the end of its period. Request it for an activity before then.",
                dedupe_key=f"fund-expiry:{allocation_id}:{step}", link="funds", now=now) > 0
    return sent


def _period_ends(db: Session, actor: Actor, now: datetime) -> tuple[int, int]:
    today, expired, carried = now.date(), 0, 0
    for program in db.scalars(select(FundProgram).where(FundProgram.ends_on < today)).all():
        found = ledger.balances(db, program_id=program.id)
        if not any(b.available > 0 for b in found.values()):
            program.status = "closed"
            continue
        ledger.lock_program(db, program.id)
        successor = _successor(db, actor, program, now) if program.carry_over else None
        for allocation in db.scalars(select(FundAllocation).where(
                FundAllocation.program_id == program.id).order_by(FundAllocation.id)).all():
            ledger.lock_allocation(db, allocation.id)
            left = ledger.balance(db, allocation.id).available
            if left <= 0:
                continue
            moved = _carry(db, actor, program, successor, allocation, left, now) \
                if successor else ledger.ZERO
            if moved:
                carried += 1
            if left - moved > 0:
                ledger.move(db, actor, allocation, "expire", ledger.AVAILABLE, ledger.EXPIRED,
                            left - moved, reason=f"Unrequested at the end of {program.name}",
                            now=now)
                expired += 1
        program.status = "closed"
    return expired, carried


def _successor(db: Session, actor: Actor, program: FundProgram, now: datetime) -> FundProgram:
    """The program's next period (the same terms and budget), created the first time."""
    if program.successor_id is not None:
        return db.get(FundProgram, program.successor_id)
    start, end = period_bounds(program.period, program.ends_on + timedelta(days=1))
    successor = FundProgram(
        name=_next_name(program.name, start), kind=program.kind, period=program.period,
        starts_on=start, ends_on=end, budget=program.budget,
        eligible_tier_ids=list(program.eligible_tier_ids),
        activity_types=list(program.activity_types),
        reimbursement_bp=program.reimbursement_bp, accrual_bp=program.accrual_bp,
        tier_amounts=dict(program.tier_amounts or {}), lead_time_days=program.lead_time_days,
        claim_days=program.claim_days, carry_over=program.carry_over, created_at=now)
    db.add(successor)
    db.flush()
    program.successor_id = successor.id
    audit.record(db, actor, "fund.program_renew", "fund_program", successor.id,
                 before={"from_program_id": program.id}, after={"name": successor.name},
                 now=now)
    return successor


def _next_name(name: str, start: date) -> str:
    return f"{name} (from {start:%Y-%m-%d})"[:120]


def _carry(db: Session, actor: Actor, program: FundProgram, successor: FundProgram,
           allocation: FundAllocation, left, now: datetime):
    """Carry what the successor's budget still has room for; the rest expires."""
    ledger.lock_program(db, successor.id)
    room = successor.budget - ledger.program_allocated(db, successor.id)
    amount = min(left, room)
    if amount <= 0:
        return ledger.ZERO
    target = allocation_for(db, successor, allocation.partner_id)
    ledger.move(db, actor, allocation, "carry_out", ledger.AVAILABLE, ledger.CARRIED, amount,
                reason=f"Carried into {successor.name}", now=now)
    ledger.move(db, actor, target, "carry_in", ledger.BUDGET, ledger.AVAILABLE, amount,
                reason=f"Carried from {program.name}", now=now)
    events.publish(db, FundsAllocated(actor=actor, at=now, program_id=successor.id,
                                      amounts=((allocation.partner_id, amount),),
                                      how="carry-over"))
    return amount
