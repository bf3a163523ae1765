"""The partner directory: every partner with its tier, owner, onboarding progress, open deals
and won revenue of the trailing 12 months, searched and filtered in SQL, a page at a time,
with the total that matches, and its CSV export. Vendor roles only.

Per page the work is a handful of queries, none per row: the total; the page of partners
(filters and order in SQL); the onboarding progress of those partners; and a GROUP BY over
their deal registrations for each figure (open count, won revenue), which the index on
(partner_id, status, closed_on) serves."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from core.actor import Actor, Role
from core.customers import country_code, registrable_domain
from core.deals.revenue import won_in_window
from core.deals.status import OPEN
from core.errors import RuleViolation
from core.exports import to_csv
from core.partners import (
    PARTNER_STATUSES,
    PARTNER_TYPES,
    REGIONS,
    has_territory_in,
    serves_region,
)
from core.permissions import require
from core.settings import get_settings
from core.validation import checked, text_field
from db.models import (
    DealRegistration,
    OnboardingProgress,
    OnboardingStep,
    Partner,
    PartnerRegion,
    PartnerTerritory,
    Tier,
    User,
)

# Filter values beside the ids: partners with no channel manager, partners with every active
# onboarding step done.
NO_OWNER = "none"
ONBOARDING_COMPLETE = "complete"
MAX_PAGE_SIZE = 500
MAX_SEARCH = 200


@dataclass(frozen=True)
class DirectoryFilter:
    """What the user narrowed the directory to; None (or empty) means any."""

    search: str | None = None  # part of the name, or of the website / domain
    tier: str | None = None  # tier name
    region: str | None = None
    partner_type: str | None = None
    status: str | None = None
    owner: int | str | None = None  # channel manager's user id, or NO_OWNER
    onboarding: int | str | None = None  # id of the next open step, or ONBOARDING_COMPLETE
    territory: str | None = None  # a country (code or name) one of its territories is in


@dataclass(frozen=True)
class DirectoryRow:
    partner_id: int
    name: str
    tier: str
    partner_type: str
    country: str
    regions: list[str]
    status: str
    channel_manager: str | None
    steps_done: int
    steps_total: int
    next_step: str | None  # title of the first open active step; None when all are done
    open_deals: int
    won_12m: Decimal
    created_at: datetime

    @property
    def onboarding(self) -> str:
        """ "3 of 5, next: Register a first deal" or "5 of 5, complete"."""
        tail = f"next: {self.next_step}" if self.next_step else "complete"
        return f"{self.steps_done} of {self.steps_total}, {tail}"


@dataclass(frozen=True)
class DirectoryPage:
    rows: list[DirectoryRow]
    total: int  # partners that match the filter, on every page
    offset: int
    limit: int


@dataclass(frozen=True)
class DirectoryOptions:
    """The choices of each filter, for select boxes."""

    tiers: list[str]
    regions: list[str]
    partner_types: list[str]
    statuses: list[str]
    owners: list[tuple[int, str]]  # (user id, display name) of channel managers
    steps: list[tuple[int, str]]  # (step id, title) of active onboarding steps, in order
    # Countries some partner has a territory in (ISO codes, sorted).
    territory_countries: list[str] = field(default_factory=list)


CSV_HEADER = ["Partner", "Tier", "Type", "Country", "Regions", "Status", "Channel manager",
              "Onboarding steps done", "Onboarding steps", "Next onboarding step",
              "Open deals", "Won last 12 months", "Currency", "Created (UTC)"]


# ---------------------------------------------------------------- public


def directory_options(db: Session, actor: Actor) -> DirectoryOptions:
    require(actor, "partner.directory")
    tiers = list(db.scalars(select(Tier.name).order_by(Tier.rank)))
    countries = list(db.scalars(select(PartnerTerritory.country).distinct()
                                .order_by(PartnerTerritory.country)))
    return DirectoryOptions(tiers, list(REGIONS), list(PARTNER_TYPES), list(PARTNER_STATUSES),
                            _owners(db), active_steps(db), countries)


def search_directory(db: Session, actor: Actor, filt: DirectoryFilter = DirectoryFilter(), *,
                     limit: int = 50, offset: int = 0, now: datetime | None = None,
                     ) -> DirectoryPage:
    """One page of partners by name, with the total that matches the filter."""
    require(actor, "partner.directory")
    limit, offset = _paging(limit, offset)
    q = _filtered(db, filt)
    matching = q.with_only_columns(Partner.id).order_by(None).subquery()
    total = db.scalar(select(func.count()).select_from(matching)) or 0
    rows = _rows(db, q.limit(limit).offset(offset), now=now)
    return DirectoryPage(rows, total, offset, limit)


def export_directory_csv(db: Session, actor: Actor, filt: DirectoryFilter = DirectoryFilter(),
                         *, now: datetime | None = None) -> bytes:
    """Every partner that matches (not only one page), as the directory shows them."""
    require(actor, "partner.directory")
    q = _filtered(db, filt)
    rows = _rows(db, q, now=now, ids=q.with_only_columns(Partner.id).order_by(None))
    currency = get_settings().base_currency
    return to_csv(CSV_HEADER, ([r.name, r.tier, r.partner_type, r.country, ", ".join(r.regions),
                                r.status, r.channel_manager, r.steps_done, r.steps_total,
                                r.next_step, r.open_deals, r.won_12m, currency,
                                f"{r.created_at:%Y-%m-%d %H:%M}"] for r in rows))


# ---------------------------------------------------------------- filtering


def _filtered(db: Session, filt: DirectoryFilter) -> Select:
    """Partners with tier and manager, filtered and ordered by name; raises RuleViolation
    (naming the filter) for a value that is not one of its choices."""
    manager = aliased(User)
    q = (select(Partner.id, Partner.name, Tier.name, Partner.partner_type, Partner.country,
                Partner.status, manager.display_name, Partner.created_at)
         .join(Tier, Tier.id == Partner.tier_id)
         .outerjoin(manager, manager.id == Partner.channel_manager_id)
         .order_by(Partner.name, Partner.id))
    for condition in _conditions(db, filt):
        q = q.where(condition)
    return q


def _conditions(db: Session, filt: DirectoryFilter) -> list:
    out = []
    if needle := checked("search", text_field, filt.search, MAX_SEARCH,
                         too_long=f"Keep the search to {MAX_SEARCH} characters or fewer."):
        out.append(_search(needle.lower()))
    if filt.tier:
        if filt.tier not in db.scalars(select(Tier.name)).all():
            raise RuleViolation("Choose a tier from the list.", field="tier")
        out.append(Tier.name == filt.tier)
    if filt.region:
        if filt.region not in REGIONS:
            raise RuleViolation(f"Choose a region from the list: {', '.join(REGIONS)}.",
                                field="region")
        out.append(serves_region(filt.region))
    if filt.partner_type:
        if filt.partner_type not in PARTNER_TYPES:
            raise RuleViolation("Choose a partner type from the list.", field="partner_type")
        out.append(Partner.partner_type == filt.partner_type)
    if filt.status:
        if filt.status not in PARTNER_STATUSES:
            raise RuleViolation("Choose a status from the list.", field="status")
        out.append(Partner.status == filt.status)
    if filt.owner is not None and filt.owner != "":
        out.append(_owner_condition(db, filt.owner))
    if filt.onboarding is not None and filt.onboarding != "":
        out.append(_onboarding_condition(db, filt.onboarding))
    if filt.territory is not None and str(filt.territory).strip():
        code = country_code(str(filt.territory)[:60])
        if code is None:
            raise RuleViolation("Choose the territory's country from the list.",
                                field="territory")
        out.append(has_territory_in(code))
    return out


def _search(needle: str):
    # A pasted address (https://www.acme.com/about) is looked up by its domain.
    site = needle
    if "/" in needle or needle.startswith("www."):
        site = registrable_domain(needle) or needle
    return or_(func.lower(Partner.name).contains(needle, autoescape=True),
               func.lower(Partner.website).contains(site, autoescape=True))


def _owner_condition(db: Session, owner: int | str):
    if owner == NO_OWNER:
        return Partner.channel_manager_id.is_(None)
    user_id = _as_id(owner)
    if user_id is None or user_id not in dict(_owners(db)):
        raise RuleViolation("Choose a channel manager from the list.", field="owner")
    return Partner.channel_manager_id == user_id


def _onboarding_condition(db: Session, onboarding: int | str):
    if onboarding == ONBOARDING_COMPLETE:
        return _next_step_id().is_(None)
    step_id = _as_id(onboarding)
    if step_id is None or step_id not in dict(active_steps(db)):
        raise RuleViolation("Choose an onboarding step from the list.", field="onboarding")
    return _next_step_id() == step_id


def _next_step_id():
    """Per partner: the id of its first active checklist step not done (NULL when all are
    done), as core.onboarding.onboarding_report finds it."""
    done = (select(OnboardingProgress.id)
            .where(OnboardingProgress.partner_id == Partner.id,
                   OnboardingProgress.step_id == OnboardingStep.id)
            .correlate_except(OnboardingProgress).exists())
    return (select(OnboardingStep.id)
            .where(OnboardingStep.active, ~done)
            .order_by(OnboardingStep.position, OnboardingStep.id)
            .limit(1).correlate(Partner).scalar_subquery())


def _paging(limit: int, offset: int) -> tuple[int, int]:
    limit_id, offset_id = _as_id(limit), _as_id(offset)
    if limit_id is None or not 1 <= limit_id <= MAX_PAGE_SIZE:
        raise RuleViolation(f"Show between 1 and {MAX_PAGE_SIZE} partners per page.",
                            field="limit")
    if offset_id is None:
        raise RuleViolation("The page must be a whole number, 1 or more.", field="offset")
    return limit_id, offset_id


def _as_id(value) -> int | None:
    """A whole number of 0 or more from an int or its text; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    text = str(value).strip()
    return int(text) if text.isdigit() else None


# ---------------------------------------------------------------- choices


def _owners(db: Session) -> list[tuple[int, str]]:
    """Channel managers, and anyone else who is some partner's manager (a role changed)."""
    managing = select(Partner.channel_manager_id).where(Partner.channel_manager_id.is_not(None))
    rows = db.execute(select(User.id, User.display_name)
                      .where(or_(User.role == Role.CHANNEL_MANAGER.value,
                                 User.id.in_(managing)))
                      .order_by(User.display_name, User.id)).all()
    return [(uid, name) for uid, name in rows]


def active_steps(db: Session) -> list[tuple[int, str]]:
    rows = db.execute(select(OnboardingStep.id, OnboardingStep.title)
                      .where(OnboardingStep.active)
                      .order_by(OnboardingStep.position, OnboardingStep.id)).all()
    return [(sid, title) for sid, title in rows]


# ---------------------------------------------------------------- rows


def _rows(db: Session, q: Select, *, now: datetime | None,
          ids: Select | None = None) -> list[DirectoryRow]:
    """The rows of q; the deal figures for `ids` (a SELECT of q's partner ids) when given,
    which is faster than lists of ids once there are thousands."""
    partners = db.execute(q).all()
    page_ids = [p[0] for p in partners]
    if not page_ids:
        return []
    steps = dict(active_steps(db))
    progress = onboarding_progress(db, page_ids)
    regions = partner_regions(db, page_ids)
    figures = deal_figures(db, ids if ids is not None else page_ids, now=now)
    out = []
    for pid, name, tier, ptype, country, status, manager, created in partners:
        done, next_id = progress.get(pid, (0, None))
        open_deals, won = figures.get(pid, (0, Decimal("0.00")))
        out.append(DirectoryRow(pid, name, tier, ptype, country, regions.get(pid, []), status,
                                manager, done, len(steps), steps.get(next_id), open_deals, won,
                                created))
    return out


def partner_regions(db: Session, partner_ids: Sequence[int]) -> dict[int, list[str]]:
    """partner id -> its regions in the profile's order, read from the primary key."""
    out: dict[int, list[str]] = {}
    for chunk in _chunks(partner_ids):
        for pid, region in db.execute(
                select(PartnerRegion.partner_id, PartnerRegion.region)
                .where(PartnerRegion.partner_id.in_(chunk))
                .order_by(PartnerRegion.partner_id, PartnerRegion.position)):
            out.setdefault(pid, []).append(region)
    return out


def onboarding_progress(db: Session, partner_ids: Sequence[int],
                        ) -> dict[int, tuple[int, int | None]]:
    """partner id -> (active steps done, id of the next open active step or None)."""
    if not partner_ids:
        return {}
    done = (select(func.count(OnboardingProgress.id))
            .join(OnboardingStep, OnboardingStep.id == OnboardingProgress.step_id)
            .where(OnboardingProgress.partner_id == Partner.id, OnboardingStep.active)
            .correlate(Partner).scalar_subquery())
    out = {}
    for chunk in _chunks(partner_ids):
        rows = db.execute(select(Partner.id, done, _next_step_id())
                          .where(Partner.id.in_(chunk))).all()
        out.update({pid: (int(n or 0), next_id) for pid, n, next_id in rows})
    return out


def deal_figures(db: Session, partner_ids: Sequence[int] | Select, *,
                 now: datetime | None = None) -> dict[int, tuple[int, Decimal]]:
    """partner id -> (open registrations, won amount closed in the trailing 12 months), for
    a page's ids, or for a SELECT of partner ids (the export: one pass, no id lists).

    One GROUP BY for each figure, each served by the index on (partner_id, status,
    closed_on): the count from the index alone, the sum (over integer cents, exact on both
    databases) reading only the won rows of the window. One statement with both figures
    would read every row of the table for its CASE: about 7 times slower at 1M rows."""
    d = DealRegistration
    open_counts: dict[int, int] = {}
    won: dict[int, Decimal] = {}
    chunks = [partner_ids] if isinstance(partner_ids, Select) else _chunks(partner_ids)
    for chunk in chunks:
        open_counts.update(db.execute(
            select(d.partner_id, func.count())
            .where(d.partner_id.in_(chunk), d.status.in_([s.value for s in OPEN]))
            .group_by(d.partner_id)).all())
        won.update(db.execute(
            select(d.partner_id, func.sum(d.final_amount))
            .where(d.partner_id.in_(chunk), won_in_window(now))
            .group_by(d.partner_id)).all())
    return {pid: (int(open_counts.get(pid, 0)), won.get(pid) or Decimal("0.00"))
            for pid in set(open_counts) | set(won)}


def _chunks(ids: Sequence[int], size: int = 1000):
    """Bound parameter lists stay well under every driver's limit."""
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start:start + size]
