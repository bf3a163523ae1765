"""Partners and tiers: profiles, the vendor's partner list, tier benefits."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, String, cast, func, select
from sqlalchemy.orm import Session, aliased

from core import audit, events
from core.actor import Actor
from core.errors import NotFound, RuleViolation
from core.permissions import require
from core.validation import Choices, Country, OneOf, RequiredText, Website, as_model
from db.models import Partner, Tier, User
from db.types import utcnow

PARTNER_TYPES = ("reseller", "var", "distributor", "msp", "referral_agent", "isv")
REGIONS = ("NA", "EMEA", "APAC", "LATAM")
INDUSTRIES = ("Healthcare", "Financial services", "Manufacturing", "Retail", "Public sector",
              "Education", "Technology", "Energy")
PARTNER_STATUSES = ("prospect", "onboarding", "active", "suspended", "terminated")
PROFILE_FIELDS = ["name", "website", "country", "regions", "partner_type", "industries"]
# What a complete company profile has (the "profile_completed" onboarding event): every one of
# these filled in. Name, country and partner type are always there; the others may be empty.
PROFILE_LABELS = {"name": "Company name", "website": "Website", "country": "Country",
                  "regions": "Regions served", "partner_type": "Partner type",
                  "industries": "Industries"}


@dataclass(frozen=True, kw_only=True)
class PartnerCreated(events.DomainEvent):
    partner_id: int


@dataclass(frozen=True, kw_only=True)
class PartnerProfileChanged(events.DomainEvent):
    """A profile was saved (onboarding ticks "complete the profile" once it is complete)."""

    partner_id: int
    complete: bool


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
    if filt.region:
        # Regions are a JSON list of codes such as ["EMEA", "NA"]: its text holds the quoted
        # code on both databases, and the filter runs before the limit.
        q = q.where(cast(Partner.regions, String).contains(f'"{filt.region}"'))
    rows = db.execute(q.order_by(Partner.name).limit(limit)).all()
    return [_out(p, tier, mgr) for p, tier, mgr in rows]


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


def partner_choices(db: Session, actor: Actor) -> list[tuple[int, str]]:
    """(id, name) of every partner the actor may see, by name, for select boxes: no cap, and
    no tier or manager join. A partner role gets only its own partner."""
    require(actor, "partner.list")
    q = _scoped(actor, select(Partner.id, Partner.name)).order_by(Partner.name, Partner.id)
    return [(pid, name) for pid, name in db.execute(q)]


# ---------------------------------------------------------------- company profile


class PartnerProfileIn(BaseModel):
    """The company profile form; one message per field. A page may pass a plain dict of the
    widget values."""

    name: RequiredText(200, "Enter the company name.",
                       too_long="Keep the company name to 200 characters or fewer.") = ""
    website: Website(invalid="Enter the company's website, e.g. https://www.example.com.",
                     too_long="Keep the website to 300 characters or fewer.") = ""
    country: Country(required="Choose the company's country.",
                     unknown="Choose the company's country from the list.") = ""
    regions: Choices(REGIONS, unknown=f"Choose regions from the list: {', '.join(REGIONS)}.",
                     at_least_one="Choose at least one region the company serves.") = []
    partner_type: OneOf(PARTNER_TYPES, required="Choose the partner type.",
                        unknown="Choose a partner type from the list.") = ""
    industries: Choices(INDUSTRIES, what="industries") = []


def profile_missing(p: Any) -> list[str]:
    """Labels of what a profile (a PartnerOut, a Partner row or a PartnerProfileIn) still
    lacks to be complete; empty when it is complete. Complete means: company name, website,
    country, at least one region, partner type and at least one industry."""
    return [label for f, label in PROFILE_LABELS.items() if not getattr(p, f)]


def profile_complete(p: Any) -> bool:
    return not profile_missing(p)


def update_partner_profile(db: Session, actor: Actor, partner_id: int,
                           data: PartnerProfileIn | Mapping[str, Any], *,
                           now: datetime | None = None) -> PartnerOut:
    """Edit the company profile: a partner admin its own partner's, the admin and channel
    managers any partner's. Ticks "Complete the company profile" once it is complete."""
    partner = db.get(Partner, partner_id)
    if partner is None:
        raise NotFound("partner")
    require(actor, "partner.edit_profile", partner)
    now = now or utcnow()
    data = as_model(PartnerProfileIn, data)
    before = audit.snapshot(partner, PROFILE_FIELDS)
    partner.name = data.name
    partner.website = data.website or None
    partner.country = data.country
    partner.partner_type = data.partner_type
    # The same choices in another order are no change (older rows keep their own order).
    if set(data.regions) != set(partner.regions or []):
        partner.regions = list(data.regions)
    if set(data.industries) != set(partner.industries or []):
        partner.industries = list(data.industries)
    after = audit.snapshot(partner, PROFILE_FIELDS)
    db.flush()
    if after != before:
        audit.record(db, actor, "partner.profile_update", "partner", partner.id, before=before,
                     after=after, partner_id=partner.id, now=now)
    events.publish(db, PartnerProfileChanged(actor=actor, at=now, partner_id=partner.id,
                                             complete=profile_complete(partner)))
    mgr = db.get(User, partner.channel_manager_id) if partner.channel_manager_id else None
    return _out(partner, partner.tier.name, mgr.display_name if mgr else None)


PARTNER_FIELDS = ["name", "website", "country", "regions", "partner_type", "industries",
                  "tier_id", "status", "channel_manager_id"]


@dataclass(frozen=True)
class NewPartnerIn:
    """A partner as an approved application brings it: already checked by the caller's input
    model (recruitment's ApplicationIn)."""

    name: str
    website: str | None
    country: str
    regions: tuple[str, ...]
    partner_type: str
    industries: tuple[str, ...]
    tier_id: int
    channel_manager_id: int | None
    status: str = "onboarding"


def create_partner(db: Session, actor: Actor, data: NewPartnerIn, *,
                   now: datetime | None = None) -> PartnerOut:
    """A new partner, audited in the caller's transaction."""
    require(actor, "partner.create")
    if data.status not in PARTNER_STATUSES:
        raise RuleViolation("Choose a partner status from the list.", field="status")
    tier = db.get(Tier, data.tier_id)
    if tier is None:
        raise RuleViolation("Choose the partner's tier.", field="tier_id")
    partner = Partner(name=data.name, website=data.website, country=data.country,
                      regions=list(data.regions), partner_type=data.partner_type,
                      industries=list(data.industries), tier_id=tier.id, status=data.status,
                      channel_manager_id=data.channel_manager_id, created_at=now or utcnow())
    db.add(partner)
    db.flush()
    audit.record(db, actor, "partner.create", "partner", partner.id,
                 after=audit.snapshot(partner, PARTNER_FIELDS), partner_id=partner.id, now=now)
    events.publish(db, PartnerCreated(actor=actor, at=partner.created_at, partner_id=partner.id))
    manager = db.get(User, data.channel_manager_id) if data.channel_manager_id else None
    return _out(partner, tier.name, manager.display_name if manager else None)
