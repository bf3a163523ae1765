"""What tiers tell the rest of the system (see core.events)."""

from dataclasses import dataclass

from core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class PartnerTierChanged(DomainEvent):
    partner_id: int
    from_tier: str
    to_tier: str
    source: str  # proposal / override / manual
    reason: str
