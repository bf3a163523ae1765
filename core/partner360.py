"""Partner 360: one partner seen whole by the vendor: profile, users, tier and its history,
onboarding, deals in figures, the partner's audit trail (leads, funds and training have their
own tabs, from their packages), and a place for each capability that comes later, which says
so instead of showing anything.

Vendor roles only ("partner.360"): a partner's own users have their company profile, My
deals, Users and Onboarding pages, and the 360 carries desk-only figures (conflicts). Inside,
each section keeps the rule of its area: contact details for "partner.contacts", the full
checklist for "onboarding.view", the audit trail for "audit.view"."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core import onboarding
from core.actor import Actor
from core.audit import AuditFilter, AuditRow, list_events
from core.catalog import ProductLineOut
from core.deals.revenue import won_in_window
from core.deals.status import OPEN, DealStatus
from core.directory import active_steps, onboarding_progress
from core.errors import NotFound, RuleViolation
from core.onboarding import ChecklistStep
from core.partners import (
    PartnerOut,
    TerritoryOut,
    get_partner,
    partner_product_lines,
    partner_territories,
)
from core.permissions import can, require
from core.tiers import (
    ProposalOut,
    TierChangeOut,
    TierProgress,
    list_proposals,
    tier_history,
    tier_progress,
)
from db.models import DealRegistration, Partner, User

# The matcher's verdicts that send a registration to the desk as a possible collision.
CONFLICT_VERDICTS = ("conflict", "possible")
AUDIT_LIMIT = 200
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class DealSummary:
    by_status: dict[str, int]  # every status in lifecycle order, zeros included
    open_count: int
    open_pipeline: Decimal  # estimated value of the open registrations
    won_12m_count: int
    won_12m: Decimal  # final amounts closed in the trailing 12 months
    open_conflicts: int  # open registrations the matcher called a conflict or possible one


@dataclass(frozen=True)
class PartnerContact:
    user_id: int
    display_name: str
    username: str
    email: str
    role: str
    is_active: bool
    last_login_at: datetime | None


@dataclass(frozen=True)
class UsersSummary:
    total: int
    active: int
    contacts: list[PartnerContact] | None  # None: the actor may not see contact details


@dataclass(frozen=True)
class OnboardingSummary:
    done: int
    total: int
    next_step: str | None  # None when every active step is done
    steps: list[ChecklistStep] | None  # None: the actor may not see the checklist itself


@dataclass(frozen=True)
class AuditTrail:
    events: list[AuditRow]  # newest first, at most AUDIT_LIMIT
    total: int


@dataclass(frozen=True)
class PendingCapability:
    """A capability the 360 will show once it exists; until then, only this message."""

    name: str
    message: str


@dataclass(frozen=True)
class Partner360:
    profile: PartnerOut
    tier: TierProgress  # the tier with its rules and benefits, and what the next one needs
    tier_history: list[TierChangeOut]  # newest first
    users: UsersSummary
    onboarding: OnboardingSummary
    deals: DealSummary
    audit: AuditTrail | None  # None: the actor may not read the audit log
    later: tuple[PendingCapability, ...]
    # The open tier proposal, for those who decide proposals (None otherwise or if none).
    proposal: ProposalOut | None = None
    # What the partner sells, and where.
    product_lines: list[ProductLineOut] = field(default_factory=list)
    territories: list[TerritoryOut] = field(default_factory=list)


# Every capability of the 360 has landed (funds last, issue #18); a later one starts here.
LATER_CAPABILITIES: tuple[PendingCapability, ...] = ()


def partner_360(db: Session, actor: Actor, partner_id: int, *,
                now: datetime | None = None) -> Partner360:
    require(actor, "partner.360")
    if db.get(Partner, partner_id) is None:
        raise NotFound("partner")
    return Partner360(
        profile=get_partner(db, actor, partner_id),
        tier=tier_progress(db, actor, partner_id, now=now),
        tier_history=tier_history(db, actor, partner_id),
        users=_users(db, actor, partner_id),
        onboarding=_onboarding(db, actor, partner_id),
        deals=deal_summary(db, actor, partner_id, now=now),
        audit=_audit(db, actor, partner_id),
        later=LATER_CAPABILITIES,
        proposal=_open_proposal(db, actor, partner_id),
        product_lines=partner_product_lines(db, actor, partner_id),
        territories=partner_territories(db, actor, partner_id),
    )


def _open_proposal(db: Session, actor: Actor, partner_id: int) -> ProposalOut | None:
    if not can(actor, "tier.proposals"):
        return None
    found, _ = list_proposals(db, actor, partner_id=partner_id, limit=1)
    return found[0] if found else None


def deal_summary(db: Session, actor: Actor, partner_id: int, *,
                 now: datetime | None = None) -> DealSummary:
    """The partner's registrations in figures, from one GROUP BY status (sums in integer
    cents, exact on both databases)."""
    require(actor, "partner.360")
    d = DealRegistration
    won_recent = won_in_window(now)
    flagged = d.match_verdict.in_(CONFLICT_VERDICTS)
    rows = db.execute(
        select(d.status, func.count(), func.sum(d.estimated_value),
               func.sum(case((won_recent, 1), else_=0)),
               func.sum(case((won_recent, d.final_amount))),
               func.sum(case((flagged, 1), else_=0)))
        .where(d.partner_id == partner_id)
        .group_by(d.status)
    ).all()
    by_status = {s.value: 0 for s in DealStatus}
    open_values = {s.value for s in OPEN}
    open_count, pipeline, won_count, won, conflicts = 0, ZERO, 0, ZERO, 0
    for status, n, estimated, n_won, won_amount, n_flagged in rows:
        by_status[status] = int(n)
        won_count += int(n_won or 0)
        won += won_amount or ZERO
        if status in open_values:
            open_count += int(n)
            pipeline += estimated or ZERO
            conflicts += int(n_flagged or 0)
    return DealSummary(by_status, open_count, pipeline, won_count, won, conflicts)


def parse_partner_id(value: object) -> int:
    """The partner id from a link (?id=12): a clear message for anything else."""
    text = str(value).strip()
    if not text.isdigit():
        raise RuleViolation(f'"{text[:40]}" is not a partner id; choose the partner from '
                            "the list.", field="id")
    return int(text)


# ---------------------------------------------------------------- sections


def _users(db: Session, actor: Actor, partner_id: int) -> UsersSummary:
    users = db.scalars(select(User).where(User.partner_id == partner_id)
                       .order_by(User.display_name, User.id)).all()
    contacts = None
    if can(actor, "partner.contacts"):
        contacts = [PartnerContact(u.id, u.display_name, u.username, u.email, u.role,
                                   bool(u.is_active), u.last_login_at) for u in users]
    return UsersSummary(len(users), sum(1 for u in users if u.is_active), contacts)


def _onboarding(db: Session, actor: Actor, partner_id: int) -> OnboardingSummary:
    steps = None
    if can(actor, "onboarding.view"):
        steps = onboarding.checklist(db, actor, partner_id).steps
    done, next_id = onboarding_progress(db, [partner_id]).get(partner_id, (0, None))
    titles = dict(active_steps(db))
    return OnboardingSummary(done, len(titles), titles.get(next_id), steps)


def _audit(db: Session, actor: Actor, partner_id: int) -> AuditTrail | None:
    """The audit events recorded for this partner, under the audit log's own rule."""
    if not can(actor, "audit.view"):
        return None
    events, total = list_events(db, actor, AuditFilter(partner_id=partner_id),
                                limit=AUDIT_LIMIT)
    return AuditTrail(events, total)
