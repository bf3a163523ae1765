"""Deterministic demo data: one vendor user per role, about 40 partners with their users.

Usernames are fixed here, not drawn from the random stream, so that later additions to the
seed never change them. Faker, with a fixed seed, fills in the rest."""

import random
from datetime import datetime, timedelta

from faker import Faker
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import onboarding
from core.actor import Actor, Role
from core.partners import (
    INDUSTRIES,
    PARTNER_TYPES,
    profile_complete,
    set_partner_product_lines,
    set_partner_territories,
)
from core.passwords import shared_hash
from db.models import Partner, ProductLine, Tier, User
from db.types import utcnow

DEMO_PASSWORD = "prm-demo-2026"
PARTNER_COUNT = 40

VENDOR_USERS = [
    ("admin", "Ada Admin", Role.ADMIN),
    ("channel", "Chris Channel", Role.CHANNEL_MANAGER),
    ("channel2", "Casey Channel", Role.CHANNEL_MANAGER),
    ("marketing", "Morgan Marketing", Role.MARKETING_OPS),
    ("finance", "Frankie Finance", Role.FINANCE),
    ("exec", "Eli Executive", Role.EXECUTIVE),
    ("analyst", "Ari Analyst", Role.ANALYST),
]
COUNTRIES = {"NA": ["US", "CA"], "EMEA": ["GB", "DE", "FR", "NL", "SE"],
             "APAC": ["AU", "JP", "SG", "IN"], "LATAM": ["BR", "MX", "AR"]}
TIER_MIX = ["Registered"] * 14 + ["Silver"] * 12 + ["Gold"] * 9 + ["Platinum"] * 5


def partner_usernames(index: int) -> list[tuple[str, Role]]:
    """p01.admin, p01.rep1 and, for every other partner, p01.rep2."""
    stem = f"p{index:02d}"
    names = [(f"{stem}.admin", Role.PARTNER_ADMIN), (f"{stem}.rep1", Role.PARTNER_USER)]
    if index % 2 == 1:
        names.append((f"{stem}.rep2", Role.PARTNER_USER))
    return names


def is_empty(db: Session) -> bool:
    return not db.scalar(select(func.count()).select_from(User))


def seed_demo(db: Session, *, now: datetime | None = None) -> None:
    now = now or utcnow()
    fake = Faker()
    Faker.seed(2026)
    rng = random.Random(2026)
    password_hash = shared_hash(DEMO_PASSWORD)
    tiers = {t.name: t.id for t in db.scalars(select(Tier))}

    vendor = {}
    for username, name, role in VENDOR_USERS:
        user = User(username=username, display_name=name, email=f"{username}@vendor.example",
                    role=role.value, password_hash=password_hash)
        db.add(user)
        vendor[username] = user
    db.flush()
    managers = [vendor["channel"].id, vendor["channel2"].id]

    regions = list(COUNTRIES)
    for index in range(1, PARTNER_COUNT + 1):
        region = regions[(index - 1) % len(regions)]
        company = fake.unique.company()
        domain = company.lower().replace(",", "").replace(" ", "").replace("-", "")[:20]
        extra_regions = rng.sample([r for r in regions if r != region], k=rng.choice([0, 0, 1]))
        partner = Partner(
            name=company, website=f"https://www.{domain}.example",
            country=rng.choice(COUNTRIES[region]), regions=[region, *extra_regions],
            partner_type=PARTNER_TYPES[(index - 1) % len(PARTNER_TYPES)],
            industries=rng.sample(INDUSTRIES, k=rng.randint(1, 3)),
            tier_id=tiers[TIER_MIX[(index - 1) % len(TIER_MIX)]],
            status="active" if index % 10 else "onboarding",
            channel_manager_id=managers[index % 2],
            # Partners since before their agreement and deals ("Partner since" read today).
            created_at=now - timedelta(days=JOINED_DAYS_AGO + index % 5),
        )
        db.add(partner)
        db.flush()
        for username, role in partner_usernames(index):
            person = fake.name()
            db.add(User(username=username, display_name=person,
                        email=f"{username.replace('.', '-')}@{domain}.example",
                        role=role.value, partner_id=partner.id, password_hash=password_hash,
                        time_zone=_zone(region)))
        db.flush()
        _onboarded(db, partner, index, now)
        _coverage(db, partner, index, vendor, now)


# Demo partners joined before the deal history of seed/deals.py (300 days), so that their
# checklists read in order: agreement, profile, team, then the first deal.
JOINED_DAYS_AGO = 330


def _onboarded(db: Session, partner: Partner, index: int, now: datetime) -> None:
    """The demo partner's admin accepted the current agreement when the partner joined
    (through the service, so it is audited and ticks its step); the checklist steps the
    partner meets already (complete profile, a second user) ticked in the following days.
    The first deal ticks when seed/deals.py registers it. Deterministic for a given `now`."""
    admin = db.scalar(select(User).where(User.partner_id == partner.id,
                                         User.role == Role.PARTNER_ADMIN.value))
    if admin is None:
        return
    actor = Actor.user(admin.id, admin.role, partner.id, admin.username)
    current = onboarding.current_agreement(db)
    joined = now - timedelta(days=JOINED_DAYS_AGO)
    if current is not None:
        joined = max(joined, current.published_at)  # never before the version was published
    accepted_at = min(joined + timedelta(days=index % 14, hours=9), now - timedelta(days=3))
    if current is not None:
        onboarding.accept_agreement(db, actor, current.version, now=accepted_at)
    if profile_complete(partner):
        onboarding.record_event(db, partner.id, "profile_completed",
                                now=accepted_at + timedelta(days=1), actor=actor)
    users = db.scalar(select(func.count()).select_from(User)
                      .where(User.partner_id == partner.id)) or 0
    if users >= 2:
        onboarding.record_event(db, partner.id, "team_member_added",
                                now=accepted_at + timedelta(days=2), actor=actor)


# States (or provinces) some demo territories narrow to, and a postal-code prefix for some.
DEMO_STATES = {"US": [("California", "94"), ("Texas", None), ("New York", "100")],
               "CA": [("Ontario", "M5"), ("Quebec", None)],
               "DE": [("Bayern", "80"), ("Berlin", None)],
               "AU": [("New South Wales", "20"), ("Victoria", None)],
               "BR": [("São Paulo", None)], "IN": [("Karnataka", "560")],
               "GB": [("England", "SW1")], "MX": [("Jalisco", None)]}


def _coverage(db: Session, partner: Partner, index: int, vendor: dict[str, User],
              now: datetime) -> None:
    """Two partners in three sell named product lines and have territories, set by their
    channel manager through the services (audited) the day after they joined: their own
    country, or one to two of its states (some narrowed to a postal-code prefix), and for
    some a second country of their region. Chosen from the index, not the random stream,
    so the rest of the demo stays as it was."""
    if index % 3 == 0:
        return
    manager = next(u for u in vendor.values() if u.id == partner.channel_manager_id)
    actor = Actor.user(manager.id, manager.role, None, manager.username)
    at = now - timedelta(days=JOINED_DAYS_AGO - 1 - index % 14)
    lines = list(db.scalars(select(ProductLine.id).where(ProductLine.active)
                            .order_by(ProductLine.id)))
    if lines:
        picked = {lines[index % len(lines)], lines[(index * 3 + 1) % len(lines)]}
        set_partner_product_lines(db, actor, partner.id, sorted(picked), now=at)
    states = DEMO_STATES.get(partner.country, [])
    if states and index % 2:
        territories = [dict(country=partner.country, state=state, postal_prefix=prefix or "")
                       for state, prefix in states[:1 + (index // 2) % 2]]
    else:
        territories = [dict(country=partner.country)]
    region = partner.regions[0] if partner.regions else None
    neighbours = [c for c in COUNTRIES.get(region, []) if c != partner.country]
    if neighbours and index % 4 == 1:
        territories.append(dict(country=neighbours[index % len(neighbours)]))
    set_partner_territories(db, actor, partner.id, territories, now=at)


def _zone(region: str) -> str:
    return {"NA": "America/New_York", "EMEA": "Europe/London", "APAC": "Asia/Singapore",
            "LATAM": "America/Sao_Paulo"}[region]
