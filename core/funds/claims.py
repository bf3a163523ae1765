"""Claims: after its activity, the partner admin claims an approved request with the actual
spend, the amount claimed (at most the commitment, and at most the program's reimbursement
share of the spend), the results and proof-of-performance files. Finance approves all or part
(the rest of the commitment is released), rejects it with a reason (the commitment is
released) or asks for more proof, then records the payment (date, reference, amount)."""

from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from sqlalchemy.orm import Session

from core import audit, events
from core.actor import Actor, Role
from core.errors import RuleViolation
from core.funds import ledger
from core.funds.events import FundClaimChanged, FundClaimPaid
from core.funds.files import checked_files, keep_files
from core.funds.programs import load_program
from core.funds.records import add_event, claim_of, load_request, request_out
from core.funds.requests import _allocation, _note
from core.funds.schemas import ClaimIn, PaymentIn, RequestOut
from core.funds.status import CLAIM_TABLE, REQUEST_TABLE, ClaimStatus, RequestStatus
from core.money import base_money
from core.notifications import notify_partner, notify_role, record_link
from core.validation import as_model
from db.models import FundClaim, FundRequest
from db.types import utcnow

C = ClaimStatus
CENT = Decimal("0.01")


def share_of(spend: Decimal, reimbursement_bp: int) -> Decimal:
    """The most a spend can be reimbursed: the program's share, rounded down to the cent."""
    return (spend * reimbursement_bp / Decimal(10_000)).quantize(CENT, ROUND_DOWN)


def submit_claim(db: Session, actor: Actor, request_id: int, data: ClaimIn | dict,
                 files: list[tuple[str, bytes]], *, now: datetime | None = None) -> RequestOut:
    now = now or utcnow()
    request = load_request(db, actor, request_id, "fund.request")
    _allocation(db, request)
    db.refresh(request)
    data = as_model(ClaimIn, data)
    REQUEST_TABLE.check_move(request.status, RequestStatus.CLAIMED)
    today = now.date()
    if today < request.ends_on:
        raise RuleViolation(f"Claim once the activity is over (it ends on "
                            f"{request.ends_on:%Y-%m-%d}).", field="actual_spend")
    if today > request.claim_due_on:
        raise RuleViolation(f"The claim was due by {request.claim_due_on:%Y-%m-%d}.",
                            field="actual_spend")
    program = load_program(db, request.program_id)
    _check_amount(data.claimed_amount, request.approved_amount,
                  share_of(data.actual_spend, program.reimbursement_bp), program)
    if not files:
        raise RuleViolation("Attach proof of performance: invoices, screenshots, attendee "
                            "lists.", field="file")
    checked = checked_files(files)
    claim = FundClaim(request_id=request.id, program_id=request.program_id,
                      partner_id=request.partner_id, actual_spend=data.actual_spend,
                      claimed_amount=data.claimed_amount, leads=data.leads,
                      attendees=data.attendees, opportunities=data.opportunities,
                      note=data.note, status=C.SUBMITTED.value,
                      submitted_by_user_id=actor.user_id, submitted_at=now, updated_at=now)
    db.add(claim)
    db.flush()
    keep_files(db, actor, claim, checked, now)
    request.status, request.updated_at = RequestStatus.CLAIMED.value, now
    add_event(db, actor, request, "claimed", data.note[:300], claim=claim, now=now,
              amount=str(data.claimed_amount), files=len(checked))
    audit.record(db, actor, "fund.claim_submit", "fund_claim", claim.id,
                 after=audit.snapshot(claim, ["request_id", "actual_spend", "claimed_amount",
                                              "leads", "attendees", "opportunities"]),
                 now=now)
    _changed(db, actor, claim, now)
    notify_role(db, Role.FINANCE, f"Fund claim: {request.name}",
                f"{base_money(data.claimed_amount)} claimed with {len(checked)} file(s).",
                dedupe_key=f"fund-claim:{claim.id}:submitted",
                link=record_link("fund_request", request.id), now=now)
    return request_out(db, request)


def _check_amount(claimed: Decimal, committed: Decimal, share: Decimal, program) -> None:
    if claimed > committed:
        raise RuleViolation(f"Claim at most the approved amount ({base_money(committed)}).",
                            field="claimed_amount")
    if claimed > share:
        percent = Decimal(program.reimbursement_bp) / 100
        raise RuleViolation(f"{program.name} reimburses {percent:g}% of the actual spend: at "
                            f"most {base_money(share)} here.", field="claimed_amount")


def _claim(db: Session, actor: Actor, request_id: int, action: str
           ) -> tuple[FundRequest, FundClaim]:
    request = load_request(db, actor, request_id, action)
    _allocation(db, request)
    db.refresh(request)
    claim = claim_of(db, request.id)
    if claim is None:
        raise RuleViolation("This request has no claim yet.")
    db.refresh(claim)
    return request, claim


def add_proof(db: Session, actor: Actor, request_id: int, files: list[tuple[str, bytes]],
              note: str = "", *, now: datetime | None = None) -> RequestOut:
    """More files (and a note) on a claim finance has not decided: a claim finance asked more
    proof of goes back to finance."""
    now = now or utcnow()
    request, claim = _claim(db, actor, request_id, "fund.request")
    if claim.status not in (C.SUBMITTED.value, C.PROOF_REQUESTED.value):
        raise RuleViolation("Finance has decided this claim: no more files are added.",
                            field="file")
    if not files:
        raise RuleViolation("Attach at least one file.", field="file")
    checked = checked_files(files)
    note = _note(note, None)
    keep_files(db, actor, claim, checked, now)
    if claim.status == C.PROOF_REQUESTED.value:
        CLAIM_TABLE.check_move(claim.status, C.SUBMITTED)
        claim.status = C.SUBMITTED.value
    claim.updated_at = now
    add_event(db, actor, request, "added proof", note, claim=claim, now=now,
              files=len(checked))
    audit.record(db, actor, "fund.claim_proof", "fund_claim", claim.id,
                 after={"files": [n for n, _, _ in checked], "note": note}, now=now)
    _changed(db, actor, claim, now)
    notify_role(db, Role.FINANCE, f"More proof for the claim: {request.name}",
                note or f"{len(checked)} file(s) added.",
                dedupe_key=f"fund-claim:{claim.id}:proof:{now.isoformat()}",
                link=record_link("fund_request", request.id), now=now)
    return request_out(db, request)


def approve_claim(db: Session, actor: Actor, request_id: int, amount: Decimal | None = None,
                  note: str = "", *, now: datetime | None = None) -> RequestOut:
    """All (None) or part of the amount claimed; what the commitment held beyond it goes back
    to the partner's available balance."""
    now = now or utcnow()
    request, claim = _claim(db, actor, request_id, "fund.review_claim")
    CLAIM_TABLE.check_move(claim.status, C.APPROVED)
    amount = claim.claimed_amount if amount is None else amount
    if not isinstance(amount, Decimal) or amount <= 0 or amount != amount.quantize(CENT):
        raise RuleViolation("Enter the approved amount in whole cents, above 0.", field="amount")
    if amount > claim.claimed_amount:
        raise RuleViolation(f"Approve at most what was claimed "
                            f"({base_money(claim.claimed_amount)}).", field="amount")
    note = _note(note, None)
    allocation = _allocation(db, request)
    ledger.move(db, actor, allocation, "approve_claim", ledger.COMMITTED, ledger.APPROVED,
                amount, reason=note or "Claim approved", request_id=request.id,
                claim_id=claim.id, now=now)
    rest = request.approved_amount - amount
    if rest:
        ledger.move(db, actor, allocation, "release", ledger.COMMITTED, ledger.AVAILABLE, rest,
                    reason="The commitment not claimed", request_id=request.id,
                    claim_id=claim.id, now=now)
    claim.status, claim.approved_amount = C.APPROVED.value, amount
    _decided(db, actor, request, claim, note, now, "approved claim", amount=str(amount))
    notify_partner(db, request.partner_id, f"Claim approved: {request.name}",
                   f"{base_money(amount)} approved for payment." + (
                       f" Note: {note}" if note else ""),
                   dedupe_key=f"fund-claim:{claim.id}:approved",
                   link=record_link("fund_request", request.id), now=now)
    return request_out(db, request)


def reject_claim(db: Session, actor: Actor, request_id: int, reason: str, *,
                 now: datetime | None = None) -> RequestOut:
    now = now or utcnow()
    request, claim = _claim(db, actor, request_id, "fund.review_claim")
    CLAIM_TABLE.check_move(claim.status, C.REJECTED)
    reason = _note(reason, "why the claim is rejected")
    allocation = _allocation(db, request)
    ledger.move(db, actor, allocation, "release", ledger.COMMITTED, ledger.AVAILABLE,
                request.approved_amount, reason="Claim rejected", request_id=request.id,
                claim_id=claim.id, now=now)
    claim.status = C.REJECTED.value
    _decided(db, actor, request, claim, reason, now, "rejected claim")
    notify_partner(db, request.partner_id, f"Claim rejected: {request.name}",
                   f"Reason: {reason}", dedupe_key=f"fund-claim:{claim.id}:rejected",
                   link=record_link("fund_request", request.id), now=now)
    return request_out(db, request)


def ask_claim_proof(db: Session, actor: Actor, request_id: int, question: str, *,
                    now: datetime | None = None) -> RequestOut:
    now = now or utcnow()
    request, claim = _claim(db, actor, request_id, "fund.review_claim")
    CLAIM_TABLE.check_move(claim.status, C.PROOF_REQUESTED)
    question = _note(question, "what proof is missing")
    claim.status = C.PROOF_REQUESTED.value
    _decided(db, actor, request, claim, question, now, "asked for more proof")
    notify_partner(db, request.partner_id, f"More proof needed: {request.name}",
                   f"Finance asks: {question}",
                   dedupe_key=f"fund-claim:{claim.id}:proof-asked:{now.isoformat()}",
                   link=record_link("fund_request", request.id), now=now)
    return request_out(db, request)


def record_payment(db: Session, actor: Actor, request_id: int, data: PaymentIn | dict, *,
                   now: datetime | None = None) -> RequestOut:
    """A payment of an approved claim (in one or several parts, never above what was
    approved); the claim is paid once paid in full."""
    now = now or utcnow()
    request, claim = _claim(db, actor, request_id, "fund.pay")
    data = as_model(PaymentIn, data)
    if claim.status != C.APPROVED.value:
        CLAIM_TABLE.check_move(claim.status, C.PAID)
    if data.paid_on > now.date():
        raise RuleViolation("A payment is recorded once made: the date is today or earlier.",
                            field="paid_on")
    outstanding = claim.approved_amount - claim.paid_amount
    if data.amount > outstanding:
        raise RuleViolation(f"At most the approved amount still unpaid "
                            f"({base_money(outstanding)}).", field="amount")
    allocation = _allocation(db, request)
    ledger.move(db, actor, allocation, "pay", ledger.APPROVED, ledger.PAID, data.amount,
                reason=f"Payment {data.reference} on {data.paid_on:%Y-%m-%d}",
                request_id=request.id, claim_id=claim.id, now=now)
    claim.paid_amount += data.amount
    claim.paid_on, claim.payment_reference = data.paid_on, data.reference
    if claim.paid_amount == claim.approved_amount:
        claim.status = C.PAID.value
    claim.updated_at = now
    add_event(db, actor, request, "paid", data.reference, claim=claim, now=now,
              amount=str(data.amount))
    audit.record(db, actor, "fund.claim_pay", "fund_claim", claim.id,
                 after={"amount": data.amount, "reference": data.reference,
                        "paid_on": data.paid_on}, partner_id=claim.partner_id, now=now)
    _changed(db, actor, claim, now)
    events.publish(db, FundClaimPaid(actor=actor, at=now, claim_id=claim.id,
                                     request_id=request.id, partner_id=claim.partner_id,
                                     amount=data.amount, reference=data.reference))
    notify_partner(db, request.partner_id, f"Claim paid: {request.name}",
                   f"{base_money(data.amount)} paid on {data.paid_on:%Y-%m-%d}, reference "
                   f"{data.reference}.", dedupe_key=f"fund-claim:{claim.id}:paid:"
                   f"{now.isoformat()}", link=record_link("fund_request", request.id), now=now)
    return request_out(db, request)


def _decided(db: Session, actor: Actor, request: FundRequest, claim: FundClaim, note: str,
             now: datetime, action: str, **details) -> None:
    claim.decision_note = note or None
    claim.decided_by_user_id, claim.decided_at, claim.updated_at = actor.user_id, now, now
    add_event(db, actor, request, action, note, claim=claim, now=now, **details)
    audit.record(db, actor, f"fund.claim_{claim.status}", "fund_claim", claim.id,
                 after={"status": claim.status, "note": note, **details},
                 partner_id=claim.partner_id, now=now)
    _changed(db, actor, claim, now)


def _changed(db: Session, actor: Actor, claim: FundClaim, now: datetime) -> None:
    events.publish(db, FundClaimChanged(actor=actor, at=now, claim_id=claim.id,
                                        request_id=claim.request_id,
                                        partner_id=claim.partner_id, status=claim.status))
