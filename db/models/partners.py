from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base
from db.types import Money, UTCDateTime, utcnow


class Tier(Base):
    """A partner level, the rules for earning it and its benefits; every feature reads
    benefits from here, and core.tiers evaluates partners against the rules."""

    __tablename__ = "tiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    rank: Mapped[int] = mapped_column(Integer, unique=True)
    deal_protection_days: Mapped[int] = mapped_column(Integer)
    auto_approve_clear_deals: Mapped[bool] = mapped_column(Boolean, default=False)
    mdf_eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    lead_weight: Mapped[int] = mapped_column(Integer, default=1)
    discount_percent: Mapped[int] = mapped_column(Integer, default=0)
    # Rules, edited by the admin: won revenue in the trailing 12 months (won registrations by
    # close date) and currently certified users that a partner needs for this tier.
    min_won_revenue: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    min_certified_users: Mapped[int] = mapped_column(Integer, default=0)


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    website: Mapped[str | None] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2))
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    partner_type: Mapped[str] = mapped_column(String(30))
    industries: Mapped[list[str]] = mapped_column(JSON, default=list)
    tier_id: Mapped[int] = mapped_column(ForeignKey("tiers.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    channel_manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", use_alter=True), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tier: Mapped[Tier] = relationship(lazy="joined")
