"""Requests for funds: a partner admin asks for money for a planned activity, and the amount
is held against its available balance at once (under the allocation's lock, so two requests
cannot spend the same money); marketing approves all or part (the hold becomes a commitment,
the rest is released), rejects it with a reason (the hold is released) or asks for more
information, which the partner answers. The partner may withdraw a request not yet decided."""

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from core import audit, events
from core.actor import Actor, Role
from core.errors import RuleViolation
from core.funds import ledger
from core.funds.events import FundRequestChanged
from core.funds.programs import allocation_for, is_eligible, load_program
from core.funds.records import add_event, load_request, request_out
from core.funds.schemas import RequestIn, RequestOut
from core.funds.status import ACTIVITY_TYPES, REQUEST_TABLE, RequestStatus
from core.money import base_money
from core.notifications import notify_partner, notify_role, record_link
from core.partners import partner_for
from core.validation import as_model
from core.validation.parsers import checked, text_field
from db.models import FundAllocation, FundRequest
from db.types import utcnow

S = RequestStatus
NOTE_MAX = 1000


def _note(note: str, what: str | None) -> str:
    text = checked("note", text_field, note, NOTE_MAX, multiline=True)
    if what and not text:
        raise RuleViolation(f"Say {what}.", field="note")
    return text


def submit_request(db: Session, actor: Actor, data: RequestIn | dict, *,
                   now: datetime | None = None) -> RequestOut:
    """Refused, with the reason, when the program does not allow the activity's type, the
    activity falls outside the program's period, it starts sooner than the program's lead
    time allows, or the amount exceeds what the partner has available."""
    now = now or utcnow()
    partner = partner_for(db, actor, actor.partner_id, "fund.request")
    data = as_model(RequestIn, data)
    program = load_program(db, data.program_id)
    allocation = allocation_for(db, program, partner.id, create=False)
    if allocation is None:
        raise RuleViolation(f"Your company has no allocation in {program.name}.",
                            field="program_id")
    if not is_eligible(db, program, partner):
        raise RuleViolation(f"Your company's tier no longer takes part in {program.name}: "
                            "ask your channel manager.", field="program_id")
    _check_terms(program, data, now)
    ledger.lock_allocation(db, allocation.id)
    request = FundRequest(
        program_id=program.id, allocation_id=allocation.id, partner_id=partner.id,
        activity_type=data.activity_type, name=data.name, starts_on=data.starts_on,
        ends_on=data.ends_on, description=data.description,
        requested_amount=data.requested_amount, expected_leads=data.expected_leads,
        expected_pipeline=data.expected_pipeline, status=S.SUBMITTED.value,
        submitted_by_user_id=actor.user_id, submitted_at=now, updated_at=now)
    db.add(request)
    db.flush()
    ledger.take(db, actor, allocation, "hold", ledger.AVAILABLE, ledger.HELD,
                data.requested_amount, "That is more than your company has available in "
                f"{program.name}: {{have}}.", reason="Request submitted",
                request_id=request.id, now=now)
    add_event(db, actor, request, "submitted", data.description[:300], now=now,
              amount=str(data.requested_amount))
    audit.record(db, actor, "fund.request_submit", "fund_request", request.id,
                 after=audit.snapshot(request, ["program_id", "activity_type", "name",
                                                "starts_on", "ends_on", "requested_amount"]),
                 now=now)
    _changed(db, actor, request, now)
    notify_role(db, Role.MARKETING_OPS, f"Fund request from {partner.name}",
                f"{request.name}: {base_money(request.requested_amount)} in {program.name}.",
                dedupe_key=f"fund-request:{request.id}:submitted",
                link=record_link("fund_request", request.id), now=now)
    return request_out(db, request)


def _check_terms(program, data: RequestIn, now: datetime) -> None:
    today = now.date()
    if data.activity_type not in program.activity_types:
        allowed = ", ".join(ACTIVITY_TYPES[t] for t in program.activity_types)
        raise RuleViolation(f"{program.name} does not fund this type of activity; it funds: "
                            f"{allowed}.", field="activity_type")
    if data.starts_on < program.starts_on or data.ends_on > program.ends_on:
        raise RuleViolation(f"The activity must take place within {program.name}'s period, "
                            f"{program.starts_on:%Y-%m-%d} to {program.ends_on:%Y-%m-%d}.",
                            field="starts_on")
    earliest = today + timedelta(days=program.lead_time_days)
    if data.starts_on < earliest:
        raise RuleViolation(f"{program.name} needs requests {program.lead_time_days} days "
                            f"before the activity starts: the earliest start now is "
                            f"{earliest:%Y-%m-%d}.", field="starts_on")


def _changed(db: Session, actor: Actor, request: FundRequest, now: datetime) -> None:
    events.publish(db, FundRequestChanged(actor=actor, at=now, request_id=request.id,
                                          partner_id=request.partner_id,
                                          status=request.status))


def _allocation(db: Session, request: FundRequest) -> FundAllocation:
    allocation = db.get(FundAllocation, request.allocation_id)
    ledger.lock_allocation(db, allocation.id)
    return allocation


def approve_request(db: Session, actor: Actor, request_id: int, amount: Decimal | None = None,
                    note: str = "", *, now: datetime | None = None) -> RequestOut:
    """Approve all (amount None) or part: the approved amount is committed, the rest of the
    hold released; the claim is due `claim_days` after the activity ends."""
    now = now or utcnow()
    request = load_request(db, actor, request_id, "fund.review_request")
    allocation = _allocation(db, request)
    db.refresh(request)
    REQUEST_TABLE.check_move(request.status, S.APPROVED)
    amount = request.requested_amount if amount is None else amount
    if not isinstance(amount, Decimal) or amount <= 0 or amount != amount.quantize(
            Decimal("0.01")):
        raise RuleViolation("Enter the approved amount in whole cents, above 0.", field="amount")
    if amount > request.requested_amount:
        raise RuleViolation(f"Approve at most what was requested "
                            f"({base_money(request.requested_amount)}).", field="amount")
    note = _note(note, None)
    program = load_program(db, request.program_id)
    ledger.move(db, actor, allocation, "commit", ledger.HELD, ledger.COMMITTED, amount,
                reason=note or "Request approved", request_id=request.id, now=now)
    rest = request.requested_amount - amount
    if rest:
        ledger.move(db, actor, allocation, "release", ledger.HELD, ledger.AVAILABLE, rest,
                    reason="The part not approved", request_id=request.id, now=now)
    request.status, request.approved_amount = S.APPROVED.value, amount
    request.claim_due_on = request.ends_on + timedelta(days=program.claim_days)
    _decided(db, actor, request, note, now, "approved", amount=str(amount))
    part = "" if not rest else f" of {base_money(request.requested_amount)}"
    notify_partner(db, request.partner_id, f"Fund request approved: {request.name}",
                   f"{base_money(amount)}{part} approved. Claim it with proof of performance "
                   f"by {request.claim_due_on:%Y-%m-%d}." + (f" Note: {note}" if note else ""),
                   dedupe_key=f"fund-request:{request.id}:approved",
                   link=record_link("fund_request", request.id), now=now)
    return request_out(db, request)


def reject_request(db: Session, actor: Actor, request_id: int, reason: str, *,
                   now: datetime | None = None) -> RequestOut:
    now = now or utcnow()
    request = load_request(db, actor, request_id, "fund.review_request")
    allocation = _allocation(db, request)
    db.refresh(request)
    REQUEST_TABLE.check_move(request.status, S.REJECTED)
    reason = _note(reason, "why the request is rejected")
    ledger.move(db, actor, allocation, "release", ledger.HELD, ledger.AVAILABLE,
                request.requested_amount, reason="Request rejected", request_id=request.id,
                now=now)
    request.status = S.REJECTED.value
    _decided(db, actor, request, reason, now, "rejected")
    notify_partner(db, request.partner_id, f"Fund request rejected: {request.name}",
                   f"Reason: {reason}. The amount is available again.",
                   dedupe_key=f"fund-request:{request.id}:rejected",
                   link=record_link("fund_request", request.id), now=now)
    return request_out(db, request)


def ask_request_info(db: Session, actor: Actor, request_id: int, question: str, *,
                     now: datetime | None = None) -> RequestOut:
    """The amount stays held while the partner answers."""
    now = now or utcnow()
    request = load_request(db, actor, request_id, "fund.review_request", lock=True)
    _allocation(db, request)
    db.refresh(request)
    REQUEST_TABLE.check_move(request.status, S.INFO_REQUESTED)
    question = _note(question, "what you need to know")
    request.status = S.INFO_REQUESTED.value
    _decided(db, actor, request, question, now, "asked for more information")
    notify_partner(db, request.partner_id, f"More information needed: {request.name}",
                   f"Marketing asks: {question}", dedupe_key=f"fund-request:{request.id}:info:"
                   f"{now.isoformat()}", link=record_link("fund_request", request.id), now=now)
    return request_out(db, request)


def answer_request(db: Session, actor: Actor, request_id: int, answer: str, *,
                   now: datetime | None = None) -> RequestOut:
    now = now or utcnow()
    request = load_request(db, actor, request_id, "fund.request")
    _allocation(db, request)
    db.refresh(request)
    if request.status != S.INFO_REQUESTED.value:
        raise RuleViolation("Nobody asked for more information on this request.",
                            field="note")
    answer = _note(answer, "your answer")
    request.status, request.updated_at = S.SUBMITTED.value, now
    add_event(db, actor, request, "answered", answer, now=now)
    audit.record(db, actor, "fund.request_answer", "fund_request", request.id,
                 after={"answer": answer}, now=now)
    _changed(db, actor, request, now)
    notify_role(db, Role.MARKETING_OPS, f"Fund request answered: {request.name}", answer,
                dedupe_key=f"fund-request:{request.id}:answer:{now.isoformat()}",
                link=record_link("fund_request", request.id), now=now)
    return request_out(db, request)


def withdraw_request(db: Session, actor: Actor, request_id: int, *,
                     now: datetime | None = None) -> RequestOut:
    now = now or utcnow()
    request = load_request(db, actor, request_id, "fund.request")
    allocation = _allocation(db, request)
    db.refresh(request)
    REQUEST_TABLE.check_move(request.status, S.WITHDRAWN)
    ledger.move(db, actor, allocation, "release", ledger.HELD, ledger.AVAILABLE,
                request.requested_amount, reason="Request withdrawn", request_id=request.id,
                now=now)
    request.status, request.updated_at = S.WITHDRAWN.value, now
    add_event(db, actor, request, "withdrawn", now=now)
    audit.record(db, actor, "fund.request_withdraw", "fund_request", request.id, now=now)
    _changed(db, actor, request, now)
    return request_out(db, request)


def _decided(db: Session, actor: Actor, request: FundRequest, note: str, now: datetime,
             action: str, **details) -> None:
    request.decision_note = note or None
    request.decided_by_user_id, request.decided_at, request.updated_at = \
        actor.user_id, now, now
    add_event(db, actor, request, action, note, now=now, **details)
    audit.record(db, actor, f"fund.request_{request.status}", "fund_request", request.id,
                 after={"status": request.status, "note": note, **details}, now=now,
                 partner_id=request.partner_id)
    _changed(db, actor, request, now)

