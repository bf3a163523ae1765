"""The partner portal: the asset library (assets, their versions, every download), announcements
with read receipts, requests to the channel team with their messages and files, and joint
business plans (goals with quarterly targets, agreement, reviews).

Assets and announcements are targeted by tier, partner type and region: lists of tier ids,
type names and region codes, where an empty list means everyone."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import BigIntKey, UTCDateTime, utcnow


class Asset(Base):
    """A file or a link in the library, in a folder, with tags and its audience. A file may
    be a co-branding template: a PDF or PNG with an area (page, and a box in points from the
    page's top left) where a partner's logo and contact details go."""

    __tablename__ = "portal_assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    folder: Mapped[str] = mapped_column(String(200), default="", index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    kind: Mapped[str] = mapped_column(String(10))  # file or link
    target_tier_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    target_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    target_regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    cobrand_page: Mapped[int | None] = mapped_column(Integer)  # 1-based; None: no template
    cobrand_box: Mapped[list[int] | None] = mapped_column(JSON)  # [x, y, width, height]
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AssetVersion(Base):
    """One version of an asset: its file (kept by content hash under PRM_UPLOAD_DIR) or its
    link. A new version keeps the old ones, their downloads with them."""

    __tablename__ = "portal_asset_versions"
    __table_args__ = (Index("uq_portal_asset_versions_asset_number", "asset_id", "number",
                            unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("portal_assets.id"))
    number: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str | None] = mapped_column(String(200))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer, default=0)
    file_kind: Mapped[str | None] = mapped_column(String(10))  # .pdf, .png, .pptx ...
    url: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AssetDownload(Base):
    """Who took which version when (an engagement signal); co-branded copies too."""

    __tablename__ = "portal_asset_downloads"
    __table_args__ = (Index("ix_portal_asset_downloads_partner_id_at", "partner_id", "at"),
                      Index("ix_portal_asset_downloads_asset_id", "asset_id"))

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("portal_assets.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("portal_asset_versions.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    cobranded: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Announcement(Base):
    """News for partners, in Markdown, to its audience; pinned ones lead the partner's Home
    until their end date."""

    __tablename__ = "portal_announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    target_tier_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    target_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    target_regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    ends_on: Mapped[date | None] = mapped_column(Date)
    emailed: Mapped[bool] = mapped_column(Boolean, default=False)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AnnouncementRead(Base):
    """A user read an announcement (the first time)."""

    __tablename__ = "portal_announcement_reads"

    announcement_id: Mapped[int] = mapped_column(ForeignKey("portal_announcements.id"),
                                                 primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PartnerRequest(Base):
    """A partner user's request to its channel manager: a thread with a status and a
    first-response target from the partner's tier."""

    __tablename__ = "portal_requests"
    __table_args__ = (Index("ix_portal_requests_status_due", "status",
                            "first_response_due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    opened_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    manager_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="open")
    first_response_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RequestMessage(Base):
    __tablename__ = "portal_request_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("portal_requests.id"), index=True)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    from_vendor: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RequestFile(Base):
    """A file attached to a message, kept by content hash; reached through its request."""

    __tablename__ = "portal_request_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("portal_request_messages.id"),
                                            index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    file_kind: Mapped[str] = mapped_column(String(10))


class BusinessPlan(Base):
    """A partner's joint business plan for a year, agreed by its admin and its channel
    manager (a change to the goals asks for both again)."""

    __tablename__ = "portal_business_plans"
    __table_args__ = (Index("uq_portal_business_plans_partner_year", "partner_id", "year",
                            unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    year: Mapped[int] = mapped_column(Integer)
    partner_agreed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    partner_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    vendor_agreed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    vendor_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PlanGoal(Base):
    """A goal of a plan: what is measured (from the data, never typed in) and its target per
    quarter (cents for money measures, a count otherwise)."""

    __tablename__ = "portal_plan_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("portal_business_plans.id"), index=True)
    measure: Mapped[str] = mapped_column(String(30))
    label: Mapped[str] = mapped_column(String(120))
    targets: Mapped[list[int]] = mapped_column(JSON)  # four quarters
    position: Mapped[int] = mapped_column(Integer, default=0)


class PlanReview(Base):
    """The quarterly review note of a plan."""

    __tablename__ = "portal_plan_reviews"
    __table_args__ = (Index("uq_portal_plan_reviews_plan_quarter", "plan_id", "quarter",
                            unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("portal_business_plans.id"))
    quarter: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

