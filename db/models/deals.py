"""End customers, the product catalog, deal registrations with their timeline, and the vendor's
direct opportunities.

Registrations and direct opportunities carry their own copy of the matching keys (registrable
domain, normalized name, country) so that the conflict check is a few indexed equality lookups,
whatever end-customer record each row was first filed under."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import Money, UTCDateTime, created_or_now, utcnow


class EndCustomer(Base):
    """One record per real company a partner sells to (glossary: end customer)."""

    __tablename__ = "end_customers"
    __table_args__ = (
        Index("ix_end_customers_normalized_name_country", "normalized_name", "country"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))  # as first typed
    normalized_name: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str | None] = mapped_column(String(253), index=True)
    country: Mapped[str] = mapped_column(String(2))
    # Set when the desk merged this record into another: its claims moved there.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("end_customers.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What a CRM polls ("changed since"): moved by every change of the row.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=created_or_now,
                                                 onupdate=utcnow, index=True)


class EndCustomerKey(Base):
    """The index the conflict check reads: each name an end customer was filed under, cut
    into core.customers.matching.retrieval_keys ("n:acmewidgets", "t:acme", "a:aw", ...)."""

    __tablename__ = "end_customer_keys"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    end_customer_id: Mapped[int] = mapped_column(ForeignKey("end_customers.id"),
                                                 primary_key=True, index=True)


class ProductLine(Base):
    """What a partner can register a deal for; kept by the admin."""

    __tablename__ = "product_lines"
    # Names are unique whatever their case: "Race Line" and "race line" are one line.
    __table_args__ = (Index("uq_product_lines_lower_name", func.lower(text("name")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DealRegistration(Base):
    __tablename__ = "deal_registrations"
    __table_args__ = (
        Index("ix_deal_registrations_customer_key_customer_country", "customer_key",
              "customer_country"),
        # The conflict check: the claims of candidate end customers that are still open.
        Index("ix_deal_registrations_end_customer_id_status", "end_customer_id", "status"),
        # The expiry job looks for approved registrations by protection end.
        Index("ix_deal_registrations_status_protection_ends_at", "status", "protection_ends_at"),
        # won_revenue: a partner's won amounts by close date.
        Index("ix_deal_registrations_partner_id_status_closed_on", "partner_id", "status",
              "closed_on"),
        # Dashboards: won (or lost) amounts by close date across partners, from the index
        # alone. PostgreSQL carries the amount as an included column; SQLite has no INCLUDE,
        # so there the amount is the index's last key column.
        Index("ix_deal_registrations_status_closed_on", "status", "closed_on",
              postgresql_include=["final_amount"]).ddl_if(dialect="postgresql"),
        Index("ix_deal_registrations_status_closed_on_final_amount", "status", "closed_on",
              "final_amount").ddl_if(dialect="sqlite"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    registered_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The partner user who works the deal now; a partner admin can hand it to another.
    owner_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    end_customer_id: Mapped[int] = mapped_column(ForeignKey("end_customers.id"))

    customer_name: Mapped[str] = mapped_column(String(200))
    # core.customers.matching.name_form of customer_name: the matcher's key, stored to score fast.
    customer_name_form: Mapped[str | None] = mapped_column(String(420))
    customer_website: Mapped[str | None] = mapped_column(String(300))
    customer_domain: Mapped[str | None] = mapped_column(String(253), index=True)
    customer_key: Mapped[str] = mapped_column(String(200))
    customer_country: Mapped[str] = mapped_column(String(2))
    customer_state: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(10), index=True)
    contact_name: Mapped[str] = mapped_column(String(120))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_title: Mapped[str | None] = mapped_column(String(120))

    product_line_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    estimated_value: Mapped[Decimal] = mapped_column(Money)
    final_amount: Mapped[Decimal | None] = mapped_column(Money)
    expected_close_date: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    stage: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text, default="")

    status: Mapped[str] = mapped_column(String(20), index=True)
    # The strongest match found when it was last checked (clear / possible / conflict) and its
    # score. Desk-only: never shown to the partner.
    match_verdict: Mapped[str] = mapped_column(String(10), default="clear", index=True)
    match_score: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    protection_days: Mapped[int | None] = mapped_column(Integer)
    protection_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_status: Mapped[str | None] = mapped_column(String(10))  # requested/granted/declined
    extension_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lost_reason: Mapped[str | None] = mapped_column(String(500))
    rejection_reason: Mapped[str | None] = mapped_column(String(1000))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("deal_registrations.id"))
    # The funded marketing activity (an MDF or co-op request) the deal came from: ROI.
    fund_request_id: Mapped[int | None] = mapped_column(ForeignKey("fund_requests.id"),
                                                         index=True)
    # A POS line of the same partner, end customer and product line confirmed the sale.
    pos_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What a CRM polls ("changed since"). The services set it to their clock; any other
    # change of the row moves it too.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=created_or_now,
                                                 onupdate=utcnow, index=True)


class DealEvent(Base):
    """The timeline of a registration: status changes, edits and notes.

    Desk notes that mention other partners or direct sales are stored with
    visible_to_partner=False and never leave core for a partner actor."""

    __tablename__ = "deal_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal_registrations.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))  # status / note / edit / owner / extension
    text: Mapped[str] = mapped_column(Text)
    visible_to_partner: Mapped[bool] = mapped_column(Boolean, default=True)


class DirectOpportunity(Base):
    """An opportunity the vendor's own sales team works, imported from the CRM."""

    __tablename__ = "direct_opportunities"
    __table_args__ = (
        Index("ix_direct_opportunities_customer_key_country", "customer_key", "country"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    end_customer_id: Mapped[int] = mapped_column(ForeignKey("end_customers.id"), index=True)
    account_name: Mapped[str] = mapped_column(String(200))
    account_name_form: Mapped[str | None] = mapped_column(String(420))
    website: Mapped[str | None] = mapped_column(String(300))
    domain: Mapped[str | None] = mapped_column(String(253), index=True)
    customer_key: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money)
    close_date: Mapped[date] = mapped_column(Date)
    owner_email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow,
                                                 index=True)
    # The file import that wrote the row: a failed batch removes that import's rows again.
    import_id: Mapped[str | None] = mapped_column(String(36), index=True)
    # What a CRM's custom fields say the opportunity is (a saved field mapping reads them):
    # the vendor's record of this partner's deal, or of this very registration. Neither is
    # then a conflict with it.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("deal_registrations.id"))
