"""The proposals queue and the channel team's decisions: confirm, confirm several, override
with another tier, dismiss, or set a tier by hand. Every tier change goes through one helper
that writes the history, the audit log and a notification to the partner's users."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from core import audit, events, history
from core.actor import Actor
from core.errors import NotFound, RuleViolation
from core.notifications import notify_partner
from core.permissions import require
from core.tiers.events import PartnerTierChanged
from core.transitions import Lifecycle, TransitionTable, state
from core.validation import checked, text_field
from db.models import Partner, Tier, TierChange, TierProposal, User
from db.types import utcnow

MY_TIER_PAGE = "my_tier"  # a page's route name: ui.registry turns it into a link
REASON_MAX = 500
PROPOSAL_FIELDS = ["status", "from_tier_id", "to_tier_id", "reason", "decision_note"]


class ProposalStatus(Lifecycle):
    OPEN = state("open", "Open", verb="reopened",
                 to=("confirmed", "overridden", "dismissed", "closed"))
    CONFIRMED = state("confirmed", "Confirmed")
    OVERRIDDEN = state("overridden", "Overridden")
    DISMISSED = state("dismissed", "Dismissed")
    # No longer applies, or the tier was set by hand meanwhile.
    CLOSED = state("closed", "Closed")


P = ProposalStatus
PROPOSAL_TRANSITIONS = TransitionTable.of(ProposalStatus, "proposal")
PROPOSAL_STATUS_LABELS = PROPOSAL_TRANSITIONS.labels


class ChangeSource(StrEnum):
    PROPOSAL = "proposal"  # a proposal confirmed
    OVERRIDE = "override"  # a proposal overridden with another tier
    MANUAL = "manual"      # set by hand, without a proposal


CHANGE_SOURCE_LABELS = {ChangeSource.PROPOSAL: "Proposal confirmed",
                        ChangeSource.OVERRIDE: "Proposal overridden",
                        ChangeSource.MANUAL: "Set by hand"}


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
    return checked("reason", text_field, value, REASON_MAX, required=required,
                   too_long=f"Keep the reason to {REASON_MAX} characters or fewer.",
                   multiline=True)


def close_proposal(db: Session, actor: Actor, proposal: TierProposal, note: str,
                   now: datetime) -> None:
    decide_proposal(db, actor, proposal, P.CLOSED, note, now)


def decide_proposal(db: Session, actor: Actor, proposal: TierProposal, to: ProposalStatus,
                    note: str | None, now: datetime) -> None:
    PROPOSAL_TRANSITIONS.check_move(proposal.status, to)
    before = audit.snapshot(proposal, PROPOSAL_FIELDS)
    proposal.status, proposal.decision_note = to.value, note
    proposal.decided_at, proposal.decided_by_user_id = now, actor.user_id
    audit.record(db, actor, f"tier_proposal.{to.value}", "tier_proposal", proposal.id,
                 before=before, after=audit.snapshot(proposal, PROPOSAL_FIELDS),
                 partner_id=proposal.partner_id, now=now)


def _partner_at_proposal(db: Session, proposal: TierProposal) -> Partner:
    """The proposal's partner, if it is still in the tier the proposal moves it from."""
    partner = _locked_partner(db, proposal.partner_id)
    if partner.tier_id != proposal.from_tier_id:
        now_in, was_in = db.get(Tier, partner.tier_id), db.get(Tier, proposal.from_tier_id)
        raise RuleViolation(f"{partner.name} is {now_in.name} now, not {was_in.name}: run the "
                            "evaluation again.")
    return partner


def confirm_proposal(db: Session, actor: Actor, proposal_id: int, *,
                     shown_to_tier_id: int | None = None,
                     now: datetime | None = None) -> TierChangeOut:
    """Move the partner to the proposed tier. `shown_to_tier_id` is the target the manager
    saw: a daily evaluation may have retargeted the proposal since."""
    require(actor, "tier.decide")
    now = now or utcnow()
    proposal = _locked_proposal(db, proposal_id)
    PROPOSAL_TRANSITIONS.check_move(proposal.status, P.CONFIRMED)
    partner = _partner_at_proposal(db, proposal)
    if shown_to_tier_id is not None and shown_to_tier_id != proposal.to_tier_id:
        now_to = db.get(Tier, proposal.to_tier_id)
        raise RuleViolation(f"The proposal for {partner.name} now moves it to {now_to.name} "
                            "(evaluated again since you opened it): review it again.")
    change = _change_tier(db, actor, partner, db.get(Tier, proposal.to_tier_id),
                          proposal.reason, ChangeSource.PROPOSAL, proposal_id=proposal.id,
                          now=now)
    decide_proposal(db, actor, proposal, P.CONFIRMED, None, now)
    return change


def confirm_proposals(db: Session, actor: Actor, proposal_ids: Iterable[int], *,
                      shown_to_tier_ids: Mapping[int, int] | None = None,
                      now: datetime | None = None) -> BulkConfirmResult:
    """Confirm several at once. One that cannot be confirmed (decided meanwhile, its
    partner's tier changed, or retargeted since it was shown) is skipped with the reason and
    nothing written for it: every check comes before the writes."""
    require(actor, "tier.decide")
    now = now or utcnow()
    shown = shown_to_tier_ids or {}
    confirmed, skipped = [], []
    for proposal_id in dict.fromkeys(proposal_ids):
        try:
            confirm_proposal(db, actor, proposal_id, shown_to_tier_id=shown.get(proposal_id),
                             now=now)
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
    decide_proposal(db, actor, proposal, P.OVERRIDDEN, reason, now)
    return change


def dismiss_proposal(db: Session, actor: Actor, proposal_id: int, note: Any = "", *,
                     now: datetime | None = None) -> None:
    """Leave the partner where it is. The same move is not proposed again for
    DISMISSAL_HOLD."""
    require(actor, "tier.decide")
    now = now or utcnow()
    note = _reason_text(note, required="") or None
    proposal = _locked_proposal(db, proposal_id)
    decide_proposal(db, actor, proposal, P.DISMISSED, note, now)


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
        close_proposal(db, actor, open_proposal,
                       f"Closed: the tier was set by hand to {tier.name}.", now)
    return change


def _change_tier(db: Session, actor: Actor, partner: Partner, to: Tier, reason: str,
                 source: ChangeSource, *, proposal_id: int | None,
                 now: datetime) -> TierChangeOut:
    """The one place a partner's tier changes: history, audit and the partner's users told."""
    was = db.get(Tier, partner.tier_id)
    change = history.record(db, TierChange, actor, at=now, partner_id=partner.id,
                            from_tier_id=was.id, to_tier_id=to.id, reason=reason,
                            source=source.value, proposal_id=proposal_id)
    partner.tier_id = to.id
    db.flush()
    db.expire(partner, ["tier"])
    audit.record(db, actor, "partner.tier_change", "partner", partner.id,
                 before={"tier": was.name},
                 after={"tier": to.name, "reason": reason, "source": source.value,
                        "proposal_id": proposal_id},
                 partner_id=partner.id, now=now)
    events.publish(db, PartnerTierChanged(actor=actor, at=now, partner_id=partner.id,
                                          from_tier=was.name, to_tier=to.name,
                                          source=source.value, reason=reason))
    moved = "promoted to" if to.rank > was.rank else "moved to"
    notify_partner(db, partner.id, f"{partner.name} is now {to.name}",
                   f"Your partner tier was {moved} {to.name} (from {was.name}) on "
                   f"{now:%Y-%m-%d}. Reason: {reason}\n\nSee your benefits and your progress "
                   "to the next tier on the Our tier page.",
                   dedupe_key=f"tier-change:{change.id}", link=MY_TIER_PAGE, now=now)
    return TierChangeOut(change.id, partner.id, partner.name, was.name, to.name, reason,
                         source.value, change.changed_by_label, now)
