"""Who a piece of content is for: tiers, partner types and regions, each a list where an
empty one means every partner. A partner is in the audience when it is in each list that is
not empty. Its regions are its country's and the ones its profile serves. Vendor staff see
everything; anyone else (a partner user without a partner) nothing."""

from dataclasses import dataclass

from pydantic import BaseModel, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actor import Actor, Role
from core.customers.identity import region_for
from core.errors import RuleViolation
from core.partners import PARTNER_TYPES, REGIONS
from db.models import Partner, PartnerRegion, Tier


class AudienceIn(BaseModel):
    tier_ids: list[int] = []
    types: list[str] = []
    regions: list[str] = []

    @field_validator("types")
    @classmethod
    def _types(cls, v: list[str]) -> list[str]:
        if set(v) - set(PARTNER_TYPES):
            raise ValueError("Choose partner types from the list.")
        return sorted(set(v))

    @field_validator("regions")
    @classmethod
    def _regions(cls, v: list[str]) -> list[str]:
        if set(v) - set(REGIONS):
            raise ValueError("Choose regions from the list.")
        return sorted(set(v))

    @field_validator("tier_ids")
    @classmethod
    def _tiers(cls, v: list[int]) -> list[int]:
        return sorted(set(v))


@dataclass(frozen=True)
class Viewer:
    """What targeting reads of the reader: vendor staff, or a partner's tier, type and
    regions."""

    vendor: bool
    partner_id: int | None = None
    tier_id: int | None = None
    partner_type: str | None = None
    regions: frozenset[str] = frozenset()

    def sees(self, row) -> bool:
        """Whether a row with target_tier_ids, target_types, target_regions reaches it."""
        if self.vendor:
            return True
        if self.partner_id is None:
            return False
        return ((not row.target_tier_ids or self.tier_id in row.target_tier_ids)
                and (not row.target_types or self.partner_type in row.target_types)
                and (not row.target_regions or bool(self.regions & set(row.target_regions))))


def viewer(db: Session, actor: Actor) -> Viewer:
    if actor.is_vendor or actor.role == Role.SYSTEM:
        return Viewer(vendor=True)
    if actor.partner_id is None:
        return Viewer(vendor=False)
    p = db.get(Partner, actor.partner_id)
    if p is None:
        return Viewer(vendor=False)
    return _partner_viewer(p, set(db.scalars(select(PartnerRegion.region).where(
        PartnerRegion.partner_id == p.id))))


def active_partners(db: Session) -> list[Viewer]:
    """Every active partner as a reader: whom content for an audience reaches."""
    served: dict[int, set[str]] = {}
    for pid, region in db.execute(select(PartnerRegion.partner_id, PartnerRegion.region)):
        served.setdefault(pid, set()).add(region)
    return [_partner_viewer(p, served.get(p.id, set()))
            for p in db.scalars(select(Partner).where(Partner.status == "active"))]


def _partner_viewer(p: Partner, served: set[str]) -> Viewer:
    return Viewer(False, p.id, p.tier_id, p.partner_type,
                  frozenset(served | {region_for(p.country)}))


def check_tiers(db: Session, tier_ids: list[int]) -> None:
    known = set(db.scalars(select(Tier.id)))
    if set(tier_ids) - known:
        raise RuleViolation("Choose tiers from the list.", field="tier_ids")


def describe(db: Session, row) -> str:
    """The audience in words: "Gold, Platinum · reseller · EMEA" or "every partner"."""
    names = dict(db.execute(select(Tier.id, Tier.name)).tuples().all())
    parts = [", ".join(names.get(t, str(t)) for t in row.target_tier_ids),
             ", ".join(row.target_types), ", ".join(row.target_regions)]
    return " · ".join(p for p in parts if p) or "every partner"


def tier_choices(db: Session) -> dict[int, str]:
    """Tier ids to names, lowest rank first, for the audience's pickers."""
    return dict(db.execute(select(Tier.id, Tier.name).order_by(Tier.rank)).tuples().all())
