"""What the portal shows at a glance: a partner's Home (its tier and what the next still
needs, its funds available, the pinned announcements, this year's plan) and the channel
team's view of one partner's engagement on the partner 360 (downloads, reads, requests,
the plan)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.errors import DomainError
from core.funds.records import list_allocations
from core.permissions import can, require
from core.portal.announcements import AnnouncementOut, list_announcements
from core.portal.plans import PlanOut, get_plan
from core.portal.requests import RequestOut, list_requests
from core.tiers.progress import tier_progress
from db.models import AnnouncementRead, AssetDownload
from db.types import utcnow


@dataclass(frozen=True)
class Glance:
    tier: str
    next_tier: str | None
    missing: tuple[str, ...]  # what the next tier still needs
    funds_available: Decimal | None  # None: the reader does not see funds
    pinned: tuple[AnnouncementOut, ...]
    plan: PlanOut | None


@dataclass(frozen=True)
class Engagement:
    downloads_90d: int
    cobranded_90d: int
    reads_90d: int
    requests: tuple[RequestOut, ...]
    plan: PlanOut | None


def partner_glance(db: Session, actor: Actor, *, now: datetime | None = None) -> Glance | None:
    """A partner user's Home at a glance; None for anyone else."""
    if not actor.is_partner or actor.partner_id is None:
        return None
    now = now or utcnow()
    progress = tier_progress(db, actor, actor.partner_id, now=now)
    funds = None
    if can(actor, "fund.view"):
        try:
            funds = sum((a.balance.available for a in list_allocations(db, actor)),
                        Decimal("0.00"))
        except DomainError:  # a partner not open for funds (suspended, say) has none
            funds = None
    pinned = tuple(a for a in list_announcements(db, actor, now=now) if a.pinned)
    plan = get_plan(db, actor, actor.partner_id, now.year) if can(actor, "portal.plan_view") \
        else None
    return Glance(progress.tier.name, progress.next_tier.name if progress.next_tier else None,
                  progress.missing, funds, pinned, plan)


def engagement(db: Session, actor: Actor, partner_id: int, *,
               now: datetime | None = None) -> Engagement:
    """One partner's portal engagement for the channel team (the partner 360)."""
    require(actor, "partner.360")
    now = now or utcnow()
    since = now - timedelta(days=90)
    downloads, cobranded = db.execute(select(
        func.count(), func.count().filter(AssetDownload.cobranded)).where(
        AssetDownload.partner_id == partner_id, AssetDownload.at >= since)).one()
    reads = db.scalar(select(func.count()).select_from(AnnouncementRead).where(
        AnnouncementRead.partner_id == partner_id, AnnouncementRead.at >= since)) or 0
    requests = tuple(r for r in list_requests(db, actor, now=now) if r.partner_id == partner_id) \
        if can(actor, "portal.requests_view") else ()
    plan = get_plan(db, actor, partner_id, now.year)
    return Engagement(downloads or 0, cobranded or 0, reads, requests, plan)
