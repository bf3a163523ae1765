"""The evaluation (job "tier-evaluation", or "Run evaluation now"): every evaluated partner
measured against the rules in one SQL aggregate per measure, and the open proposals brought
in line, at most one per partner."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.deals.revenue import won_in_window
from core.money import base_money
from core.permissions import require
from core.tiers.proposals import PROPOSAL_FIELDS, ProposalStatus, close_proposal
from core.tiers.rules import TierRulesOut, all_tiers
from db import locks
from db.models import Certification, DealRegistration, Partner, TierProposal, User
from db.types import utcnow

JOB_NAME = "tier-evaluation"
# Suspended, terminated and prospective partners keep their tier as it is: their standing is
# on hold, so the evaluation neither promotes nor demotes them.
EVALUATED_STATUSES = ("onboarding", "active")
# A dismissed proposal is not proposed again (same partner, same from and to tier) for this
# long, so that the queue does not refill every day with what the channel team turned down.
DISMISSAL_HOLD = timedelta(days=90)
# The keyed lock (db.locks) of the tier evaluation.
EVALUATION_LOCK = "tier-evaluation"


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


# ---------------------------------------------------------------- measures


def certified_user_counts(db: Session, *, now: datetime | None = None) -> dict[int, int]:
    """{partner id: number of its users holding a current certification} for every partner
    with any (a missing partner counts 0), in one GROUP BY over the certifications that
    training issues (current: not expired, not revoked, its holder still active)."""
    now = now or utcnow()
    return dict(db.execute(
        select(Certification.partner_id, func.count(Certification.user_id.distinct()))
        .join(User, User.id == Certification.user_id)  # a departed user counts no more
        .where(Certification.expires_at > now, Certification.revoked_at.is_(None),
               User.is_active)
        .group_by(Certification.partner_id)).tuples().all())


def trailing_won_revenue(db: Session, *, now: datetime | None = None) -> dict[int, Decimal]:
    """{partner id: won amounts closed in the trailing 12 months, today included} for every
    partner with any, in one GROUP BY summed over integer cents (exact on both databases).
    The same window as core.deals.revenue.won_revenue."""
    rows = db.execute(
        select(DealRegistration.partner_id, func.sum(DealRegistration.final_amount))
        .where(won_in_window(now)).group_by(DealRegistration.partner_id))
    return {partner_id: total for partner_id, total in rows if total is not None}


# ---------------------------------------------------------------- evaluation


def _target(tiers: list[TierRulesOut], won: Decimal, certified: int) -> TierRulesOut:
    """The highest tier whose rules are met; the lowest tier when none is."""
    met = [t for t in tiers if t.met_by(won, certified)]
    return max(met, key=lambda t: t.rank) if met else tiers[0]


def _standing(tier: TierRulesOut, won: Decimal, certified: int) -> str:
    """"won $412k of $500k needed" below the rule; "won $520k, $500k needed" when met."""
    joint = " of " if won < tier.min_won_revenue else ", "
    words = f"won {base_money(won)}{joint}{base_money(tier.min_won_revenue)} needed"
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
    tiers = all_tiers(db)
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
        select(TierProposal).where(TierProposal.status == ProposalStatus.OPEN.value)
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
        close_proposal(db, actor, proposal, f"No longer applies: the partner is {status}.", now)
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
    """One evaluation at a time."""
    locks.hold(db, EVALUATION_LOCK)


def _recently_dismissed(db: Session, now: datetime) -> set[tuple[int, int, int]]:
    rows = db.execute(select(TierProposal.partner_id, TierProposal.from_tier_id,
                             TierProposal.to_tier_id)
                      .where(TierProposal.status == ProposalStatus.DISMISSED.value,
                             TierProposal.decided_at > now - DISMISSAL_HOLD))
    return {tuple(r) for r in rows}


def _new_proposal(a: Assessment, now: datetime) -> TierProposal:
    return TierProposal(partner_id=a.partner_id, from_tier_id=a.current_tier_id,
                        to_tier_id=a.target_tier_id, reason=a.reason,
                        won_revenue=a.won_revenue, certified_users=a.certified_users,
                        status=ProposalStatus.OPEN.value, created_at=now, evaluated_at=now)


def _bring_in_line(db: Session, actor: Actor, a: Assessment, proposal: TierProposal,
                   now: datetime) -> str:
    """Close, refresh or retarget a partner's open proposal; says which."""
    if not a.needs_change:
        close_proposal(db, actor, proposal, "No longer applies: the partner meets the rules "
                                            "of its tier and no higher.", now)
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
