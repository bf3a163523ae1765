"""Leads the vendor's marketing produces, the offers that route them to partners, and the
routing settings.

A lead carries its own duplicate keys (the contact's e-mail, the CRM's id, or a person's name
at a normalized company and country), so that an import checks a file against every lead in a
few indexed lookups; an erased lead's keys are cleared with its contact, so the same person
imported later is not refused. An offer stores why the partner was chosen (the weights, each
factor's part and the runners-up), as it was at that moment."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import BigIntKey, UTCDateTime, created_or_now, utcnow


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (
        # The vendor queue and the routing batch: unassigned leads, oldest first.
        Index("ix_leads_status_created_at", "status", "created_at"),
        Index("ix_leads_partner_id_status", "partner_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    company: Mapped[str] = mapped_column(String(200), default="")
    company_from_domain: Mapped[bool] = mapped_column(Boolean, default=False)  # until corrected
    company_key: Mapped[str] = mapped_column(String(200), default="")  # normalized, for dupes
    website: Mapped[str | None] = mapped_column(String(300))
    domain: Mapped[str | None] = mapped_column(String(253))
    first_name: Mapped[str] = mapped_column(String(80), default="")
    last_name: Mapped[str] = mapped_column(String(80), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2))
    state: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(10))
    industry: Mapped[str | None] = mapped_column(String(60))  # as the source said it
    # The industry in the partners' vocabulary (core.partners.INDUSTRIES), when it maps to one:
    # what routing matches against the industries a partner serves.
    industry_key: Mapped[str | None] = mapped_column(String(60))
    company_size: Mapped[str | None] = mapped_column(String(30))
    product_line_id: Mapped[int | None] = mapped_column(ForeignKey("product_lines.id"))
    source: Mapped[str | None] = mapped_column(String(60))
    campaign: Mapped[str | None] = mapped_column(String(120))
    # The funded marketing activity (an MDF or co-op request) the lead came from: ROI.
    fund_request_id: Mapped[int | None] = mapped_column(ForeignKey("fund_requests.id"),
                                                         index=True)
    notes: Mapped[str] = mapped_column(Text, default="")

    # Duplicate keys (cleared when the contact is erased).
    email_key: Mapped[str | None] = mapped_column(String(254), index=True)
    source_id: Mapped[str | None] = mapped_column(String(100), index=True)
    person_key: Mapped[str | None] = mapped_column(String(420), index=True)

    status: Mapped[str] = mapped_column(String(15), default="new")
    # The partner it is offered to or that holds it (accepted, converted, disqualified).
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    current_offer_id: Mapped[int | None] = mapped_column(BigIntKey)
    offers: Mapped[int] = mapped_column(Integer, default=0)  # made so far
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deal_registrations.id"))
    outcome_reason: Mapped[str | None] = mapped_column(String(300))  # disqualified, returned
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # converted, disqualified
    import_id: Mapped[str | None] = mapped_column(String(36), index=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=created_or_now,
                                                 onupdate=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LeadOffer(Base):
    """A lead offered to a partner until a deadline: accepted, rejected, lapsed or withdrawn."""

    __tablename__ = "lead_offers"
    __table_args__ = (
        # The recycle job: pending offers by deadline.
        Index("ix_lead_offers_status_deadline_at", "status", "deadline_at"),
        # A partner's inbox and its pending count (capacity).
        Index("ix_lead_offers_partner_id_status", "partner_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(String(300))  # of a rejection or a hand move
    score: Mapped[float | None] = mapped_column(Float)
    # {"weights": {...}, "parts": {factor: points}, "runners_up": [{partner, name, score}],
    #  "precision": "state", ...}: what the page puts in words.
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    by_hand: Mapped[bool] = mapped_column(Boolean, default=False)
    offered_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class LeadRoutingWeight(Base):
    """What a routing factor weighs (the admin's; missing: the default)."""

    __tablename__ = "lead_routing_weights"

    factor: Mapped[str] = mapped_column(String(30), primary_key=True)
    weight: Mapped[int] = mapped_column(Integer)


class LeadSetting(Base):
    """The lead program's settings, one row each (missing: the default)."""

    __tablename__ = "lead_settings"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
