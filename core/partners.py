"""Partners and tiers: profiles, the vendor's partner list, tier benefits."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from core.actor import Actor
from core.errors import NotFound
from core.permissions import require
from db.models import Partner, Tier, User

PARTNER_TYPES = ("reseller", "var", "distributor", "msp", "referral_agent", "isv")
REGIONS = ("NA", "EMEA", "APAC", "LATAM")
INDUSTRIES = ("Healthcare", "Financial services", "Manufacturing", "Retail", "Public sector",
              "Education", "Technology", "Energy")
PARTNER_STATUSES = ("prospect", "onboarding", "active", "suspended", "terminated")


@dataclass(frozen=True)
class TierOut:
    id: int
    name: str
    rank: int
    deal_protection_days: int
    auto_approve_clear_deals: bool
    mdf_eligible: bool
    lead_weight: int
    discount_percent: int


@dataclass(frozen=True)
class PartnerOut:
    id: int
    name: str
    website: str | None
    country: str
    regions: list[str]
    partner_type: str
    industries: list[str]
    tier: str
    status: str
    channel_manager: str | None
    created_at: datetime


@dataclass(frozen=True)
class PartnerFilter:
    search: str | None = None
    tier: str | None = None
    region: str | None = None
    partner_type: str | None = None
    status: str | None = None


def list_tiers(db: Session, actor: Actor) -> list[TierOut]:
    require(actor, "tier.view")
    rows = db.scalars(select(Tier).order_by(Tier.rank))
    return [TierOut(t.id, t.name, t.rank, t.deal_protection_days, t.auto_approve_clear_deals,
                    t.mdf_eligible, t.lead_weight, t.discount_percent) for t in rows]


def _scoped(actor: Actor, q: Select) -> Select:
    """Partner roles only ever see their own partner, whatever the caller asked."""
    if actor.is_partner:
        q = q.where(Partner.id == actor.partner_id)
    return q


def list_partners(
    db: Session, actor: Actor, filt: PartnerFilter = PartnerFilter(), *, limit: int = 1000,
) -> list[PartnerOut]:
    require(actor, "partner.list")
    manager = aliased(User)
    q = (
        select(Partner, Tier.name, manager.display_name)
        .join(Tier, Partner.tier_id == Tier.id)
        .outerjoin(manager, Partner.channel_manager_id == manager.id)
    )
    q = _scoped(actor, q)
    if filt.search:
        q = q.where(func.lower(Partner.name).contains(filt.search.strip().lower()))
    if filt.tier:
        q = q.where(Tier.name == filt.tier)
    if filt.partner_type:
        q = q.where(Partner.partner_type == filt.partner_type)
    if filt.status:
        q = q.where(Partner.status == filt.status)
    rows = db.execute(q.order_by(Partner.name).limit(limit)).all()
    out = [_out(p, tier, mgr) for p, tier, mgr in rows]
    # Regions are a JSON list; filtering them in Python keeps one query for both databases.
    if filt.region:
        out = [p for p in out if filt.region in p.regions]
    return out


def get_partner(db: Session, actor: Actor, partner_id: int) -> PartnerOut:
    partner = db.get(Partner, partner_id)
    if partner is None:
        raise NotFound("partner")
    require(actor, "partner.view", partner)
    mgr = db.get(User, partner.channel_manager_id) if partner.channel_manager_id else None
    return _out(partner, partner.tier.name, mgr.display_name if mgr else None)


def _out(p: Partner, tier: str, manager: str | None) -> PartnerOut:
    return PartnerOut(p.id, p.name, p.website, p.country, list(p.regions or []), p.partner_type,
                      list(p.industries or []), tier, p.status, manager, p.created_at)
