"""Point-of-sale data: the products POS lines name, the currency rates that convert them, each
submitter's column mapping, the files sent in, the clean lines (close to EDI 867) and the
exceptions that could not be cleaned, each pointing back to its file and row."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import BigIntKey, Money, UTCDateTime, created_or_now, utcnow


class Product(Base):
    """A sellable item: what a POS line's SKU names."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(60), unique=True)  # upper case, as entered
    # The SKU without case, spaces, dashes, dots or slashes: what a file's SKU is matched on.
    sku_key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    product_line_id: Mapped[int] = mapped_column(ForeignKey("product_lines.id"))
    list_price: Mapped[Decimal] = mapped_column(Money)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=created_or_now,
                                                 onupdate=utcnow)


class CurrencyRate(Base):
    """One unit of `currency` in the base currency, from `valid_on` until the next rate."""

    __tablename__ = "currency_rates"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    valid_on: Mapped[date] = mapped_column(Date, primary_key=True)
    rate: Mapped[str] = mapped_column(String(30))  # a decimal, kept exact as text
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PosTemplate(Base):
    """How one submitter's files read: columns to fields, the date and number conventions,
    and the SKUs and resellers a person confirmed once."""

    __tablename__ = "pos_templates"
    __table_args__ = (Index("uq_pos_templates_partner_id_name", "partner_id", "name",
                            unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    name: Mapped[str] = mapped_column(String(80))
    mapping: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # field -> header
    date_format: Mapped[str | None] = mapped_column(String(20))  # "%d/%m/%Y"; None: detect
    decimal_comma: Mapped[bool | None] = mapped_column(Boolean)  # None: detect
    sku_aliases: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # key -> SKU
    reseller_aliases: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=created_or_now,
                                                 onupdate=utcnow)


class PosFile(Base):
    """A file sent in, kept by content hash, with what its import found."""

    __tablename__ = "pos_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("pos_templates.id"))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    clean: Mapped[int] = mapped_column(Integer, default=0)
    exceptions: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    clean_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    uploaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_by_label: Mapped[str] = mapped_column(String(120), default="")
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PosLine(Base):
    """One clean sell-through line."""

    __tablename__ = "pos_lines"
    __table_args__ = (
        # A line reported twice (the same submitter, invoice and line) is a duplicate.
        Index("uq_pos_lines_partner_id_invoice", "partner_id", "invoice_number",
              "invoice_line", unique=True),
        Index("ix_pos_lines_seller_id_invoice_date", "seller_id", "invoice_date"),
        Index("ix_pos_lines_invoice_date", "invoice_date"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("pos_files.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)  # the file's line (the header is 1)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))  # who reported it
    reseller_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))  # distributors'
    # Who sold it to the end customer: the reseller on a distributor's line, else the reporter.
    seller_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    invoice_number: Mapped[str] = mapped_column(String(60))
    invoice_line: Mapped[str] = mapped_column(String(20))
    invoice_date: Mapped[date] = mapped_column(Date)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    product_line_id: Mapped[int] = mapped_column(ForeignKey("product_lines.id"))
    quantity: Mapped[int] = mapped_column(Integer)  # negative: a return
    unit_price: Mapped[Decimal] = mapped_column(Money)  # in `currency`
    currency: Mapped[str] = mapped_column(String(3))
    extended_amount: Mapped[Decimal] = mapped_column(Money)  # in `currency`
    amount: Mapped[Decimal] = mapped_column(Money)  # in the base currency
    end_customer_name: Mapped[str] = mapped_column(String(200), default="")
    end_customer_country: Mapped[str | None] = mapped_column(String(2))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    rep_email: Mapped[str | None] = mapped_column(String(254))
    end_customer_id: Mapped[int | None] = mapped_column(ForeignKey("end_customers.id"),
                                                        index=True)
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deal_registrations.id"))
    # The end customer the matcher proposes for a line its exact key did not match (the
    # "pos-customers" job), until vendor ops confirm or dismiss it; its score 0..100.
    proposed_customer_id: Mapped[int | None] = mapped_column(ForeignKey("end_customers.id"))
    proposed_score: Mapped[int | None] = mapped_column(Integer)
    outlier: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PosException(Base):
    """A row that could not be cleaned: its reason, and the row as the file had it, for vendor
    ops to correct and check again."""

    __tablename__ = "pos_exceptions"
    __table_args__ = (
        Index("ix_pos_exceptions_status_partner_id", "status", "partner_id"),
        # The row once: its invoice and line, or (without them) its file's hash and row.
        Index("uq_pos_exceptions_partner_id_dedupe_key", "partner_id", "dedupe_key",
              unique=True),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("pos_files.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(String(300), default="")
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # field -> text
    status: Mapped[str] = mapped_column(String(10), default="open")  # open/fixed/dismissed
    line_id: Mapped[int | None] = mapped_column(BigIntKey)  # the clean line it became
    resolved_by_label: Mapped[str | None] = mapped_column(String(120))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
