"""Joint business plans: per partner and year, goals with a target per quarter, agreed by the
partner's admin and its channel manager (a change to the goals asks both again), a review note
per quarter, and progress measured from the data, never typed in.

What a goal measures (a custom goal names its own label over one of these):
    won revenue        won registrations' final amounts, by close date
    registrations      deal registrations submitted
    certifications     certifications its users earned
    mdf activities     fund requests approved for activities starting in the quarter
    leads accepted     lead offers it accepted
    pos sales          clean POS lines it sold, in the base currency, by invoice date
Money targets are kept in cents; the others are counts."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from pydantic import BaseModel, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.errors import NotFound, RuleViolation
from core.permissions import require
from core.validation import OneOf, RequiredText, as_model
from core.validation.parsers import parse_amount, parse_whole_number
from db.models import (
    BusinessPlan,
    Certification,
    DealRegistration,
    FundRequest,
    LeadOffer,
    Partner,
    PlanGoal,
    PlanReview,
    PosLine,
)
from db.types import utcnow

MEASURES = {"won_revenue": "Won revenue", "registrations": "Deal registrations",
            "certifications": "Certifications earned", "mdf_activities": "MDF activities",
            "leads_accepted": "Leads accepted", "pos_sales": "POS sales"}
MONEY = {"won_revenue", "pos_sales"}
MAX_GOALS = 12


class GoalIn(BaseModel):
    measure: OneOf(tuple(MEASURES), unknown="Choose what the goal measures.") = ""
    label: RequiredText(120, "Name the goal.", too_long="Keep the name to 120 characters.") = ""
    targets: list[str | int | Decimal] = ["0", "0", "0", "0"]

    @field_validator("targets")
    @classmethod
    def _four(cls, v: list) -> list:
        if len(v) != 4:
            raise ValueError("Give a target for each of the four quarters.")
        return v


@dataclass(frozen=True)
class QuarterProgress:
    quarter: int
    target: Decimal | int
    actual: Decimal | int

    @property
    def percent(self) -> int | None:
        return None if not self.target else int(self.actual * 100 / self.target)


@dataclass(frozen=True)
class GoalOut:
    id: int
    measure: str
    label: str
    money: bool
    quarters: tuple[QuarterProgress, ...]

    @property
    def year_target(self):
        return sum(q.target for q in self.quarters)

    @property
    def year_actual(self):
        return sum(q.actual for q in self.quarters)


@dataclass(frozen=True)
class PlanOut:
    id: int
    partner_id: int
    partner: str
    year: int
    goals: tuple[GoalOut, ...]
    partner_agreed_at: datetime | None
    vendor_agreed_at: datetime | None
    reviews: dict[int, str]
    goals_key: str  # the goals as they are: what an agreement agrees to

    @property
    def agreed(self) -> bool:
        return self.partner_agreed_at is not None and self.vendor_agreed_at is not None


# ---------------------------------------------------------------- writing


def save_plan(db: Session, actor: Actor, partner_id: int, year: int,
              goals: list[GoalIn | dict], *, now: datetime | None = None) -> PlanOut:
    """The year's goals, replacing the plan's; when they change, both agreements are asked
    again. The channel team for any partner; a partner admin for its own."""
    _may_edit(actor, partner_id)
    if not 2000 <= year <= 2100:
        raise RuleViolation("Choose a year.", field="year")
    if not 1 <= len(goals) <= MAX_GOALS:
        raise RuleViolation(f"Give from 1 to {MAX_GOALS} goals.", field="goals")
    rows = [_goal_row(as_model(GoalIn, g), n) for n, g in enumerate(goals)]
    now = now or utcnow()
    if db.get(Partner, partner_id) is None:
        raise NotFound("partner")
    plan = db.scalar(select(BusinessPlan).where(BusinessPlan.partner_id == partner_id,
                                                BusinessPlan.year == year))
    if plan is None:
        plan = BusinessPlan(partner_id=partner_id, year=year, created_at=now, updated_at=now)
        db.add(plan)
        db.flush()
    before = _goals_of(db, plan.id)
    if before == rows:
        return get_plan(db, actor, partner_id, year)
    for old in db.scalars(select(PlanGoal).where(PlanGoal.plan_id == plan.id)):
        db.delete(old)
    db.flush()
    for row in rows:
        db.add(PlanGoal(plan_id=plan.id, **row))
    plan.partner_agreed_at = plan.vendor_agreed_at = None
    plan.partner_agreed_by_user_id = plan.vendor_agreed_by_user_id = None
    plan.updated_at = now
    db.flush()
    audit.record(db, actor, "plan.save", "business_plan", plan.id, before={"goals": before},
                 after={"goals": rows}, now=now, partner_id=partner_id)
    return get_plan(db, actor, partner_id, year)


def agree(db: Session, actor: Actor, plan_id: int, *, seen: str | None = None,
          now: datetime | None = None) -> PlanOut:
    """The partner admin's or the channel team's agreement to the goals as they are: as the
    reader saw them (`seen`, the plan's `goals_key` on its screen), else refused."""
    plan = _plan(db, actor, plan_id)
    _may_edit(actor, plan.partner_id)
    if seen is not None and seen != goals_key(_goals_of(db, plan.id)):
        raise RuleViolation("The goals changed since you opened them: read them again "
                            "before you agree.", field="plan")
    now = now or utcnow()
    if actor.is_partner:
        plan.partner_agreed_at, plan.partner_agreed_by_user_id = now, actor.user_id
    else:
        plan.vendor_agreed_at, plan.vendor_agreed_by_user_id = now, actor.user_id
    audit.record(db, actor, "plan.agree", "business_plan", plan.id, now=now,
                 partner_id=plan.partner_id)
    return get_plan(db, actor, plan.partner_id, plan.year)


def review(db: Session, actor: Actor, plan_id: int, quarter: int, note: str, *,
           now: datetime | None = None) -> PlanOut:
    """The quarter's review note (written again: replaced), by the channel team."""
    require(actor, "portal.plan_review")
    plan = _plan(db, actor, plan_id)
    if quarter not in (1, 2, 3, 4):
        raise RuleViolation("Choose a quarter.", field="quarter")
    note = (note or "").strip()
    if not note or len(note) > 5000:
        raise RuleViolation("Write the review (up to 5,000 characters).", field="note")
    now = now or utcnow()
    row = db.scalar(select(PlanReview).where(PlanReview.plan_id == plan.id,
                                             PlanReview.quarter == quarter))
    if row is None:
        row = PlanReview(plan_id=plan.id, quarter=quarter, note=note)
        db.add(row)
    row.note, row.by_user_id, row.at = note, actor.user_id, now
    db.flush()
    audit.record(db, actor, "plan.review", "business_plan", plan.id,
                 after={"quarter": quarter}, now=now, partner_id=plan.partner_id)
    return get_plan(db, actor, plan.partner_id, plan.year)


def _may_edit(actor: Actor, partner_id: int) -> None:
    require(actor, "portal.plan_edit")
    if actor.is_partner and actor.partner_id != partner_id:
        raise NotFound("business plan")


def _goal_row(g: GoalIn, position: int) -> dict:
    money = g.measure in MONEY
    targets = []
    for n, value in enumerate(g.targets, start=1):
        try:
            if money:
                targets.append(int(parse_amount(value, what=f"Q{n} target", zero_ok=True) * 100))
            else:
                targets.append(parse_whole_number(value, invalid=f"Give Q{n}'s target as a "
                                                  "whole number.", low=0, high=10**9))
        except ValueError as exc:
            raise RuleViolation(str(exc), field=f"targets.{n - 1}") from None
    return {"measure": g.measure, "label": g.label, "targets": targets, "position": position}


def goals_key(rows: list[dict]) -> str:
    """A fingerprint of the goals and their targets."""
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:16]


def _goals_of(db: Session, plan_id: int) -> list[dict]:
    return [{"measure": g.measure, "label": g.label, "targets": list(g.targets),
             "position": g.position}
            for g in db.scalars(select(PlanGoal).where(PlanGoal.plan_id == plan_id)
                                .order_by(PlanGoal.position))]


# ---------------------------------------------------------------- reading


def _plan(db: Session, actor: Actor, plan_id: int) -> BusinessPlan:
    require(actor, "portal.plan_view")
    plan = db.get(BusinessPlan, plan_id)
    if plan is None or (actor.is_partner and plan.partner_id != actor.partner_id):
        raise NotFound("business plan")
    return plan


def get_plan(db: Session, actor: Actor, partner_id: int, year: int) -> PlanOut | None:
    """The plan with each goal's progress per quarter, or None when there is none."""
    require(actor, "portal.plan_view")
    if actor.is_partner and partner_id != actor.partner_id:
        raise NotFound("business plan")
    plan = db.scalar(select(BusinessPlan).where(BusinessPlan.partner_id == partner_id,
                                                BusinessPlan.year == year))
    if plan is None:
        return None
    goals = []
    for g in db.scalars(select(PlanGoal).where(PlanGoal.plan_id == plan.id)
                        .order_by(PlanGoal.position)):
        money = g.measure in MONEY
        quarters = tuple(QuarterProgress(
            q, Decimal(g.targets[q - 1]) / 100 if money else g.targets[q - 1],
            measure(db, g.measure, partner_id, year, q)) for q in (1, 2, 3, 4))
        goals.append(GoalOut(g.id, g.measure, g.label, money, quarters))
    reviews = dict(db.execute(select(PlanReview.quarter, PlanReview.note).where(
        PlanReview.plan_id == plan.id)).tuples().all())
    name = db.scalar(select(Partner.name).where(Partner.id == partner_id))
    return PlanOut(plan.id, partner_id, name, year, tuple(goals), plan.partner_agreed_at,
                   plan.vendor_agreed_at, reviews, goals_key(_goals_of(db, plan.id)))


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """The quarter's first day and the next quarter's first day."""
    start = date(year, 3 * (quarter - 1) + 1, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end


def _moments(year: int, quarter: int) -> tuple[datetime, datetime]:
    start, end = quarter_bounds(year, quarter)
    return (datetime(start.year, start.month, 1, tzinfo=UTC),
            datetime(end.year, end.month, 1, tzinfo=UTC))


def measure(db: Session, what: str, partner_id: int, year: int, quarter: int):
    """What the data says the partner did in the quarter, for a goal's measure."""
    return _MEASURES[what](db, partner_id, year, quarter)


def _won(db, partner_id, year, quarter) -> Decimal:
    start, end = quarter_bounds(year, quarter)
    D = DealRegistration
    return db.scalar(select(func.coalesce(func.sum(D.final_amount), 0)).where(
        D.partner_id == partner_id, D.status == "won", D.closed_on >= start,
        D.closed_on < end)) or Decimal("0.00")


def _registrations(db, partner_id, year, quarter) -> int:
    start, end = _moments(year, quarter)
    D = DealRegistration
    return db.scalar(select(func.count()).select_from(D).where(
        D.partner_id == partner_id, D.submitted_at >= start, D.submitted_at < end)) or 0


def _certifications(db, partner_id, year, quarter) -> int:
    start, end = _moments(year, quarter)
    C = Certification
    return db.scalar(select(func.count()).select_from(C).where(
        C.partner_id == partner_id, C.issued_at >= start, C.issued_at < end,
        C.revoked_at.is_(None))) or 0


def _mdf(db, partner_id, year, quarter) -> int:
    start, end = quarter_bounds(year, quarter)
    F = FundRequest
    return db.scalar(select(func.count()).select_from(F).where(
        F.partner_id == partner_id, F.status.in_(("approved", "claimed")),
        F.starts_on >= start, F.starts_on < end)) or 0


def _leads(db, partner_id, year, quarter) -> int:
    start, end = _moments(year, quarter)
    offer = LeadOffer
    return db.scalar(select(func.count()).select_from(offer).where(
        offer.partner_id == partner_id, offer.status == "accepted",
        offer.answered_at >= start, offer.answered_at < end)) or 0


def _pos(db, partner_id, year, quarter) -> Decimal:
    start, end = quarter_bounds(year, quarter)
    P = PosLine
    return db.scalar(select(func.coalesce(func.sum(P.amount), 0)).where(
        P.seller_id == partner_id, P.invoice_date >= start, P.invoice_date < end)) \
        or Decimal("0.00")


_MEASURES: dict[str, Callable] = {
    "won_revenue": _won, "registrations": _registrations, "certifications": _certifications,
    "mdf_activities": _mdf, "leads_accepted": _leads, "pos_sales": _pos}
