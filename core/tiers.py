"""Tiers: the rules for earning each tier, the evaluation that proposes promotions and
demotions, the channel team's decisions on those proposals, the history of every partner's
tier, and a partner's progress to its next tier.

A partner belongs in the highest tier whose rules it meets: won revenue in the trailing 12
months (won registrations by close date, as core.deals.revenue.won_revenue counts it) and
currently certified users. The evaluation (job "tier-evaluation", or "Run evaluation now")
reads both as one SQL aggregate each over all partners, never a query per partner, and keeps
at most one open proposal per partner: a re-run refreshes it, retargets it or closes it.
Nothing changes a partner's tier but a person: confirming a proposal, overriding it with
another tier, or setting a tier by hand; each writes the history, the audit log and a
notification to the partner's users in the caller's transaction."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, aliased

from core import audit
from core.actor import Actor
from core.deals.revenue import won_revenue
from core.deals.schemas import add_months
from core.deals.status import DealStatus
from core.errors import NotFound, RuleViolation
from core.jobs import Job, register
from core.notifications import notify_partner
from core.permissions import require
from core.settings import get_settings
from core.transitions import TransitionTable
from core.validation import text_field
from db.models import DealRegistration, Partner, Tier, TierChange, TierProposal, User
from db.session import unit_of_work
from db.types import CENT, utcnow

JOB_NAME = "tier-evaluation"
MY_TIER_PAGE = "pages/my_tier.py"
# Suspended, terminated and prospective partners keep their tier as it is: their standing is
# on hold, so the evaluation neither promotes nor demotes them.
EVALUATED_STATUSES = ("onboarding", "active")
# A dismissed proposal is not proposed again (same partner, same from and to tier) for this
# long, so that the queue does not refill every day with what the channel team turned down.
DISMISSAL_HOLD = timedelta(days=90)
REASON_MAX = 500
MAX_MIN_REVENUE = Decimal("10000000000")  # ten billion: anything above is a typo
# pg_advisory_xact_lock key for "tier evaluation": ASCII "PRMTIERS" as a bigint.
EVALUATION_LOCK = int.from_bytes(b"PRMTIERS", "big")

RULE_FIELDS = ["min_won_revenue", "min_certified_users", "deal_protection_days",
               "auto_approve_clear_deals", "mdf_eligible", "lead_weight", "discount_percent"]
PROPOSAL_FIELDS = ["status", "from_tier_id", "to_tier_id", "reason", "decision_note"]


class ProposalStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    OVERRIDDEN = "overridden"
    DISMISSED = "dismissed"
    CLOSED = "closed"  # no longer applies, or the tier was set by hand meanwhile


P = ProposalStatus
PROPOSAL_STATUS_LABELS = {P.OPEN: "Open", P.CONFIRMED: "Confirmed", P.OVERRIDDEN: "Overridden",
                          P.DISMISSED: "Dismissed", P.CLOSED: "Closed"}
PROPOSAL_TRANSITIONS = TransitionTable(
    "proposal",
    {P.OPEN: frozenset({P.CONFIRMED, P.OVERRIDDEN, P.DISMISSED, P.CLOSED}),
     P.CONFIRMED: frozenset(), P.OVERRIDDEN: frozenset(), P.DISMISSED: frozenset(),
     P.CLOSED: frozenset()},
    PROPOSAL_STATUS_LABELS,
    {P.OPEN: "reopened", P.CONFIRMED: "confirmed", P.OVERRIDDEN: "overridden",
     P.DISMISSED: "dismissed", P.CLOSED: "closed"},
)


class ChangeSource(StrEnum):
    PROPOSAL = "proposal"  # a proposal confirmed
    OVERRIDE = "override"  # a proposal overridden with another tier
    MANUAL = "manual"      # set by hand, without a proposal


CHANGE_SOURCE_LABELS = {ChangeSource.PROPOSAL: "Proposal confirmed",
                        ChangeSource.OVERRIDE: "Proposal overridden",
                        ChangeSource.MANUAL: "Set by hand"}


# ---------------------------------------------------------------- results


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

    def met_by(self, won: Decimal, certified: int) -> bool:
        return won >= self.min_won_revenue and certified >= self.min_certified_users


@dataclass(frozen=True)
class Assessment:
    """One partner measured against the rules: where it is and where it belongs."""

    partner_id: int
    current_tier_id: int
    target_tier_id: int
    won_revenue: Decimal
    certified_users: int
    reason: str  # empty when the partner is where it belongs

    @property
    def needs_change(self) -> bool:
        return self.current_tier_id != self.target_tier_id


@dataclass(frozen=True)
class EvaluationResult:
    partners: int
    opened: int = 0
    retargeted: int = 0
    kept: int = 0
    closed: int = 0
    held: int = 0  # not proposed again: the same move was dismissed recently

    @property
    def message(self) -> str:
        held = (f", {self.held} held back by a recent dismissal" if self.held else "")
        return (f"{self.partners} partners evaluated: {self.opened} proposals opened, "
                f"{self.retargeted} changed, {self.kept} kept, {self.closed} closed{held}")


@dataclass(frozen=True)
class ProposalOut:
    id: int
    partner_id: int
    partner_name: str
    channel_manager: str | None
    from_tier: str
    to_tier: str
    to_tier_id: int
    promotion: bool
    reason: str
    won_revenue: Decimal
    certified_users: int
    status: str
    created_at: datetime
    evaluated_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str | None

    @property
    def direction(self) -> str:
        return "Promotion" if self.promotion else "Demotion"

    @property
    def status_label(self) -> str:
        return PROPOSAL_STATUS_LABELS[ProposalStatus(self.status)]


@dataclass(frozen=True)
class TierChangeOut:
    id: int
    partner_id: int
    partner_name: str
    from_tier: str
    to_tier: str
    reason: str
    source: str
    changed_by: str
    changed_at: datetime

    @property
    def source_label(self) -> str:
        return CHANGE_SOURCE_LABELS[ChangeSource(self.source)]


@dataclass(frozen=True)
class BulkConfirmResult:
    confirmed: tuple[int, ...]
    skipped: tuple[tuple[int, str], ...]  # (proposal id, why)


@dataclass(frozen=True)
class TierProgress:
    partner_id: int
    partner_name: str
    tier: TierRulesOut
    next_tier: TierRulesOut | None  # None at the top tier
    won_revenue: Decimal
    certified_users: int
    # What the next tier still needs ("$88,000.00 more won revenue in the trailing 12
    # months"); empty at the top or when its rules are met already.
    missing: tuple[str, ...]
    # What the partner's own tier needs and it lacks: the evaluation may propose a demotion.
    keep_missing: tuple[str, ...]

    @property
    def revenue_share(self) -> float:
        """Share of the next tier's revenue minimum reached, 0..1, for a progress bar."""
        if self.next_tier is None or self.next_tier.min_won_revenue <= 0:
            return 1.0
        return float(min(self.won_revenue / self.next_tier.min_won_revenue, Decimal(1)))


def money(amount: Decimal) -> str:
    """$1,234.50 for the dollar, "1,234.50 EUR" for other base currencies."""
    currency = get_settings().base_currency
    figure = f"{amount:,.2f}"
    return f"${figure}" if currency == "USD" else f"{figure} {currency}"


def benefits(tier: TierRulesOut) -> list[tuple[str, str]]:
    """(benefit, what the tier gives) in words, for showing a tier to anyone."""
    return [
        ("Deal protection", f"{tier.deal_protection_days} days"),
        ("Clear deals", "approved automatically" if tier.auto_approve_clear_deals
         else "reviewed by the deal desk"),
        ("Market development funds", "eligible" if tier.mdf_eligible else "not eligible"),
        ("Lead weight", str(tier.lead_weight)),
        ("Discount", f"{tier.discount_percent}%"),
    ]


# ---------------------------------------------------------------- measures


def certified_user_counts(db: Session) -> dict[int, int]:
    """{partner id: number of its users holding a current certification}.

    The hook training fills: there are no certifications yet, so every partner has none
    ({}; a missing partner counts 0). When training lands, this becomes one GROUP BY over
    current certifications per partner, like trailing_won_revenue."""
    return {}


def trailing_won_revenue(db: Session, *, now: datetime | None = None) -> dict[int, Decimal]:
    """{partner id: won amounts closed in the trailing 12 months, today included} for every
    partner with any, in one GROUP BY summed over integer cents (exact on both databases).
    The same window as core.deals.revenue.won_revenue."""
    today = (now or utcnow()).date()
    rows = db.execute(
        select(DealRegistration.partner_id, func.sum(DealRegistration.final_amount))
        .where(DealRegistration.status == DealStatus.WON.value,
               DealRegistration.closed_on > add_months(today, -12),
               DealRegistration.closed_on <= today)
        .group_by(DealRegistration.partner_id))
    return {partner_id: total for partner_id, total in rows if total is not None}


# ---------------------------------------------------------------- rules


def _rules_out(t: Tier) -> TierRulesOut:
    return TierRulesOut(t.id, t.name, t.rank, t.min_won_revenue, t.min_certified_users,
                        t.deal_protection_days, t.auto_approve_clear_deals, t.mdf_eligible,
                        t.lead_weight, t.discount_percent)


def _all_tiers(db: Session) -> list[TierRulesOut]:
    return [_rules_out(t) for t in db.scalars(select(Tier).order_by(Tier.rank))]


def list_tier_rules(db: Session, actor: Actor) -> list[TierRulesOut]:
    """Every tier with its rules and benefits, lowest first."""
    require(actor, "tier.view")
    return _all_tiers(db)


def _whole_number(value: Any, low: int, high: int, message: str) -> int:
    """An int, or text or a Decimal holding one, from low to high; anything else: message."""
    if isinstance(value, bool):
        raise ValueError(message)
    if isinstance(value, int):
        number = value
    else:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValueError(message) from None
    if not low <= number <= high:
        raise ValueError(message)
    return number


# field: (lowest, highest, the message when the value is not a whole number in that range)
WHOLE_NUMBER_RULES = {
    "min_certified_users": (0, 100_000, "Enter the certified users needed as a whole number, "
                                        "0 or more."),
    "deal_protection_days": (1, 730, "Enter the deal protection as whole days from 1 to 730."),
    "lead_weight": (0, 100, "Enter the lead weight as a whole number from 0 to 100."),
    "discount_percent": (0, 100, "Enter the discount as a whole percentage from 0 to 100."),
}


class TierRulesIn(BaseModel):
    """The rules editor for one tier; one message per field. A page may pass a plain dict."""

    min_won_revenue: Decimal = Field(default=Decimal("0"), validate_default=True)
    min_certified_users: int = 0
    deal_protection_days: int = 60
    auto_approve_clear_deals: bool = False
    mdf_eligible: bool = False
    lead_weight: int = 1
    discount_percent: int = 0

    @field_validator("min_won_revenue", mode="before")
    @classmethod
    def _revenue(cls, v: Any) -> Decimal:
        return parse_minimum_revenue(v)

    @field_validator(*WHOLE_NUMBER_RULES, mode="before")
    @classmethod
    def _whole(cls, v: Any, info: ValidationInfo) -> int:
        return _whole_number(v, *WHOLE_NUMBER_RULES[info.field_name])

    @field_validator("auto_approve_clear_deals", "mdf_eligible", mode="before")
    @classmethod
    def _flag(cls, v: Any) -> bool:
        if not isinstance(v, bool):
            raise ValueError("Tick the box or leave it empty.")
        return v


def parse_minimum_revenue(value: Any) -> Decimal:
    """A money amount, 0 or more, at most two decimals; "500,000", "$500000" and
    Decimal("500000") alike. A float is refused: money is never a float here."""
    message = "Enter the minimum won revenue as an amount, e.g. 500000."
    if value is None or isinstance(value, float | bool):
        raise ValueError(message)
    if isinstance(value, str):
        value = value.strip().replace(",", "").replace(" ", "").lstrip("$")
        if not value:
            raise ValueError(message)
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(message) from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(message)
    if amount > MAX_MIN_REVENUE:
        raise ValueError("The minimum won revenue is too large; check the number.")
    if amount != amount.quantize(CENT):
        raise ValueError("Give the minimum won revenue with at most two decimal places.")
    return amount.quantize(CENT)


def update_tier_rules(db: Session, actor: Actor, tier_id: int,
                      data: TierRulesIn | Mapping[str, Any], *,
                      now: datetime | None = None) -> TierRulesOut:
    """Change one tier's rules and benefits. A higher tier may not need less than a lower
    one: the evaluation picks the highest tier met, and out-of-order rules would make a
    partner skip a tier it does not meet."""
    require(actor, "tier.rules_edit")
    tier = db.get(Tier, tier_id)
    if tier is None:
        raise NotFound("tier")
    raw = data.model_dump() if isinstance(data, BaseModel) else dict(data)
    # A field left out keeps its value (not the input model's default).
    rules = TierRulesIn.model_validate({**{f: getattr(tier, f) for f in RULE_FIELDS}, **raw})
    _check_rule_order(_all_tiers(db), tier, rules)
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
                f"{other.name} ({money(other.min_won_revenue)}).", field="min_won_revenue")
        if (rules.min_certified_users < other.min_certified_users) if lower else (
                rules.min_certified_users > other.min_certified_users):
            raise RuleViolation(
                f"{tier.name} cannot need {'fewer' if lower else 'more'} certified users than "
                f"{other.name} ({other.min_certified_users}).", field="min_certified_users")


# ---------------------------------------------------------------- evaluation


def _target(tiers: list[TierRulesOut], won: Decimal, certified: int) -> TierRulesOut:
    """The highest tier whose rules are met; the lowest tier when none is."""
    met = [t for t in tiers if t.met_by(won, certified)]
    return max(met, key=lambda t: t.rank) if met else tiers[0]


def _standing(tier: TierRulesOut, won: Decimal, certified: int) -> str:
    """"won $412k of $500k needed" below the rule; "won $520k, $500k needed" when met."""
    joint = " of " if won < tier.min_won_revenue else ", "
    words = f"won {money(won)}{joint}{money(tier.min_won_revenue)} needed"
    if tier.min_certified_users:
        words += f"; {certified} of {tier.min_certified_users} certified users"
    return words


def _reason(current: TierRulesOut, target: TierRulesOut, won: Decimal, certified: int) -> str:
    """Why the partner should move, in words: the rules of the tier it now meets (promotion)
    or of the tier it no longer meets (demotion)."""
    if target.rank > current.rank:
        return f"Meets {target.name}: {_standing(target, won, certified)}."
    return (f"Below {current.name}: {_standing(current, won, certified)}. "
            f"Highest tier met: {target.name}.")


def assess_partners(db: Session, actor: Actor, *,
                    now: datetime | None = None) -> list[Assessment]:
    """Every evaluated partner against the rules, computed and not written: two aggregates
    and the partner list, whatever the number of partners."""
    require(actor, "tier.evaluate")
    tiers = _all_tiers(db)
    by_id = {t.id: t for t in tiers}
    won = trailing_won_revenue(db, now=now)
    certified = certified_user_counts(db)
    partners = db.execute(select(Partner.id, Partner.tier_id)
                          .where(Partner.status.in_(EVALUATED_STATUSES))
                          .order_by(Partner.id))
    out = []
    zero = Decimal("0.00")
    for partner_id, tier_id in partners:
        revenue, users = won.get(partner_id, zero), certified.get(partner_id, 0)
        current = by_id[tier_id]
        target = _target(tiers, revenue, users)
        reason = "" if target.id == current.id else _reason(current, target, revenue, users)
        out.append(Assessment(partner_id, tier_id, target.id, revenue, users, reason))
    return out


def run_evaluation(db: Session, actor: Actor, *,
                   now: datetime | None = None) -> EvaluationResult:
    """Evaluate every partner and bring the open proposals in line: open one where a partner
    should move and has none, refresh or retarget the one it has, close the ones that no
    longer apply. Idempotent: a second run with the same data only refreshes."""
    require(actor, "tier.evaluate")
    now = now or utcnow()
    _serialize_evaluations(db)
    # Lock the open proposals before reading the partners: a decision in flight finishes
    # first, so the tiers read below already include it.
    open_by_partner = {p.partner_id: p for p in db.scalars(
        select(TierProposal).where(TierProposal.status == P.OPEN.value)
        .with_for_update().execution_options(populate_existing=True))}
    held_moves = _recently_dismissed(db, now)
    counts = dict(retargeted=0, kept=0, closed=0, held=0)
    new: list[TierProposal] = []
    assessments = assess_partners(db, actor, now=now)
    for a in assessments:
        proposal = open_by_partner.pop(a.partner_id, None)
        if proposal is not None:
            counts[_bring_in_line(db, actor, a, proposal, now)] += 1
        elif not a.needs_change:
            continue
        elif (a.partner_id, a.current_tier_id, a.target_tier_id) in held_moves:
            counts["held"] += 1
        else:
            new.append(_new_proposal(a, now))
    for proposal in open_by_partner.values():  # partners no longer evaluated
        status = db.get(Partner, proposal.partner_id).status
        _close(db, actor, proposal, f"No longer applies: the partner is {status}.", now)
        counts["closed"] += 1
    # One batched INSERT for the new proposals: their audit events need the ids.
    db.add_all(new)
    db.flush()
    for proposal in new:
        audit.record(db, actor, "tier_proposal.open", "tier_proposal", proposal.id,
                     after=audit.snapshot(proposal, PROPOSAL_FIELDS),
                     partner_id=proposal.partner_id, now=now)
    db.flush()
    return EvaluationResult(len(assessments), opened=len(new), **counts)


def _serialize_evaluations(db: Session) -> None:
    """One evaluation at a time. PostgreSQL: a transaction-scoped advisory lock. SQLite: the
    caller's transaction began with BEGIN IMMEDIATE and holds the single write lock."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVALUATION_LOCK})


def _recently_dismissed(db: Session, now: datetime) -> set[tuple[int, int, int]]:
    rows = db.execute(select(TierProposal.partner_id, TierProposal.from_tier_id,
                             TierProposal.to_tier_id)
                      .where(TierProposal.status == P.DISMISSED.value,
                             TierProposal.decided_at > now - DISMISSAL_HOLD))
    return {tuple(r) for r in rows}


def _new_proposal(a: Assessment, now: datetime) -> TierProposal:
    return TierProposal(partner_id=a.partner_id, from_tier_id=a.current_tier_id,
                        to_tier_id=a.target_tier_id, reason=a.reason,
                        won_revenue=a.won_revenue, certified_users=a.certified_users,
                        status=P.OPEN.value, created_at=now, evaluated_at=now)


def _bring_in_line(db: Session, actor: Actor, a: Assessment, proposal: TierProposal,
                   now: datetime) -> str:
    """Close, refresh or retarget a partner's open proposal; says which."""
    if not a.needs_change:
        _close(db, actor, proposal, "No longer applies: the partner meets the rules of its "
                                    "tier and no higher.", now)
        return "closed"
    before = audit.snapshot(proposal, PROPOSAL_FIELDS)
    # The figures and their wording refresh on every run; only a new target is a change
    # worth an audit event.
    proposal.reason, proposal.evaluated_at = a.reason, now
    proposal.won_revenue, proposal.certified_users = a.won_revenue, a.certified_users
    if (proposal.from_tier_id, proposal.to_tier_id) == (a.current_tier_id, a.target_tier_id):
        return "kept"
    proposal.from_tier_id, proposal.to_tier_id = a.current_tier_id, a.target_tier_id
    audit.record(db, actor, "tier_proposal.retarget", "tier_proposal", proposal.id,
                 before=before, after=audit.snapshot(proposal, PROPOSAL_FIELDS),
                 partner_id=proposal.partner_id, now=now)
    return "retargeted"


def _close(db: Session, actor: Actor, proposal: TierProposal, note: str,
           now: datetime) -> None:
    _decide(db, actor, proposal, P.CLOSED, note, now)


def _decide(db: Session, actor: Actor, proposal: TierProposal, to: ProposalStatus,
            note: str | None, now: datetime) -> None:
    PROPOSAL_TRANSITIONS.check_move(proposal.status, to)
    before = audit.snapshot(proposal, PROPOSAL_FIELDS)
    proposal.status, proposal.decision_note = to.value, note
    proposal.decided_at, proposal.decided_by_user_id = now, actor.user_id
    audit.record(db, actor, f"tier_proposal.{to.value}", "tier_proposal", proposal.id,
                 before=before, after=audit.snapshot(proposal, PROPOSAL_FIELDS),
                 partner_id=proposal.partner_id, now=now)


def run_tier_evaluation(db: Session, now: datetime) -> str:
    """The job. The runner's session begins a plain transaction; on SQLite a read followed by
    writes needs the write lock from the start, so the evaluation runs in a unit of work of
    its own that takes it (BEGIN IMMEDIATE), and commits with it."""
    with unit_of_work(db.get_bind(), immediate=True) as own:
        return run_evaluation(own, Actor.system(JOB_NAME), now=now).message


register(Job(JOB_NAME, timedelta(days=1), run_tier_evaluation,
             "Evaluates every partner against the tier rules and proposes promotions and "
             "demotions for the channel team to confirm."))


# ---------------------------------------------------------------- the proposals queue


def list_proposals(db: Session, actor: Actor, *, status: str | None = P.OPEN.value,
                   mine_only: bool = False, partner_id: int | None = None,
                   limit: int = 500) -> tuple[list[ProposalOut], int]:
    """Proposals with a status (None: all), promotions first then by partner name, and how
    many there are in all. mine_only: the partners the actor is channel manager of."""
    require(actor, "tier.proposals")
    from_tier, to_tier = aliased(Tier), aliased(Tier)
    manager, decider = aliased(User), aliased(User)
    conditions = []
    if status is not None:
        conditions.append(TierProposal.status == str(status))
    if mine_only:
        conditions.append(Partner.channel_manager_id == actor.user_id)
    if partner_id is not None:
        conditions.append(TierProposal.partner_id == partner_id)
    total = db.scalar(select(func.count(TierProposal.id))
                      .join(Partner, Partner.id == TierProposal.partner_id)
                      .where(*conditions)) or 0
    promotion = to_tier.rank > from_tier.rank
    rows = db.execute(
        select(TierProposal, Partner.name, manager.display_name, from_tier.name, to_tier.name,
               promotion, decider.display_name)
        .join(Partner, Partner.id == TierProposal.partner_id)
        .join(from_tier, from_tier.id == TierProposal.from_tier_id)
        .join(to_tier, to_tier.id == TierProposal.to_tier_id)
        .outerjoin(manager, manager.id == Partner.channel_manager_id)
        .outerjoin(decider, decider.id == TierProposal.decided_by_user_id)
        .where(*conditions)
        .order_by(promotion.desc(), Partner.name, TierProposal.id).limit(limit)).all()
    return [_proposal_out(p, *rest) for p, *rest in rows], total


def _proposal_out(p: TierProposal, partner: str, mgr: str | None, from_name: str,
                  to_name: str, promotion: bool, decider: str | None) -> ProposalOut:
    return ProposalOut(p.id, p.partner_id, partner, mgr, from_name, to_name, p.to_tier_id,
                       bool(promotion), p.reason, p.won_revenue, p.certified_users, p.status,
                       p.created_at, p.evaluated_at, p.decided_at, decider, p.decision_note)


def _locked_proposal(db: Session, proposal_id: int) -> TierProposal:
    proposal = db.get(TierProposal, proposal_id, with_for_update=True, populate_existing=True)
    if proposal is None:
        raise NotFound("tier proposal")
    return proposal


def _locked_partner(db: Session, partner_id: int) -> Partner:
    # Lock the row alone: Partner's joined tier would put FOR UPDATE on an outer join.
    db.execute(select(Partner.id).where(Partner.id == partner_id).with_for_update())
    partner = db.get(Partner, partner_id, populate_existing=True)
    if partner is None:
        raise NotFound("partner")
    return partner


def _tier(db: Session, tier_id: Any) -> Tier:
    tier = db.get(Tier, tier_id) if isinstance(tier_id, int) else None
    if tier is None:
        raise RuleViolation("Choose a tier from the list.", field="tier_id")
    return tier


def _reason_text(value: Any, *, required: str) -> str:
    try:
        return text_field(value, REASON_MAX, required=required,
                          too_long=f"Keep the reason to {REASON_MAX} characters or fewer.")
    except ValueError as e:
        raise RuleViolation(str(e), field="reason") from None


def _partner_at_proposal(db: Session, proposal: TierProposal) -> Partner:
    """The proposal's partner, if it is still in the tier the proposal moves it from."""
    partner = _locked_partner(db, proposal.partner_id)
    if partner.tier_id != proposal.from_tier_id:
        now_in, was_in = db.get(Tier, partner.tier_id), db.get(Tier, proposal.from_tier_id)
        raise RuleViolation(f"{partner.name} is {now_in.name} now, not {was_in.name}: run the "
                            "evaluation again.")
    return partner


def confirm_proposal(db: Session, actor: Actor, proposal_id: int, *,
                     now: datetime | None = None) -> TierChangeOut:
    """Move the partner to the proposed tier."""
    require(actor, "tier.decide")
    now = now or utcnow()
    proposal = _locked_proposal(db, proposal_id)
    PROPOSAL_TRANSITIONS.check_move(proposal.status, P.CONFIRMED)
    partner = _partner_at_proposal(db, proposal)
    change = _change_tier(db, actor, partner, db.get(Tier, proposal.to_tier_id),
                          proposal.reason, ChangeSource.PROPOSAL, proposal_id=proposal.id,
                          now=now)
    _decide(db, actor, proposal, P.CONFIRMED, None, now)
    return change


def confirm_proposals(db: Session, actor: Actor, proposal_ids: Iterable[int], *,
                      now: datetime | None = None) -> BulkConfirmResult:
    """Confirm several at once. One that cannot be confirmed (decided meanwhile, or its
    partner's tier changed) is skipped with the reason and nothing written for it: every
    check comes before the writes."""
    require(actor, "tier.decide")
    now = now or utcnow()
    confirmed, skipped = [], []
    for proposal_id in dict.fromkeys(proposal_ids):
        try:
            confirm_proposal(db, actor, proposal_id, now=now)
        except (RuleViolation, NotFound) as e:
            skipped.append((proposal_id, str(e)))
        else:
            confirmed.append(proposal_id)
    return BulkConfirmResult(tuple(confirmed), tuple(skipped))


def override_proposal(db: Session, actor: Actor, proposal_id: int, tier_id: Any, reason: Any,
                      *, now: datetime | None = None) -> TierChangeOut:
    """Set another tier than the proposed one, with the reason (the partner sees it)."""
    require(actor, "tier.decide")
    now = now or utcnow()
    reason = _reason_text(reason, required="Say why you set a different tier.")
    tier = _tier(db, tier_id)
    proposal = _locked_proposal(db, proposal_id)
    PROPOSAL_TRANSITIONS.check_move(proposal.status, P.OVERRIDDEN)
    if tier.id == proposal.to_tier_id:
        raise RuleViolation(f"{tier.name} is the proposed tier: confirm the proposal instead.",
                            field="tier_id")
    partner = _partner_at_proposal(db, proposal)
    if tier.id == partner.tier_id:
        raise RuleViolation(f"{partner.name} is {tier.name} already: dismiss the proposal "
                            "instead.", field="tier_id")
    change = _change_tier(db, actor, partner, tier, reason, ChangeSource.OVERRIDE,
                          proposal_id=proposal.id, now=now)
    _decide(db, actor, proposal, P.OVERRIDDEN, reason, now)
    return change


def dismiss_proposal(db: Session, actor: Actor, proposal_id: int, note: Any = "", *,
                     now: datetime | None = None) -> None:
    """Leave the partner where it is. The same move is not proposed again for
    DISMISSAL_HOLD."""
    require(actor, "tier.decide")
    now = now or utcnow()
    note = _reason_text(note, required="") or None
    proposal = _locked_proposal(db, proposal_id)
    _decide(db, actor, proposal, P.DISMISSED, note, now)


def set_partner_tier(db: Session, actor: Actor, partner_id: int, tier_id: Any, reason: Any, *,
                     now: datetime | None = None) -> TierChangeOut:
    """Set a partner's tier by hand, with the reason; closes its open proposal, if any."""
    require(actor, "tier.decide")
    now = now or utcnow()
    reason = _reason_text(reason, required="Say why you set this tier.")
    tier = _tier(db, tier_id)
    open_proposal = db.scalar(select(TierProposal).where(
        TierProposal.partner_id == partner_id, TierProposal.status == P.OPEN.value)
        .with_for_update())
    partner = _locked_partner(db, partner_id)
    if tier.id == partner.tier_id:
        raise RuleViolation(f"{partner.name} is {tier.name} already.", field="tier_id")
    change = _change_tier(db, actor, partner, tier, reason, ChangeSource.MANUAL,
                          proposal_id=None, now=now)
    if open_proposal is not None:
        _close(db, actor, open_proposal, f"Closed: the tier was set by hand to {tier.name}.",
               now)
    return change


def _change_tier(db: Session, actor: Actor, partner: Partner, to: Tier, reason: str,
                 source: ChangeSource, *, proposal_id: int | None,
                 now: datetime) -> TierChangeOut:
    """The one place a partner's tier changes: history, audit and the partner's users told."""
    was = db.get(Tier, partner.tier_id)
    by = _actor_name(db, actor)
    change = TierChange(partner_id=partner.id, from_tier_id=was.id, to_tier_id=to.id,
                        reason=reason, source=source.value, proposal_id=proposal_id,
                        changed_by_user_id=actor.user_id, changed_by_label=by[:120],
                        changed_at=now)
    partner.tier_id = to.id
    db.add(change)
    db.flush()
    db.expire(partner, ["tier"])
    audit.record(db, actor, "partner.tier_change", "partner", partner.id,
                 before={"tier": was.name},
                 after={"tier": to.name, "reason": reason, "source": source.value,
                        "proposal_id": proposal_id},
                 partner_id=partner.id, now=now)
    moved = "promoted to" if to.rank > was.rank else "moved to"
    notify_partner(db, partner.id, f"{partner.name} is now {to.name}",
                   f"Your partner tier was {moved} {to.name} (from {was.name}) on "
                   f"{now:%Y-%m-%d}. Reason: {reason}\n\nSee your benefits and your progress "
                   "to the next tier on the Our tier page.",
                   dedupe_key=f"tier-change:{change.id}", link=MY_TIER_PAGE, now=now)
    return TierChangeOut(change.id, partner.id, partner.name, was.name, to.name, reason,
                         source.value, by, now)


def _actor_name(db: Session, actor: Actor) -> str:
    if actor.user_id is not None and (user := db.get(User, actor.user_id)) is not None:
        return user.display_name
    return actor.label


# ---------------------------------------------------------------- a partner's own view


def tier_progress(db: Session, actor: Actor, partner_id: int, *,
                  now: datetime | None = None) -> TierProgress:
    """A partner's tier, its figures and what the next tier still needs. Partner roles get
    only their own partner's."""
    partner = db.get(Partner, partner_id)
    if partner is None:
        raise NotFound("partner")
    require(actor, "tier.progress", partner)
    tiers = _all_tiers(db)
    current = next(t for t in tiers if t.id == partner.tier_id)
    above = [t for t in tiers if t.rank > current.rank]
    following = above[0] if above else None
    won = won_revenue(db, partner.id, now=now)
    certified = certified_user_counts(db).get(partner.id, 0)
    missing = _missing(following, won, certified) if following else ()
    return TierProgress(partner.id, partner.name, current, following, won, certified,
                        missing, _missing(current, won, certified))


def _missing(tier: TierRulesOut, won: Decimal, certified: int) -> tuple[str, ...]:
    out = []
    if won < tier.min_won_revenue:
        out.append(f"{money(tier.min_won_revenue - won)} more won revenue in the trailing 12 "
                   "months")
    if certified < tier.min_certified_users:
        more = tier.min_certified_users - certified
        out.append(f"{more} more certified user{'' if more == 1 else 's'}")
    return tuple(out)


def tier_history(db: Session, actor: Actor, partner_id: int, *,
                 limit: int = 200) -> list[TierChangeOut]:
    """A partner's tier changes, newest first. Partner roles get only their own partner's."""
    partner = db.get(Partner, partner_id)
    if partner is None:
        raise NotFound("partner")
    require(actor, "tier.history", partner)
    from_tier, to_tier = aliased(Tier), aliased(Tier)
    rows = db.execute(
        select(TierChange, from_tier.name, to_tier.name)
        .join(from_tier, from_tier.id == TierChange.from_tier_id)
        .join(to_tier, to_tier.id == TierChange.to_tier_id)
        .where(TierChange.partner_id == partner.id)
        .order_by(TierChange.changed_at.desc(), TierChange.id.desc()).limit(limit))
    return [TierChangeOut(c.id, c.partner_id, partner.name, was, to, c.reason, c.source,
                          c.changed_by_label, c.changed_at) for c, was, to in rows]
