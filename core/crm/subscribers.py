"""The domain events that go out as webhooks, each written to the outbox in the transaction of
the change (core.events runs subscribers there)."""

from sqlalchemy.orm import Session

from core.crm.outbox import emit
from core.deals.events import DealRegistered, DealStatusChanged
from core.events import subscriber
from core.funds.events import FundClaimPaid
from core.incentives.events import IncentivePaid, StatementApproved
from core.leads.events import LeadClosed, LeadOfferAnswered
from core.tiers.events import PartnerTierChanged

DEAL_STATUSES = {"approved", "rejected", "expired", "won", "lost"}


@subscriber(DealRegistered)
def deal_registered(db: Session, e: DealRegistered) -> None:
    emit(db, "deal.registered", f"deal:{e.deal_id}", e.partner_id,
         {"deal_id": e.deal_id, "partner_id": e.partner_id, "amount": e.amount}, e.at)


@subscriber(DealStatusChanged)
def deal_status(db: Session, e: DealStatusChanged) -> None:
    if e.to_status in DEAL_STATUSES:
        emit(db, f"deal.{e.to_status}", f"deal:{e.deal_id}", e.partner_id,
             {"deal_id": e.deal_id, "partner_id": e.partner_id, "from_status": e.from_status,
              "status": e.to_status, "amount": e.amount}, e.at)


@subscriber(LeadOfferAnswered)
def lead_answer(db: Session, e: LeadOfferAnswered) -> None:
    if e.outcome in ("accepted", "rejected"):
        emit(db, f"lead.{e.outcome}", f"lead:{e.lead_id}", e.partner_id,
             {"lead_id": e.lead_id, "partner_id": e.partner_id, "offer_id": e.offer_id}, e.at)


@subscriber(LeadClosed)
def lead_closed(db: Session, e: LeadClosed) -> None:
    if e.outcome in ("returned", "converted"):
        emit(db, f"lead.{e.outcome}", f"lead:{e.lead_id}", e.partner_id,
             {"lead_id": e.lead_id, "partner_id": e.partner_id, "deal_id": e.deal_id}, e.at)


@subscriber(FundClaimPaid)
def claim_paid(db: Session, e: FundClaimPaid) -> None:
    emit(db, "claim.paid", f"claim:{e.claim_id}", e.partner_id,
         {"claim_id": e.claim_id, "request_id": e.request_id, "partner_id": e.partner_id,
          "amount": e.amount, "reference": e.reference}, e.at)


@subscriber(PartnerTierChanged)
def tier_changed(db: Session, e: PartnerTierChanged) -> None:
    emit(db, "partner.tier_changed", f"partner:{e.partner_id}", e.partner_id,
         {"partner_id": e.partner_id, "from_tier": e.from_tier, "to_tier": e.to_tier,
          "source": e.source}, e.at)


@subscriber(StatementApproved)
def statement_approved(db: Session, e: StatementApproved) -> None:
    emit(db, "incentive.approved", f"statement:{e.statement_id}", e.partner_id,
         {"statement_id": e.statement_id, "partner_id": e.partner_id, "quarter": e.quarter,
          "amount": e.amount}, e.at)


@subscriber(IncentivePaid)
def incentive_paid(db: Session, e: IncentivePaid) -> None:
    emit(db, "incentive.paid", f"statement:{e.statement_id}", e.partner_id,
         {"statement_id": e.statement_id, "partner_id": e.partner_id, "quarter": e.quarter,
          "amount": e.amount, "reference": e.reference}, e.at)
