"""What lead distribution tells the rest of the system (core.events): each offer made and
answered, and each lead's outcome. Scorecard facts and the CRM outbox follow them."""

from dataclasses import dataclass

from core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class LeadsOffered(DomainEvent):
    """Offers made by one routing batch, one recycle or one hand assignment: (lead id, offer
    id, partner id) each."""

    offers: tuple[tuple[int, int, int], ...]
    by_hand: bool = False


@dataclass(frozen=True, kw_only=True)
class LeadOfferAnswered(DomainEvent):
    """An offer ended: accepted, rejected, lapsed or withdrawn (`outcome`), `hours` after it
    was made."""

    lead_id: int
    offer_id: int
    partner_id: int
    outcome: str
    hours: float


@dataclass(frozen=True, kw_only=True)
class LeadClosed(DomainEvent):
    """A partner's lead converted into a deal or disqualified, or a lead returned."""

    lead_id: int
    partner_id: int | None
    outcome: str  # "converted", "disqualified" or "returned"
    deal_id: int | None = None
