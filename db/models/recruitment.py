"""Applications from prospective partners, kept apart from partners until approved."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import Money, UTCDateTime, utcnow


class PartnerApplication(Base):
    __tablename__ = "partner_applications"
    __table_args__ = (
        Index("ix_partner_applications_normalized_name_country", "normalized_name", "country"),
        Index("ix_partner_applications_status_submitted_at", "status", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Shown to the applicant; with its e-mail it opens the public status page.
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    company_name: Mapped[str] = mapped_column(String(200))
    normalized_name: Mapped[str] = mapped_column(String(200))
    website: Mapped[str] = mapped_column(String(300))
    domain: Mapped[str | None] = mapped_column(String(253), index=True)
    country: Mapped[str] = mapped_column(String(2))
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    partner_type: Mapped[str] = mapped_column(String(30))
    industries: Mapped[list[str]] = mapped_column(JSON, default=list)
    expected_annual_revenue: Mapped[Decimal] = mapped_column(Money)
    headcount: Mapped[int] = mapped_column(Integer)
    contact_name: Mapped[str] = mapped_column(String(120))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str] = mapped_column(String(40))
    terms_accepted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Internal: the applicant only ever sees a polite outcome.
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    info_request: Mapped[str | None] = mapped_column(Text)
    info_response: Mapped[str | None] = mapped_column(Text)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    session_ref: Mapped[str | None] = mapped_column(String(40))
    # When the channel managers' digest told them of it; None until the next digest.
    digested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApplicationEvent(Base):
    """The timeline of an application as its reviewers read it: submitted, review started,
    question asked and answered, decided. The audit log keeps the who-changed-what record."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("partner_applications.id"),
                                                index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(30))  # submit / start_review / request_info / ...
    text: Mapped[str] = mapped_column(Text)
