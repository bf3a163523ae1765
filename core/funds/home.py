"""Funds' queues on Home: marketing's requests waiting for a decision, finance's claims to
decide and approved claims to pay; a partner admin's requests waiting on its answer, claims
due (with the nearest deadline), and what its company has available."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.funds import ledger
from core.funds.status import ClaimStatus, RequestStatus
from core.home import Waiting, counted, queue
from core.money import base_money
from core.permissions import can
from db.models import FundAllocation, FundClaim, FundProgram, FundRequest


def _count(db: Session, model, *where) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where)) or 0


@queue
def vendor_funds(db: Session, actor: Actor, now: datetime) -> list[Waiting]:
    out = []
    if can(actor, "fund.review_request"):
        out.append(counted("Fund requests waiting for a decision", _count(
            db, FundRequest, FundRequest.status == RequestStatus.SUBMITTED.value),
            "fund_desk"))
    if can(actor, "fund.review_claim"):
        out.append(counted("Fund claims waiting for finance", _count(
            db, FundClaim, FundClaim.status == ClaimStatus.SUBMITTED.value), "fund_desk"))
    if can(actor, "fund.pay"):
        out.append(counted("Approved claims to pay", _count(
            db, FundClaim, FundClaim.status == ClaimStatus.APPROVED.value), "fund_desk"))
    return out


@queue
def partner_funds(db: Session, actor: Actor, now: datetime) -> list[Waiting]:
    if not can(actor, "fund.request") or actor.partner_id is None:
        return []
    mine = FundRequest.partner_id == actor.partner_id
    asked = _count(db, FundRequest, mine,
                   FundRequest.status == RequestStatus.INFO_REQUESTED.value)
    proof = _count(db, FundClaim, FundClaim.partner_id == actor.partner_id,
                   FundClaim.status == ClaimStatus.PROOF_REQUESTED.value)
    due, first = db.execute(select(func.count(), func.min(FundRequest.claim_due_on)).where(
        mine, FundRequest.status == RequestStatus.APPROVED.value)).one()
    # What can still be requested: the available money of programs not yet over.
    running = list(db.scalars(select(FundAllocation.id).join(
        FundProgram, FundProgram.id == FundAllocation.program_id).where(
        FundAllocation.partner_id == actor.partner_id, FundProgram.ends_on >= now.date())))
    available = ledger.total(ledger.balances(db, allocation_ids=running)).available \
        if running else 0
    out = [counted("Fund requests waiting for your answer", asked + proof, "funds"),
           counted("Approved activities to claim", due or 0, "funds",
                   f"the first is due by {first:%Y-%m-%d}" if first else "")]
    if available:
        out.append(Waiting("Funds available to request", base_money(available), "funds",
                           count=1))
    return out
