"""What deal registration tells the rest of the system (see core.events): onboarding ticks the
first deal, scorecard facts (core.analytics) follow every change; the CRM outbox will."""

from dataclasses import dataclass
from decimal import Decimal

from core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class DealRegistered(DomainEvent):
    deal_id: int
    partner_id: int
    amount: Decimal  # the partner's estimate


@dataclass(frozen=True, kw_only=True)
class DealChanged(DomainEvent):
    """Any audited change of a registration (its action as audited: "deal.update",
    "deal.final_amount", "deal.approve", ...), after the change; status moves also publish
    DealStatusChanged."""

    deal_id: int
    partner_id: int
    action: str


@dataclass(frozen=True, kw_only=True)
class DealStatusChanged(DomainEvent):
    """Every move along the registration's transition table (approved, won, expired, ...)."""

    deal_id: int
    partner_id: int
    from_status: str
    to_status: str
    amount: Decimal  # the final amount once known, else the estimate
