"""What the API lists, for a CRM that polls: records in id order after a cursor, changed
since a moment, scoped to the caller (a partner-limited integration gets its partner's only).
Deal registrations go out without the partner's internal notes."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.permissions import require, scope
from db.models import DealRegistration, FundClaim, FundProgram, FundRequest, Partner, Tier

MAX_PAGE = 500


@dataclass(frozen=True)
class PartnerItem:
    id: int
    name: str
    website: str | None
    country: str
    partner_type: str
    tier: str
    status: str
    updated_at: datetime


@dataclass(frozen=True)
class DealItem:
    id: int
    partner_id: int
    status: str
    customer_name: str
    customer_country: str
    customer_website: str | None
    estimated_value: Decimal
    final_amount: Decimal | None
    expected_close_date: date
    closed_on: date | None
    stage: str
    protection_ends_at: datetime | None
    submitted_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ClaimItem:
    id: int
    request_id: int
    partner_id: int
    program: str
    activity: str
    status: str
    actual_spend: Decimal
    claimed_amount: Decimal
    approved_amount: Decimal | None
    paid_amount: Decimal
    submitted_at: datetime
    decided_at: datetime | None
    paid_on: date | None
    payment_reference: str | None
    updated_at: datetime


def _page(limit: int) -> int:
    return max(1, min(limit, MAX_PAGE))


def _aware(moment: datetime | None) -> datetime | None:
    """A moment without a zone is read as UTC (the API's documented default)."""
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def partners_page(db: Session, actor: Actor, *, after: int = 0, limit: int = 100,
                  updated_since: datetime | None = None) -> list[PartnerItem]:
    require(actor, "partner.list")
    q = scope(actor, select(Partner, Tier.name).join(Tier, Tier.id == Partner.tier_id)
              .where(Partner.id > after), Partner)
    updated_since = _aware(updated_since)
    if updated_since is not None:
        q = q.where(Partner.updated_at >= updated_since)
    return [PartnerItem(p.id, p.name, p.website, p.country, p.partner_type, tier, p.status,
                        p.updated_at)
            for p, tier in db.execute(q.order_by(Partner.id).limit(_page(limit)))]


def deals_page(db: Session, actor: Actor, *, after: int = 0, limit: int = 100,
               updated_since: datetime | None = None,
               status: str | None = None) -> list[DealItem]:
    require(actor, "deal.view")
    D = DealRegistration
    q = scope(actor, select(D).where(D.id > after), D)
    updated_since = _aware(updated_since)
    if updated_since is not None:
        q = q.where(D.updated_at >= updated_since)
    if status:
        q = q.where(D.status == status)
    return [DealItem(d.id, d.partner_id, d.status, d.customer_name, d.customer_country,
                     d.customer_website, d.estimated_value, d.final_amount,
                     d.expected_close_date, d.closed_on, d.stage, d.protection_ends_at,
                     d.submitted_at, d.updated_at)
            for d in db.scalars(q.order_by(D.id).limit(_page(limit)))]


def claims_page(db: Session, actor: Actor, *, after: int = 0, limit: int = 100,
                updated_since: datetime | None = None,
                status: str | None = None) -> list[ClaimItem]:
    """Fund claims in id order: a partner's own only; the finance team's notes stay out."""
    require(actor, "fund.view")
    C = FundClaim
    q = scope(actor, select(C, FundProgram.name, FundRequest.name)
              .join(FundProgram, FundProgram.id == C.program_id)
              .join(FundRequest, FundRequest.id == C.request_id).where(C.id > after), C)
    updated_since = _aware(updated_since)
    if updated_since is not None:
        q = q.where(C.updated_at >= updated_since)
    if status:
        q = q.where(C.status == status)
    return [ClaimItem(c.id, c.request_id, c.partner_id, program, activity, c.status,
                      c.actual_spend, c.claimed_amount, c.approved_amount, c.paid_amount,
                      c.submitted_at, c.decided_at, c.paid_on, c.payment_reference,
                      c.updated_at)
            for c, program, activity in db.execute(q.order_by(C.id).limit(_page(limit)))]
