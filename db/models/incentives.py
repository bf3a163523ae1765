"""Incentives: rebate and SPIFF programs, the terms each published for a quarter onward, one
statement per partner and quarter, the append-only ledger of what was accrued, approved and
paid on it, and the calculation runs that posted the accruals.

Balances are never stored: a statement's earned, approved and paid figures are sums of its
ledger entries (core.incentives.ledger). A recalculation posts the difference; the database
refuses to change or delete an entry."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import BigIntKey, Money, UTCDateTime, created_or_now, utcnow


class IncentiveProgram(Base):
    """A volume rebate, a growth rebate or a SPIFF. `terms` is the working copy the program
    page edits; what calculations use are the published `IncentiveTerms`."""

    __tablename__ = "incentive_programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # volume / growth / spiff
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft/published/retired
    # The window sales count in (a SPIFF's; a rebate's open end is None).
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    terms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=created_or_now,
                                                 onupdate=utcnow)


class IncentiveTerms(Base):
    """Terms published for a program, in force from the quarter starting `effective_from`
    until a later publication: a change never rewrites a past quarter's figures."""

    __tablename__ = "incentive_terms"
    __table_args__ = (Index("uq_incentive_terms_program_id_effective_from", "program_id",
                            "effective_from", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("incentive_programs.id"))
    effective_from: Mapped[date] = mapped_column(Date)  # a quarter's first day
    terms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(String(500), default="")
    published_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_by_label: Mapped[str] = mapped_column(String(120), default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IncentiveStatement(Base):
    """A partner's incentives for one quarter: the ledger entries hang on it."""

    __tablename__ = "incentive_statements"
    __table_args__ = (Index("uq_incentive_statements_partner_id_starts_on", "partner_id",
                            "starts_on", unique=True),
                      Index("ix_incentive_statements_starts_on", "starts_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    starts_on: Mapped[date] = mapped_column(Date)  # the quarter
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IncentiveRun(Base):
    """One calculation of a quarter: who ran it, and what it posted."""

    __tablename__ = "incentive_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date)
    entries: Mapped[int] = mapped_column(Integer, default=0)
    net_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    lines: Mapped[int] = mapped_column(Integer, default=0)  # POS lines read
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(120), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IncentiveEntry(Base):
    """One ledger entry, signed: an accrual (earnings, or the difference a recalculation
    found; per program and, for a SPIFF paid to reps, per rep), an approval of what was
    accrued, or a payment of what was approved."""

    __tablename__ = "incentive_ledger"
    __table_args__ = (Index("ix_incentive_ledger_statement_id_kind", "statement_id", "kind"),)

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("incentive_statements.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # accrue / approve / pay
    program_id: Mapped[int | None] = mapped_column(ForeignKey("incentive_programs.id"),
                                                   index=True)
    rep_email: Mapped[str] = mapped_column(String(254), default="")  # "" : the partner
    amount: Mapped[Decimal] = mapped_column(Money)  # signed
    # An accrual's figures as calculated (sales, units, rate...), for the statement.
    basis: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("incentive_runs.id"))
    reference: Mapped[str] = mapped_column(String(120), default="")  # a payment's
    note: Mapped[str] = mapped_column(String(500), default="")
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(120), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
