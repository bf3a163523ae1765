"""Fund programs and the money put into them: the admin and marketing define programs (MDF,
granted; co-op, accrued from won revenue and POS sales), and allocate to partners by hand, by
the tier rule, or (co-op) by the accrual job. The sum of a program's allocations never
exceeds its budget: every allocation holds the program's lock while it reads what is left."""

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit, events
from core.actor import Actor
from core.analytics.periods import add_months
from core.deals.status import DealStatus
from core.errors import NotFound, RuleViolation
from core.funds import ledger
from core.funds.events import FundsAllocated
from core.funds.schemas import ProgramIn, ProgramOut
from core.money import base_money
from core.notifications import notify_partner
from core.permissions import require
from core.validation import as_model
from core.validation.parsers import checked, text_field
from db.models import (
    DealRegistration,
    FundAllocation,
    FundLedgerEntry,
    FundProgram,
    Partner,
    PosLine,
    Tier,
)
from db.types import utcnow

CENT = Decimal("0.01")
BP = Decimal(10_000)


def period_bounds(period: str, starts_on: date) -> tuple[date, date]:
    """A program's period: from the first day of the month it starts in, a quarter or a year."""
    first = starts_on.replace(day=1)
    return first, add_months(first, 3 if period == "quarter" else 12) - timedelta(days=1)


def _bp(percent: Decimal) -> int:
    return int((percent * 100).quantize(Decimal(1), ROUND_HALF_UP))


def _percent(bp: int) -> Decimal:
    return (Decimal(bp) / 100).quantize(CENT)


def program_out(db: Session, p: FundProgram, tiers: dict[int, str] | None = None
                ) -> ProgramOut:
    tiers = tiers if tiers is not None else dict(db.execute(select(Tier.id, Tier.name)).all())
    return ProgramOut(
        p.id, p.name, p.kind, p.period, p.starts_on, p.ends_on, p.budget,
        ledger.program_allocated(db, p.id),
        tuple(tiers.get(t, f"#{t}") for t in p.eligible_tier_ids),
        tuple(p.eligible_tier_ids), tuple(p.activity_types), _percent(p.reimbursement_bp),
        _percent(p.accrual_bp),
        {int(k): ledger.ZERO + Decimal(v) / 100 for k, v in (p.tier_amounts or {}).items()},
        p.lead_time_days, p.claim_days, p.carry_over, p.status, p.successor_id)


def load_program(db: Session, program_id: int) -> FundProgram:
    program = db.get(FundProgram, program_id) if isinstance(program_id, int) else None
    if program is None:
        raise NotFound("program")
    return program


def list_programs(db: Session, actor: Actor) -> list[ProgramOut]:
    """The programs, newest period first: every one for the vendor's roles; for a partner
    admin those its company holds an allocation in, with their terms but not the budget,
    what is allocated across partners, or the tier rule (other partners' business)."""
    require(actor, "fund.view")
    tiers = dict(db.execute(select(Tier.id, Tier.name)).all())
    q = select(FundProgram).order_by(FundProgram.starts_on.desc(), FundProgram.id.desc())
    if actor.is_partner:
        q = q.where(FundProgram.id.in_(select(FundAllocation.program_id).where(
            FundAllocation.partner_id == actor.partner_id)))
    return [_for(actor, program_out(db, p, tiers)) for p in db.scalars(q)]


def get_program(db: Session, actor: Actor, program_id: int) -> ProgramOut:
    require(actor, "fund.view")
    program = load_program(db, program_id)
    if actor.is_partner and allocation_for(db, program, actor.partner_id, create=False) is None:
        raise NotFound("program")
    return _for(actor, program_out(db, program))


def _for(actor: Actor, program: ProgramOut) -> ProgramOut:
    if not actor.is_partner:
        return program
    return replace(program, budget=None, allocated=None, tier_amounts={})


def _eligible_tiers(db: Session, data: ProgramIn) -> list[int]:
    eligible = dict(db.execute(select(Tier.id, Tier.name).where(Tier.mdf_eligible)).all())
    chosen = data.eligible_tier_ids or sorted(eligible)
    unknown = [t for t in chosen if t not in eligible]
    if unknown:
        raise RuleViolation("Choose eligible tiers among those with MDF eligibility: "
                            f"{', '.join(eligible.values()) or 'none has it'}.",
                            field="eligible_tier_ids")
    if not chosen:
        raise RuleViolation("No tier is eligible for funds: give a tier MDF eligibility first.",
                            field="eligible_tier_ids")
    stray = [t for t in data.tier_amounts if t not in chosen]
    if stray:
        raise RuleViolation("The tier rule names a tier the program does not admit.",
                            field="tier_amounts")
    return sorted(chosen)


def create_program(db: Session, actor: Actor, data: ProgramIn | dict, *,
                   now: datetime | None = None) -> ProgramOut:
    require(actor, "fund.programs")
    now = now or utcnow()
    data = as_model(ProgramIn, data)
    tiers = _eligible_tiers(db, data)
    start, end = period_bounds(data.period, data.starts_on)
    program = FundProgram(
        name=data.name, kind=data.kind, period=data.period, starts_on=start, ends_on=end,
        budget=data.budget, eligible_tier_ids=tiers, activity_types=list(data.activity_types),
        reimbursement_bp=_bp(data.reimbursement_percent), accrual_bp=_bp(data.accrual_percent),
        tier_amounts={str(t): int(a * 100) for t, a in data.tier_amounts.items() if a},
        lead_time_days=data.lead_time_days, claim_days=data.claim_days,
        carry_over=data.carry_over, created_by_user_id=actor.user_id, created_at=now)
    db.add(program)
    db.flush()
    audit.record(db, actor, "fund.program_create", "fund_program", program.id,
                 after=_terms(program), now=now)
    return program_out(db, program)


def update_program(db: Session, actor: Actor, program_id: int, data: ProgramIn | dict, *,
                   now: datetime | None = None) -> ProgramOut:
    """New terms. Once money has moved, the kind and the period stay; the budget never drops
    below what is allocated."""
    require(actor, "fund.programs")
    now = now or utcnow()
    data = as_model(ProgramIn, data)
    ledger.lock_program(db, program_id)
    program = load_program(db, program_id)
    tiers = _eligible_tiers(db, data)
    start, end = period_bounds(data.period, data.starts_on)
    moved = db.scalar(select(func.count()).select_from(FundLedgerEntry)
                      .where(FundLedgerEntry.program_id == program.id)) or 0
    if moved and (data.kind, data.period, start) != (program.kind, program.period,
                                                      program.starts_on):
        raise RuleViolation("Money has moved in this program: its kind and period stay.",
                            field="period")
    allocated = ledger.program_allocated(db, program.id)
    if data.budget < allocated:
        raise RuleViolation(f"The budget cannot go below what is allocated "
                            f"({base_money(allocated)}).", field="budget")
    before = _terms(program)
    program.name, program.kind, program.period = data.name, data.kind, data.period
    program.starts_on, program.ends_on, program.budget = start, end, data.budget
    program.eligible_tier_ids, program.activity_types = tiers, list(data.activity_types)
    program.reimbursement_bp = _bp(data.reimbursement_percent)
    program.accrual_bp = _bp(data.accrual_percent)
    program.tier_amounts = {str(t): int(a * 100) for t, a in data.tier_amounts.items() if a}
    program.lead_time_days, program.claim_days = data.lead_time_days, data.claim_days
    program.carry_over, program.updated_at = data.carry_over, now
    db.flush()
    audit.record(db, actor, "fund.program_update", "fund_program", program.id, before=before,
                 after=_terms(program), now=now)
    return program_out(db, program)


def _terms(p: FundProgram) -> dict:
    return audit.snapshot(p, ["name", "kind", "period", "starts_on", "ends_on", "budget",
                              "eligible_tier_ids", "activity_types", "reimbursement_bp",
                              "accrual_bp", "tier_amounts", "lead_time_days", "claim_days",
                              "carry_over"])


# ---------------------------------------------------------------- allocating


def eligible_partners(db: Session, program: FundProgram) -> list[Partner]:
    """Active partners of a tier the program admits that still has MDF eligibility."""
    return list(db.scalars(select(Partner).join(Tier, Tier.id == Partner.tier_id).where(
        Partner.status == "active", Tier.mdf_eligible,
        Partner.tier_id.in_(program.eligible_tier_ids)).order_by(Partner.id)))


def is_eligible(db: Session, program: FundProgram, partner: Partner) -> bool:
    """Whether the partner takes part in the program now: active, of a tier the program
    admits that still has MDF eligibility."""
    eligible = db.scalar(select(Tier.mdf_eligible).where(Tier.id == partner.tier_id))
    return bool(partner.status == "active" and eligible
                and partner.tier_id in program.eligible_tier_ids)


def eligible_choices(db: Session, actor: Actor, program_id: int) -> list[tuple[int, str]]:
    """(id, name) of the partners a program may allocate to, for the allocation form."""
    require(actor, "fund.programs")
    return [(p.id, p.name) for p in eligible_partners(db, load_program(db, program_id))]


def allocation_for(db: Session, program: FundProgram, partner_id: int,
                   *, create: bool = True) -> FundAllocation | None:
    found = db.scalar(select(FundAllocation).where(FundAllocation.program_id == program.id,
                                                   FundAllocation.partner_id == partner_id))
    if found is None and create:
        found = FundAllocation(program_id=program.id, partner_id=partner_id)
        db.add(found)
        db.flush()
    return found


def _open_for_money(program: FundProgram, today: date) -> None:
    if today > program.ends_on:
        raise RuleViolation(f"{program.name} ended on {program.ends_on:%Y-%m-%d}: nothing more "
                            "is allocated in it.", field="program")


def _room(db: Session, program: FundProgram, wanted: Decimal) -> None:
    left = program.budget - ledger.program_allocated(db, program.id)
    if wanted > left:
        raise RuleViolation(f"That is more than the program has left to allocate "
                            f"({base_money(left)} of {base_money(program.budget)}).",
                            field="amount")


@dataclass(frozen=True)
class AllocationResult:
    partners: int
    amount: Decimal
    message: str


def allocate(db: Session, actor: Actor, program_id: int, partner_id: int, amount: Decimal,
             reason: str, *, now: datetime | None = None) -> AllocationResult:
    """Put money into a partner's allocation by hand (marketing's discretion), with a reason;
    a negative amount takes unrequested money back to the program's budget."""
    require(actor, "fund.programs")
    now = now or utcnow()
    reason = checked("reason", text_field, reason, 300, required="Say why (kept in the ledger).")
    if not isinstance(amount, Decimal) or not amount or amount != amount.quantize(CENT):
        raise RuleViolation("Enter the amount in whole cents, other than 0.", field="amount")
    ledger.lock_program(db, program_id)
    program = load_program(db, program_id)
    _open_for_money(program, now.date())
    partner = db.get(Partner, partner_id) if isinstance(partner_id, int) else None
    if partner is None:
        raise NotFound("partner")
    if partner.id not in {p.id for p in eligible_partners(db, program)}:
        raise RuleViolation(f"{partner.name} is not eligible for {program.name} (an active "
                            "partner of a tier it admits).", field="partner")
    allocation = allocation_for(db, program, partner.id)
    ledger.lock_allocation(db, allocation.id)
    if amount > 0:
        _room(db, program, amount)
        ledger.move(db, actor, allocation, "allocate", ledger.BUDGET, ledger.AVAILABLE, amount,
                    reason=reason, now=now)
    else:
        ledger.take(db, actor, allocation, "adjust", ledger.AVAILABLE, ledger.BUDGET, -amount,
                    "Only unrequested money is taken back: {have} is available.",
                    reason=reason, now=now)
    audit.record(db, actor, "fund.allocate", "fund_allocation", allocation.id,
                 after={"program_id": program.id, "partner_id": partner.id, "amount": amount,
                        "reason": reason}, partner_id=partner.id, now=now)
    events.publish(db, FundsAllocated(actor=actor, at=now, program_id=program.id,
                                      amounts=((partner.id, amount),), how="hand"))
    if amount > 0:
        notify_partner(db, partner.id, f"{base_money(amount)} allocated in {program.name}",
                       f"Reason: {reason}. Open Funds to request it for an activity.",
                       dedupe_key=f"fund-allocate:{allocation.id}:{now.isoformat()}",
                       link="funds", now=now)
    return AllocationResult(1, amount, f"{base_money(amount)} to {partner.name}.")


def allocate_by_tier(db: Session, actor: Actor, program_id: int, *,
                     now: datetime | None = None) -> AllocationResult:
    """The tier rule: each eligible partner not granted money in the program yet (by hand or
    by the rule; carried-in money is no grant) gets its tier's amount. All or nothing:
    refused when the program's budget cannot cover every one."""
    require(actor, "fund.programs")
    now = now or utcnow()
    ledger.lock_program(db, program_id)
    program = load_program(db, program_id)
    _open_for_money(program, now.date())
    rule = {int(k): Decimal(v) / 100 for k, v in (program.tier_amounts or {}).items()}
    if not rule:
        raise RuleViolation("The program has no tier rule: give each tier its amount first.",
                            field="tier_amounts")
    # Granted already (by hand or by the rule): money carried in or accrued is no grant.
    have = set(db.scalars(select(FundLedgerEntry.partner_id).where(
        FundLedgerEntry.program_id == program.id, FundLedgerEntry.kind == "allocate")))
    due = [(p, rule[p.tier_id].quantize(CENT)) for p in eligible_partners(db, program)
           if p.id not in have and rule.get(p.tier_id)]
    wanted = sum((a for _, a in due), ledger.ZERO)
    if not due:
        return AllocationResult(0, ledger.ZERO, "Every eligible partner has an allocation "
                                "already: nothing to do.")
    _room(db, program, wanted)
    for partner, amount in due:
        allocation = allocation_for(db, program, partner.id)
        ledger.move(db, actor, allocation, "allocate", ledger.BUDGET, ledger.AVAILABLE, amount,
                    reason="Tier rule", now=now)
    audit.record(db, actor, "fund.allocate_by_tier", "fund_program", program.id,
                 after={"partners": len(due), "amount": wanted}, now=now)
    events.publish(db, FundsAllocated(actor=actor, at=now, program_id=program.id,
                                      amounts=tuple((p.id, a) for p, a in due), how="tier"))
    for partner, amount in due:
        notify_partner(db, partner.id, f"{base_money(amount)} allocated in {program.name}",
                       "Your tier's allocation. Open Funds to request it for an activity.",
                       dedupe_key=f"fund-tier:{program.id}", link="funds", now=now)
    return AllocationResult(len(due), wanted, f"{base_money(wanted)} to {len(due)} partners.")


# ---------------------------------------------------------------- co-op accrual


def accrue_coop(db: Session, *, now: datetime | None = None) -> str:
    """Co-op programs accrue each eligible partner's share of its revenue in the period so
    far: the deals it won (by close day) and its POS sell-through (clean lines it sold, by
    invoice day; see `_revenue_in`); each run adds only what is new since the last, so
    running twice accrues once. What the budget cannot cover is not accrued (said in the
    result)."""
    now = now or utcnow()
    actor = Actor.system("fund-deadlines")
    today, accrued, short = now.date(), ledger.ZERO, 0
    programs = db.scalars(select(FundProgram).where(FundProgram.kind == "coop",
                                                    FundProgram.starts_on <= today,
                                                    FundProgram.ends_on >= today - timedelta(
                                                        days=7))).all()
    for program in programs:
        ledger.lock_program(db, program.id)
        base = _revenue_in(db, program, min(today, program.ends_on))
        done = dict(db.execute(select(FundLedgerEntry.partner_id, func.sum(FundLedgerEntry.amount))
                               .where(FundLedgerEntry.program_id == program.id,
                                      FundLedgerEntry.kind == "accrue")
                               .group_by(FundLedgerEntry.partner_id)).all())
        amounts = []
        for partner in eligible_partners(db, program):
            target = (base.get(partner.id, ledger.ZERO) * program.accrual_bp / BP).quantize(
                CENT, ROUND_HALF_UP)
            # Only ever forward: when the base falls (a POS return, a deal's amount lowered),
            # what was accrued stays (the partner may have requested it already); the next
            # runs accrue nothing until the base passes what was accrued again.
            due = target - done.get(partner.id, ledger.ZERO)
            left = program.budget - ledger.program_allocated(db, program.id)
            if due > left:
                due, short = left, short + 1
            if due <= 0:
                continue
            allocation = allocation_for(db, program, partner.id)
            ledger.move(db, actor, allocation, "accrue", ledger.BUDGET, ledger.AVAILABLE, due,
                        reason=f"{_percent(program.accrual_bp)}% of won revenue and POS sales",
                        now=now)
            amounts.append((partner.id, due))
            accrued += due
        if amounts:
            events.publish(db, FundsAllocated(actor=actor, at=now, program_id=program.id,
                                              amounts=tuple(amounts), how="accrual"))
    note = f"; {short} partner(s) short of budget" if short else ""
    return f"accrued {base_money(accrued, symbol=False)}{note}"


def _revenue_in(db: Session, program: FundProgram, last: date) -> dict[int, Decimal]:
    """{partner id: base} from the program's first day to `last`: the final amounts of the
    deals it won, plus the base-currency amounts of the clean POS lines it sold (returns are
    negative lines). A POS line that confirmed a registration (its deal_id set) counts
    through that deal, not twice."""
    d, pos = DealRegistration, PosLine
    out: dict[int, Decimal] = {}
    won = select(d.partner_id, func.sum(d.final_amount)).where(
        d.status == DealStatus.WON.value, d.closed_on >= program.starts_on,
        d.closed_on <= last).group_by(d.partner_id)
    sold = select(pos.seller_id, func.sum(pos.amount)).where(
        pos.deal_id.is_(None), pos.invoice_date >= program.starts_on,
        pos.invoice_date <= last).group_by(pos.seller_id)
    for query in (won, sold):
        for partner, amount in db.execute(query).all():
            if amount:
                out[int(partner)] = out.get(int(partner), ledger.ZERO) + amount
    return out
