"""Tier proposals (what the evaluation suggests, until someone decides) and tier changes (the
history of every partner's tier: who, when, from, to, why and how)."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import Money, UTCDateTime, utcnow

OPEN = "open"


class TierProposal(Base):
    """A promotion or demotion the evaluation proposes for one partner.

    Status: open (waiting for the channel team), confirmed, overridden (another tier was set),
    dismissed, or closed (the evaluation found it no longer applies, or the tier was set by
    hand meanwhile). At most one open proposal per partner: the partial unique index holds
    that even when two evaluations overlap."""

    __tablename__ = "tier_proposals"
    __table_args__ = (
        Index("uq_tier_proposals_open_partner_id", "partner_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        Index("ix_tier_proposals_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    from_tier_id: Mapped[int] = mapped_column(ForeignKey("tiers.id"))
    to_tier_id: Mapped[int] = mapped_column(ForeignKey("tiers.id"))
    reason: Mapped[str] = mapped_column(String(500))
    # The figures the reason was written from, as of the last evaluation.
    won_revenue: Mapped[Decimal] = mapped_column(Money)
    certified_users: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default=OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Why it was overridden, dismissed or closed.
    decision_note: Mapped[str | None] = mapped_column(String(500))


class TierChange(Base):
    """One move of a partner from one tier to another. source: "proposal" (a proposal
    confirmed), "override" (a proposal overridden with another tier) or "manual"."""

    __tablename__ = "tier_changes"
    # core.history writes the time and the actor into these (other timelines: at, actor_...).
    HISTORY_COLUMNS = ("changed_at", "changed_by_user_id", "changed_by_label")
    __table_args__ = (Index("ix_tier_changes_partner_id_changed_at", "partner_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    from_tier_id: Mapped[int] = mapped_column(ForeignKey("tiers.id"))
    to_tier_id: Mapped[int] = mapped_column(ForeignKey("tiers.id"))
    reason: Mapped[str] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(10))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("tier_proposals.id"))
    changed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_by_label: Mapped[str] = mapped_column(String(120))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
