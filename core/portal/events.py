"""What the portal tells the rest of the system (core.events): engagement signals for the
scorecard (an asset taken, an announcement read) and a request's messages."""

from dataclasses import dataclass

from core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class AssetDownloaded(DomainEvent):
    partner_id: int
    asset_id: int
    version: int
    cobranded: bool


@dataclass(frozen=True, kw_only=True)
class AnnouncementRead(DomainEvent):
    partner_id: int
    announcement_id: int


@dataclass(frozen=True, kw_only=True)
class RequestChanged(DomainEvent):
    request_id: int
    partner_id: int
    status: str
