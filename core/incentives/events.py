"""What incentives tell the rest of the system (core.events): a calculation's accruals, a
statement approved, a payment. The scorecard and the CRM outbox follow them."""

from dataclasses import dataclass
from decimal import Decimal

from core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class IncentivesCalculated(DomainEvent):
    """A quarter calculated: what it posted, (partner id, net difference) each."""

    run_id: int
    quarter: str
    amounts: tuple[tuple[int, Decimal], ...]


@dataclass(frozen=True, kw_only=True)
class StatementApproved(DomainEvent):
    statement_id: int
    partner_id: int
    quarter: str
    amount: Decimal


@dataclass(frozen=True, kw_only=True)
class IncentivePaid(DomainEvent):
    """A payment on a statement (incentive.paid for the CRM outbox); negative: recovered."""

    statement_id: int
    partner_id: int
    quarter: str
    amount: Decimal
    reference: str
