"""The rules for earning each tier and the benefits each gives: the rules editor's input,
its validation, the check that a higher tier never needs less than a lower one, and benefits
in words."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.errors import NotFound, RuleViolation
from core.money import base_money
from core.permissions import require
from core.validation import Amount, WholeNumber, as_model, raw_values
from db import locks
from db.models import Tier
from db.types import utcnow

# The keyed lock (db.locks) of the rules: two saves at once each check the order against what
# the other is changing; one at a time, the second checks against the first's rules.
RULES_LOCK = "tier-rules"
RULE_FIELDS = ["min_won_revenue", "min_certified_users", "deal_protection_days",
               "auto_approve_clear_deals", "mdf_eligible", "lead_weight", "discount_percent",
               "lead_capacity", "lead_accept_hours", "leads_need_certification",
               "request_response_hours"]


@dataclass(frozen=True)
class TierRulesOut:
    id: int
    name: str
    rank: int
    min_won_revenue: Decimal
    min_certified_users: int
    deal_protection_days: int
    auto_approve_clear_deals: bool
    mdf_eligible: bool
    lead_weight: int
    discount_percent: int
    lead_capacity: int = 10
    lead_accept_hours: int = 48
    leads_need_certification: bool = False
    request_response_hours: int = 24

    def met_by(self, won: Decimal, certified: int) -> bool:
        return won >= self.min_won_revenue and certified >= self.min_certified_users


def benefits(tier: TierRulesOut) -> list[tuple[str, str]]:
    """(benefit, what the tier gives) in words, for showing a tier to anyone."""
    return [
        ("Deal protection", f"{tier.deal_protection_days} days"),
        ("Clear deals", "approved automatically" if tier.auto_approve_clear_deals
         else "reviewed by the deal desk"),
        ("Market development funds", "eligible" if tier.mdf_eligible else "not eligible"),
        ("Lead weight", str(tier.lead_weight)),
        ("Leads at once", f"up to {tier.lead_capacity} offers waiting, {tier.lead_accept_hours} "
                          "hours to answer each"
                          + (", a certified user for product leads"
                             if tier.leads_need_certification else "")),
        ("Discount", f"{tier.discount_percent}%"),
        ("Requests to the channel team", f"a first answer within {tier.request_response_hours} "
                                         "hours"),
    ]


def _rules_out(t: Tier) -> TierRulesOut:
    return TierRulesOut(t.id, t.name, t.rank, t.min_won_revenue, t.min_certified_users,
                        t.deal_protection_days, t.auto_approve_clear_deals, t.mdf_eligible,
                        t.lead_weight, t.discount_percent, t.lead_capacity,
                        t.lead_accept_hours, t.leads_need_certification,
                        t.request_response_hours)


def all_tiers(db: Session, *, fresh: bool = False) -> list[TierRulesOut]:
    q = select(Tier).order_by(Tier.rank)
    if fresh:
        q = q.execution_options(populate_existing=True)
    return [_rules_out(t) for t in db.scalars(q)]


def list_tier_rules(db: Session, actor: Actor) -> list[TierRulesOut]:
    """Every tier with its rules and benefits, lowest first."""
    require(actor, "tier.view")
    return all_tiers(db)


class TierRulesIn(BaseModel):
    """The rules editor for one tier; one message per field. A page may pass a plain dict."""

    # Money is never a float here: 0.1 is refused.
    min_won_revenue: Amount("minimum won revenue", zero_ok=True, floats=False,
                            invalid="Enter the minimum won revenue as an amount, "
                                    "e.g. 500000.") = Decimal("0")
    min_certified_users: WholeNumber(
        low=0, high=100_000,
        invalid="Enter the certified users needed as a whole number, 0 or more.") = 0
    deal_protection_days: WholeNumber(
        low=1, high=730, invalid="Enter the deal protection as whole days from 1 to 730.") = 60
    auto_approve_clear_deals: bool = False
    mdf_eligible: bool = False
    lead_weight: WholeNumber(
        low=0, high=100, invalid="Enter the lead weight as a whole number from 0 to 100.") = 1
    discount_percent: WholeNumber(
        low=0, high=100, invalid="Enter the discount as a whole percentage from 0 to 100.") = 0
    lead_capacity: WholeNumber(
        low=0, high=10_000, invalid="Enter the leads a partner may have waiting as a whole "
                                    "number from 0 to 10,000.") = 10
    lead_accept_hours: WholeNumber(
        low=1, high=720, invalid="Enter the hours to answer a lead as a whole number from 1 to "
                                 "720.") = 48
    leads_need_certification: bool = False
    request_response_hours: WholeNumber(
        low=1, high=720, invalid="Enter the hours to answer a partner's request as a whole "
                                 "number from 1 to 720.") = 24

    @field_validator("auto_approve_clear_deals", "mdf_eligible", "leads_need_certification",
                     mode="before")
    @classmethod
    def _flag(cls, v: Any) -> bool:
        if not isinstance(v, bool):
            raise ValueError("Tick the box or leave it empty.")
        return v


def update_tier_rules(db: Session, actor: Actor, tier_id: int,
                      data: TierRulesIn | Mapping[str, Any], *,
                      now: datetime | None = None) -> TierRulesOut:
    """Change one tier's rules and benefits. A higher tier may not need less than a lower
    one: the evaluation picks the highest tier met, and out-of-order rules would make a
    partner skip a tier it does not meet."""
    require(actor, "tier.rules_edit")
    locks.hold(db, RULES_LOCK)  # before reading the rules the order is checked against
    # Read afresh under the lock: rules loaded before it may be another save's past.
    tier = db.get(Tier, tier_id, populate_existing=True)
    if tier is None:
        raise NotFound("tier")
    # A field left out keeps its value (not the input model's default).
    rules = as_model(TierRulesIn, {**{f: getattr(tier, f) for f in RULE_FIELDS},
                                   **raw_values(data)})
    _check_rule_order(all_tiers(db, fresh=True), tier, rules)
    before = audit.snapshot(tier, RULE_FIELDS)
    for name in RULE_FIELDS:
        setattr(tier, name, getattr(rules, name))
    db.flush()
    after = audit.snapshot(tier, RULE_FIELDS)
    if after != before:
        audit.record(db, actor, "tier.rules_update", "tier", tier.id, before=before,
                     after=after, now=now or utcnow())
    return _rules_out(tier)


def _check_rule_order(tiers: list[TierRulesOut], tier: Tier, rules: TierRulesIn) -> None:
    for other in tiers:
        if other.id == tier.id:
            continue
        lower = other.rank < tier.rank
        if (rules.min_won_revenue < other.min_won_revenue) if lower else (
                rules.min_won_revenue > other.min_won_revenue):
            raise RuleViolation(
                f"{tier.name} cannot need {'less' if lower else 'more'} won revenue than "
                f"{other.name} ({base_money(other.min_won_revenue)}).", field="min_won_revenue")
        if (rules.min_certified_users < other.min_certified_users) if lower else (
                rules.min_certified_users > other.min_certified_users):
            raise RuleViolation(
                f"{tier.name} cannot need {'fewer' if lower else 'more'} certified users than "
                f"{other.name} ({other.min_certified_users}).", field="min_certified_users")
