"""What funds tell the rest of the system (core.events): money allocated or accrued, a
request's or a claim's decision, a claim paid. The scorecard and the CRM outbox follow them."""

from dataclasses import dataclass
from decimal import Decimal

from core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class FundsAllocated(DomainEvent):
    """Money put into partners' allocations of one program (by hand, tier rule, accrual or
    carry-over): (partner id, amount) each."""

    program_id: int
    amounts: tuple[tuple[int, Decimal], ...]
    how: str


@dataclass(frozen=True, kw_only=True)
class FundRequestChanged(DomainEvent):
    request_id: int
    partner_id: int
    status: str


@dataclass(frozen=True, kw_only=True)
class FundClaimChanged(DomainEvent):
    claim_id: int
    request_id: int
    partner_id: int
    status: str


@dataclass(frozen=True, kw_only=True)
class FundClaimPaid(DomainEvent):
    """A payment recorded against an approved claim (claim.paid for the CRM outbox)."""

    claim_id: int
    request_id: int
    partner_id: int
    amount: Decimal
    reference: str
