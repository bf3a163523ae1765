"""Partners and tiers: profiles, the vendor's partner list, tier benefits, and what a partner
covers (regions and industries on the profile; product lines and territories here)."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ValidationError, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, selectinload

from core import audit, events
from core.actor import Actor
from core.catalog import ProductLineOut
from core.errors import NotFound, RuleViolation
from core.permissions import can, require, scope
from core.standing import require_open_partner
from core.validation import (
    Choices,
    Country,
    OneOf,
    OptionalText,
    RequiredText,
    Website,
    as_model,
    checked,
    clean_text,
    text_field,
)
from db.models import (
    Partner,
    PartnerIndustry,
    PartnerRegion,
    PartnerTerritory,
    ProductLine,
    Tier,
    User,
)
from db.types import utcnow

PARTNER_TYPES = ("reseller", "var", "distributor", "msp", "referral_agent", "isv")
REGIONS = ("NA", "EMEA", "APAC", "LATAM")
INDUSTRIES = ("Healthcare", "Financial services", "Manufacturing", "Retail", "Public sector",
              "Education", "Technology", "Energy")
PARTNER_STATUSES = ("prospect", "onboarding", "active", "suspended", "terminated")
# As tables and headlines show them (the application form spells the types out in full).
PARTNER_TYPE_SHORT = {"reseller": "Reseller", "var": "VAR", "distributor": "Distributor",
                      "msp": "MSP", "referral_agent": "Referral agent", "isv": "ISV"}
PARTNER_STATUS_LABELS = {s: s.capitalize() for s in PARTNER_STATUSES}
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
    # The distributor this partner sells through, if any (read-only here).
    parent_partner_id: int | None = None
    updated_at: datetime | None = None


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


def serves_region(code: str):
    """Condition on Partner: it serves this region (an indexed look-up of its region rows)."""
    return (select(PartnerRegion.partner_id)
            .where(PartnerRegion.partner_id == Partner.id, PartnerRegion.region == code)
            .exists())


def in_industry(name: str):
    """Condition on Partner: it sells into this industry."""
    return (select(PartnerIndustry.partner_id)
            .where(PartnerIndustry.partner_id == Partner.id, PartnerIndustry.industry == name)
            .exists())


def has_territory_in(country: str):
    """Condition on Partner: one of its territories is in this country (ISO code)."""
    return (select(PartnerTerritory.id)
            .where(PartnerTerritory.partner_id == Partner.id,
                   PartnerTerritory.country == country)
            .exists())


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
    q = scope(actor, q, Partner)
    if needle := checked("search", text_field, filt.search, 200).lower():
        q = q.where(func.lower(Partner.name).contains(needle, autoescape=True))
    if filt.tier:
        q = q.where(Tier.name == filt.tier)
    if filt.partner_type:
        q = q.where(Partner.partner_type == filt.partner_type)
    if filt.status:
        q = q.where(Partner.status == filt.status)
    if filt.region:
        q = q.where(serves_region(filt.region))
    # Each partner's regions and industries in two more queries, not one per partner.
    q = q.options(selectinload(Partner.region_rows), selectinload(Partner.industry_rows))
    rows = db.execute(q.order_by(Partner.name).limit(limit)).all()
    return [_out(p, tier, mgr) for p, tier, mgr in rows]


def get_partner(db: Session, actor: Actor, partner_id: int) -> PartnerOut:
    partner = partner_for(db, actor, partner_id, "partner.view")
    mgr = db.get(User, partner.channel_manager_id) if partner.channel_manager_id else None
    return _out(partner, partner.tier.name, mgr.display_name if mgr else None)


def _out(p: Partner, tier: str, manager: str | None) -> PartnerOut:
    return PartnerOut(p.id, p.name, p.website, p.country, list(p.regions or []), p.partner_type,
                      list(p.industries or []), tier, p.status, manager, p.created_at,
                      p.parent_partner_id, p.updated_at)


def partner_choices(db: Session, actor: Actor) -> list[tuple[int, str]]:
    """(id, name) of every partner the actor may see, by name, for select boxes: no cap, and
    no tier or manager join. A partner role gets only its own partner."""
    require(actor, "partner.list")
    q = scope(actor, select(Partner.id, Partner.name), Partner).order_by(Partner.name, Partner.id)
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
    partner = partner_for(db, actor, partner_id, "partner.edit_profile")
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
    if after != before:
        partner.updated_at = now
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


# ---------------------------------------------------------------- product lines and territories

MAX_TERRITORIES = 200
_POSTAL_PREFIX = re.compile(r"[A-Z0-9]{1,10}")


def partner_for(db: Session, actor: Actor, partner_id: int | None, action: str, *,
                lock: bool = False) -> Partner:
    """The partner `action` is about. A role that may not do it at all is refused; another
    partner's id, for a partner's user, is NotFound like a missing id: the answer does not
    tell which partner ids exist."""
    require(actor, action)
    require_open_partner(db, actor)
    valid_id = isinstance(partner_id, int) and not isinstance(partner_id, bool)
    partner = db.get(Partner, partner_id) if valid_id else None
    if partner is None or not can(actor, action, partner):
        raise NotFound("partner")
    if lock:  # two edits of one partner's lists take turns (PostgreSQL; SQLite: one writer)
        db.execute(select(Partner.id).where(Partner.id == partner.id).with_for_update())
        db.refresh(partner)
    return partner


def _line_out(line: ProductLine) -> ProductLineOut:
    return ProductLineOut(line.id, line.name, line.active)


def partner_product_lines(db: Session, actor: Actor, partner_id: int) -> list[ProductLineOut]:
    """The catalog's product lines the partner sells, by name (inactive ones included)."""
    partner = partner_for(db, actor, partner_id, "partner.view")
    return [_line_out(line) for line in partner.product_lines]


def set_partner_product_lines(db: Session, actor: Actor, partner_id: int,
                              product_line_ids: Iterable[int | str], *,
                              now: datetime | None = None) -> list[ProductLineOut]:
    """Replace the product lines the partner sells: those who may edit its profile (the admin
    and channel managers any partner's, a partner admin its own). Lines must be in the
    catalog and active, except ones the partner already has. Audited once, when it changes."""
    partner = partner_for(db, actor, partner_id, "partner.edit_profile", lock=True)
    now = now or utcnow()
    wanted = _ids(product_line_ids)
    lines = {line.id: line for line in db.scalars(
        select(ProductLine).where(ProductLine.id.in_(wanted)))} if wanted else {}
    unknown = [i for i in wanted if i not in lines]
    if unknown:
        raise RuleViolation("Choose product lines from the catalog.", field="product_line_ids")
    held = {line.id for line in partner.product_lines}
    retired = sorted(lines[i].name for i in wanted if not lines[i].active and i not in held)
    if retired:
        raise RuleViolation(f"No longer offered: {', '.join(retired)}. Choose active product "
                            "lines.", field="product_line_ids")
    before = _lines_snapshot(partner.product_lines)
    if set(wanted) != held:
        partner.product_lines = sorted((lines[i] for i in wanted), key=lambda x: x.name)
        partner.updated_at = now
        db.flush()
        audit.record(db, actor, "partner.product_lines_update", "partner", partner.id,
                     before=before, after=_lines_snapshot(partner.product_lines),
                     partner_id=partner.id, now=now)
    return [_line_out(line) for line in partner.product_lines]


def _ids(values: Iterable[int | str]) -> list[int]:
    """Distinct whole numbers in the given order; RuleViolation for anything else."""
    if isinstance(values, str | int):
        values = [values]
    out: list[int] = []
    for value in values or []:
        text = str(value).strip()
        if isinstance(value, bool) or not text.isdigit():
            raise RuleViolation("Choose product lines from the catalog.",
                                field="product_line_ids")
        if int(text) not in out:
            out.append(int(text))
    return out


def _lines_snapshot(lines: Iterable[ProductLine]) -> dict[str, list]:
    lines = sorted(lines, key=lambda x: x.name)
    return {"product_line_ids": [x.id for x in lines], "product_lines": [x.name for x in lines]}


@dataclass(frozen=True)
class TerritoryOut:
    """A country, optionally narrowed to a state or province and to postal codes that start
    with a prefix."""

    country: str
    state: str | None = None
    postal_prefix: str | None = None

    @property
    def label(self) -> str:
        """ "US", "US / California", "US / California / 941…", "GB / SW1…"."""
        parts = [self.country, self.state or ""]
        if self.postal_prefix:
            parts.append(f"{self.postal_prefix}\N{HORIZONTAL ELLIPSIS}")
        return " / ".join(p for p in parts if p)


class TerritoryIn(BaseModel):
    country: Country(required="Choose the territory's country.",
                     unknown="Choose the territory's country from the list.") = ""
    state: Annotated[OptionalText(100, too_long="Keep the state or province to 100 "
                                                "characters or fewer."),
                     AfterValidator(lambda v: " ".join(v.split()))] = ""
    postal_prefix: str = ""

    @field_validator("postal_prefix", mode="before")
    @classmethod
    def _postal_prefix(cls, v: Any) -> str:
        text = "".join(clean_text(v).split()).upper()
        if text and not _POSTAL_PREFIX.fullmatch(text):
            raise ValueError("A postal-code prefix is 1 to 10 letters or digits, e.g. 941 "
                             "or SW1.")
        return text

    def out(self) -> TerritoryOut:
        return TerritoryOut(self.country, self.state or None, self.postal_prefix or None)


def _territory_out(t: PartnerTerritory) -> TerritoryOut:
    return TerritoryOut(t.country, t.state, t.postal_prefix)


def partner_territories(db: Session, actor: Actor, partner_id: int) -> list[TerritoryOut]:
    """Where the partner may sell, by country, state and prefix."""
    partner = partner_for(db, actor, partner_id, "partner.view")
    return _in_order(_territory_out(t) for t in partner.territories)


def set_partner_territories(db: Session, actor: Actor, partner_id: int,
                            territories: Iterable[TerritoryIn | Mapping[str, Any]], *,
                            now: datetime | None = None) -> list[TerritoryOut]:
    """Replace where the partner may sell: those who may edit its profile (the admin and
    channel managers any partner's, a partner admin its own). Repeats count once; rows that
    stay keep their ids. Audited once, when it changes. A bad line is refused by its number
    ("Territory 2: ..."), and nothing is written."""
    partner = partner_for(db, actor, partner_id, "partner.edit_profile", lock=True)
    now = now or utcnow()
    wanted: list[TerritoryOut] = []
    for n, item in enumerate(territories or [], 1):
        raw = item.model_dump() if isinstance(item, BaseModel) else dict(item)
        try:
            t = TerritoryIn.model_validate(raw).out()
        except ValidationError as exc:
            msg = exc.errors()[0]["msg"].removeprefix("Value error, ")
            raise RuleViolation(f"Territory {n}: {msg}", field="territories") from None
        if t not in wanted:
            wanted.append(t)
    if len(wanted) > MAX_TERRITORIES:
        raise RuleViolation(f"A partner has at most {MAX_TERRITORIES} territories; cover a "
                            "whole state or country instead of many prefixes.",
                            field="territories")
    current = {_territory_out(t): t for t in partner.territories}
    if set(current) != set(wanted):
        before = _territories_snapshot(current)
        partner.territories = [current.get(t) or PartnerTerritory(
            country=t.country, state=t.state, postal_prefix=t.postal_prefix) for t in wanted]
        partner.updated_at = now
        db.flush()
        audit.record(db, actor, "partner.territories_update", "partner", partner.id,
                     before=before, after=_territories_snapshot(wanted),
                     partner_id=partner.id, now=now)
    return _in_order(wanted)


def _in_order(territories: Iterable[TerritoryOut]) -> list[TerritoryOut]:
    """By country, then state, then prefix; a whole country before its states."""
    return sorted(territories, key=lambda t: (t.country, t.state or "", t.postal_prefix or ""))


def _territories_snapshot(territories: Iterable[TerritoryOut]) -> dict[str, list]:
    return {"territories": [{"country": t.country, "state": t.state,
                             "postal_prefix": t.postal_prefix} for t in _in_order(territories)]}
