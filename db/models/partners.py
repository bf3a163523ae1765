"""Tiers, partners, and what a partner covers: regions, industries, product lines and
territories, each a row of its own table (indexed both ways), not a JSON list.

`partner.regions` and `partner.industries` still read and assign as lists of strings (an
association proxy over ordered rows), so `Partner(regions=["NA"])` and
`partner.industries = [...]` work as they did when they were JSON columns."""

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, event
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.ext.orderinglist import ordering_list
from sqlalchemy.orm import Mapped, Session, attributes, mapped_column, relationship

from db.models.base import Base
from db.types import BigIntKey, Money, UTCDateTime, created_or_now, utcnow

if TYPE_CHECKING:
    from db.models.deals import ProductLine


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
    # Leads: offers a partner may have waiting for an answer at once, the hours it has to
    # answer one, and whether a lead with a product line needs a user certified on it.
    lead_capacity: Mapped[int] = mapped_column(Integer, default=10)
    lead_accept_hours: Mapped[int] = mapped_column(Integer, default=48)
    leads_need_certification: Mapped[bool] = mapped_column(Boolean, default=False)
    discount_percent: Mapped[int] = mapped_column(Integer, default=0)
    # Portal: the hours the channel manager has to answer a partner's request first.
    request_response_hours: Mapped[int] = mapped_column(Integer, default=24,
                                                        server_default="24")
    # Rules, edited by the admin: won revenue in the trailing 12 months (won registrations by
    # close date) and currently certified users that a partner needs for this tier.
    min_won_revenue: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    min_certified_users: Mapped[int] = mapped_column(Integer, default=0)


class PartnerRegion(Base):
    """A region a partner serves ("EMEA"); `position` keeps the order the profile gave."""

    __tablename__ = "partner_regions"
    __table_args__ = (
        # The directory's region filter reads (region -> partners); the key reads the other way.
        Index("ix_partner_regions_region_partner_id", "region", "partner_id"),
    )

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    region: Mapped[str] = mapped_column(String(10), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class PartnerIndustry(Base):
    """An industry a partner sells into ("Healthcare"), in the profile's order."""

    __tablename__ = "partner_industries"
    __table_args__ = (
        Index("ix_partner_industries_industry_partner_id", "industry", "partner_id"),
    )

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    industry: Mapped[str] = mapped_column(String(60), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


# The product lines (of the catalog) a partner is authorized to sell: a plain link table.
partner_product_lines = Table(
    "partner_product_lines",
    Base.metadata,
    Column("partner_id", ForeignKey("partners.id"), primary_key=True),
    Column("product_line_id", ForeignKey("product_lines.id"), primary_key=True, index=True),
)


class PartnerTerritory(Base):
    """Where a partner may sell: a country, optionally narrowed to a state or province, and
    optionally to postal codes starting with a prefix ("US", "CA" / "US", "CA", "941")."""

    __tablename__ = "partner_territories"
    __table_args__ = (
        # Lead routing and the directory look territories up by place.
        Index("ix_partner_territories_country_state", "country", "state"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    country: Mapped[str] = mapped_column(String(2))
    state: Mapped[str | None] = mapped_column(String(100))
    postal_prefix: Mapped[str | None] = mapped_column(String(10))


def _region(code: str) -> PartnerRegion:
    return PartnerRegion(region=code)


def _industry(name: str) -> PartnerIndustry:
    return PartnerIndustry(industry=name)


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    website: Mapped[str | None] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2))
    partner_type: Mapped[str] = mapped_column(String(30))
    tier_id: Mapped[int] = mapped_column(ForeignKey("tiers.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    channel_manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", use_alter=True), index=True
    )
    # A reseller that buys through a distributor points at the distributor's partner row.
    parent_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"),
                                                          index=True)
    # Offers it may have waiting at once, when it says so on its profile (else its tier's).
    lead_capacity: Mapped[int | None] = mapped_column(Integer)
    # How often it sends POS reports (weekly, monthly, quarterly; "none": not expected),
    # once it is a reporting partner (a distributor, or one that has sent a report).
    pos_cadence: Mapped[str] = mapped_column(String(10), default="monthly",
                                             server_default="monthly")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What a CRM polls ("changed since"): every change of the row moves it, and so does a
    # change of the partner's regions, industries, product lines or territories (below).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=created_or_now,
                                                 onupdate=utcnow, index=True)

    tier: Mapped[Tier] = relationship(lazy="joined")
    region_rows: Mapped[list[PartnerRegion]] = relationship(
        order_by=PartnerRegion.position, collection_class=ordering_list("position"),
        cascade="all, delete-orphan")
    industry_rows: Mapped[list[PartnerIndustry]] = relationship(
        order_by=PartnerIndustry.position, collection_class=ordering_list("position"),
        cascade="all, delete-orphan")
    product_lines: Mapped[list["ProductLine"]] = relationship(
        secondary=partner_product_lines, order_by="ProductLine.name")
    territories: Mapped[list[PartnerTerritory]] = relationship(
        order_by=PartnerTerritory.id, cascade="all, delete-orphan")

    # Lists of strings, read and assigned as the JSON columns were.
    regions: AssociationProxy[list[str]] = association_proxy("region_rows", "region",
                                                              creator=_region)
    industries: AssociationProxy[list[str]] = association_proxy("industry_rows", "industry",
                                                                 creator=_industry)


COVERAGE = ("region_rows", "industry_rows", "product_lines", "territories")


@event.listens_for(Session, "before_flush")
def _touch_partners(session: Session, _context, _instances) -> None:
    """A partner whose regions, industries, product lines or territories changed in this
    flush is changed too: its updated_at moves (unless the caller set it), although only
    rows of the other tables are written."""
    children = PartnerRegion | PartnerIndustry | PartnerTerritory
    for obj in session.dirty:
        if isinstance(obj, Partner):
            # NO_INITIALIZE: a collection that was never loaded did not change (no load).
            if any(attributes.get_history(obj, key, attributes.PASSIVE_NO_INITIALIZE)
                   .has_changes() for key in COVERAGE):
                _touch(obj)
        elif isinstance(obj, children) and session.is_modified(obj):
            _touch_owner(session, obj)
    for obj in session.deleted:
        if isinstance(obj, children):
            _touch_owner(session, obj)


def _touch_owner(session: Session, row) -> None:
    partner = session.get(Partner, row.partner_id) if row.partner_id else None
    if partner is not None and partner not in session.deleted:
        _touch(partner)


def _touch(partner: Partner) -> None:
    if not attributes.get_history(partner, "updated_at",
                                  attributes.PASSIVE_NO_INITIALIZE).added:
        partner.updated_at = utcnow()
