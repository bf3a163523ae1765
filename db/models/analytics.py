"""Scorecard facts: what happened per partner and calendar month (UTC), kept as the work
happens (core.analytics) so that a scorecard reads a few hundred rows, not every deal.

A measure is a column of `partner_month_facts` (counts and money) or, for distinct people, a
row kind of its own (`partner_user_months`: one row per partner, month and signed-in user).
Certified users are a stock, not a flow: they are read from the certifications as of a period's
end (core.analytics.kpis), and a certification's change moves the partner's version.
`analytics_versions` holds one number per partner that moves with every change of its facts:
a cached scorecard keyed by it is never older than a write its replica did not see, and one
partner's writes never contend with another's."""

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import Money


class Measures:
    """The facts' measures, which a month's row and a period's totals both hold."""

    # Registrations submitted, and their estimated value (the pipeline).
    registrations: Mapped[int] = mapped_column(Integer, default=0)
    pipeline: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    # Decided: approved (ever, even if later withdrawn) or rejected.
    approved: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    # Closed (the close day the partner gave): won with the final amount, lost.
    won: Mapped[int] = mapped_column(Integer, default=0)
    won_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    won_days: Mapped[int] = mapped_column(Integer, default=0)  # registration to won, summed
    lost: Mapped[int] = mapped_column(Integer, default=0)
    # Courses the partner's users completed (each in the month of its latest completion).
    courses_completed: Mapped[int] = mapped_column(Integer, default=0)
    # Leads: offers made to the partner (by the day offered); offers that ended accepted, or
    # ended at all (accepted, rejected or lapsed), lapsed, and the minutes the partner took to
    # answer the ones it answered (by the day the offer ended); its leads converted into deals
    # or disqualified (by the day closed).
    lead_offers: Mapped[int] = mapped_column(Integer, default=0)
    lead_accepted: Mapped[int] = mapped_column(Integer, default=0)
    lead_ended: Mapped[int] = mapped_column(Integer, default=0)
    lead_lapsed: Mapped[int] = mapped_column(Integer, default=0)
    lead_answer_minutes: Mapped[int] = mapped_column(Integer, default=0)
    lead_converted: Mapped[int] = mapped_column(Integer, default=0)
    lead_disqualified: Mapped[int] = mapped_column(Integer, default=0)


class PartnerMonthFact(Measures, Base):
    __tablename__ = "partner_month_facts"
    __table_args__ = (
        # The dashboards read a range of months for every partner: an index that holds the
        # measures too answers them without touching the table (SQLite: 62 -> 38 ms for a
        # year of 5,000 partners).
        Index("ix_partner_month_facts_month_measures", "month", "partner_id", "registrations",
              "pipeline", "approved", "rejected", "won", "won_amount", "won_days", "lost",
              "courses_completed", "lead_offers", "lead_accepted", "lead_ended", "lead_lapsed",
              "lead_answer_minutes", "lead_converted", "lead_disqualified"),
    )

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # its first day
    # The measures (Measures) count what happened in the month.


class PartnerUserMonth(Base):
    """A user of the partner signed in during the month (active users = rows)."""

    __tablename__ = "partner_user_months"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class AnalyticsVersion(Base):
    __tablename__ = "analytics_versions"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class HealthWeight(Base):
    """What a KPI weighs in partner health, as the admin set it (a KPI without a row weighs
    its default, core.analytics.health.DEFAULT_WEIGHTS)."""

    __tablename__ = "health_weights"

    kpi: Mapped[str] = mapped_column(String(30), primary_key=True)
    weight: Mapped[int] = mapped_column(Integer)


class AnalyticsPeriod(Base):
    """A period whose totals are kept per partner (`partner_period_totals`): the periods the
    pages offer, so that a dashboard reads one row per partner instead of every month.
    "building" while the job fills it (writers keep it current already), "ready" once
    readers may use it."""

    __tablename__ = "analytics_periods"

    first: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[date] = mapped_column(Date, primary_key=True)
    state: Mapped[str] = mapped_column(String(10), default="building")


class PartnerPeriodTotal(Measures, Base):
    """One partner's facts summed over a kept period, and its distinct active users."""

    __tablename__ = "partner_period_totals"

    first: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[date] = mapped_column(Date, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True,
                                            index=True)
    active_users: Mapped[int] = mapped_column(Integer, default=0)
