"""MDF and co-op funds: programs, each partner's allocation in one, requests for planned
activities, claims after them with their proof files, and the ledger every movement of money
is written to.

Balances are never stored: the ledger is append-only, each entry moves an amount between two
buckets of one allocation (or between the program's unallocated budget and an allocation), and
a bucket's balance is what came in minus what went out (core.funds.ledger)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import BigIntKey, Money, UTCDateTime, created_or_now, utcnow


class FundProgram(Base):
    __tablename__ = "fund_programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))  # "mdf" or "coop"
    period: Mapped[str] = mapped_column(String(10))  # "quarter" or "year"
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)  # the period's last day
    budget: Mapped[Decimal] = mapped_column(Money)
    eligible_tier_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    activity_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Hundredths of a percent: 5000 is 50% of actual spend reimbursed; a co-op program's
    # accrual of won revenue and POS sales likewise (300 is 3%).
    reimbursement_bp: Mapped[int] = mapped_column(Integer)
    accrual_bp: Mapped[int] = mapped_column(Integer, default=0)
    # The MDF tier rule: {tier id (as text): amount in cents}.
    tier_amounts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    lead_time_days: Mapped[int] = mapped_column(Integer)
    claim_days: Mapped[int] = mapped_column(Integer)
    carry_over: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open / closed
    # The next period's program that unrequested balances carried over into.
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("fund_programs.id"))
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=created_or_now,
                                                 onupdate=utcnow)


class FundAllocation(Base):
    """A partner's account in a program: one per (program, partner)."""

    __tablename__ = "fund_allocations"
    __table_args__ = (
        Index("uq_fund_allocations_program_id_partner_id", "program_id", "partner_id",
              unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("fund_programs.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FundRequest(Base):
    """A partner's request for funds for one planned activity (the activity leads and deals
    name as their source)."""

    __tablename__ = "fund_requests"
    __table_args__ = (
        Index("ix_fund_requests_status_submitted_at", "status", "submitted_at"),
        Index("ix_fund_requests_partner_id_status", "partner_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("fund_programs.id"), index=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("fund_allocations.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    activity_type: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(150))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    requested_amount: Mapped[Decimal] = mapped_column(Money)
    approved_amount: Mapped[Decimal | None] = mapped_column(Money)
    expected_leads: Mapped[int] = mapped_column(Integer, default=0)
    expected_pipeline: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    status: Mapped[str] = mapped_column(String(15), default="submitted")
    decision_note: Mapped[str | None] = mapped_column(String(1000))
    claim_due_on: Mapped[date | None] = mapped_column(Date)  # approved: the claim deadline
    submitted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=created_or_now,
                                                 onupdate=utcnow)


class FundClaim(Base):
    """The claim of an approved request, after its activity: one per request."""

    __tablename__ = "fund_claims"
    __table_args__ = (
        Index("uq_fund_claims_request_id", "request_id", unique=True),
        Index("ix_fund_claims_status_submitted_at", "status", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("fund_requests.id"))
    program_id: Mapped[int] = mapped_column(ForeignKey("fund_programs.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    actual_spend: Mapped[Decimal] = mapped_column(Money)
    claimed_amount: Mapped[Decimal] = mapped_column(Money)
    approved_amount: Mapped[Decimal | None] = mapped_column(Money)
    paid_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    leads: Mapped[int] = mapped_column(Integer, default=0)
    attendees: Mapped[int] = mapped_column(Integer, default=0)
    opportunities: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(15), default="submitted")
    decision_note: Mapped[str | None] = mapped_column(String(1000))
    submitted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_on: Mapped[date | None] = mapped_column(Date)
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=created_or_now,
                                                 onupdate=utcnow)


class FundClaimFile(Base):
    """A proof-of-performance file of a claim. The bytes live under PRM_UPLOAD_DIR by their
    content hash; the row is what lets a reader reach them (through the claim's scoping)."""

    __tablename__ = "fund_claim_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("fund_claims.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FundEvent(Base):
    """The history of a request and its claim, as the partner and the vendor read it."""

    __tablename__ = "fund_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("fund_requests.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("fund_claims.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(String(1000), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class FundLedgerEntry(Base):
    """One movement of money: `amount` (positive) from one bucket to another of an allocation;
    "budget" is the program's unallocated money. Never updated, never deleted."""

    __tablename__ = "fund_ledger"
    __table_args__ = (
        Index("ix_fund_ledger_allocation_id", "allocation_id"),
        Index("ix_fund_ledger_program_id_at", "program_id", "at"),
        Index("ix_fund_ledger_partner_id_at", "partner_id", "at"),
        Index("ix_fund_ledger_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("fund_programs.id"))
    allocation_id: Mapped[int] = mapped_column(ForeignKey("fund_allocations.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    kind: Mapped[str] = mapped_column(String(15))
    from_bucket: Mapped[str] = mapped_column(String(10))
    to_bucket: Mapped[str] = mapped_column(String(10))
    amount: Mapped[Decimal] = mapped_column(Money)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("fund_requests.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("fund_claims.id"))
    reason: Mapped[str] = mapped_column(String(500), default="")
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
