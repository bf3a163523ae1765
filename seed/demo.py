"""Deterministic demo data: one vendor user per role, about 40 partners with their users,
the applications they came through and how far each got through onboarding.

Usernames are fixed here, not drawn from the random stream, so that later additions to the
seed never change them. Faker, with a fixed seed, fills in the rest; the applications and the
onboarding dates draw from a random stream of their own (JOINING_SEED), so that they do not
shift the names and values drawn for the partners."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import phonenumbers
from faker import Faker
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import history, onboarding
from core.actor import Actor, Role
from core.partners import (
    INDUSTRIES,
    PARTNER_TYPES,
    profile_complete,
    set_partner_product_lines,
    set_partner_territories,
)
from core.passwords import shared_hash
from core.recruitment import ApplicationIn, ApplicationStatus
from core.recruitment.records import REFERENCE_ALPHABET, REFERENCE_LENGTH, REFERENCE_PREFIX
from core.validation import as_model
from db.models import (
    ApplicationEvent,
    OnboardingStep,
    Partner,
    PartnerApplication,
    ProductLine,
    Tier,
    User,
)
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
    joining_rng = random.Random(JOINING_SEED)
    password_hash = shared_hash(DEMO_PASSWORD)
    tiers = {t.name: t.id for t in db.scalars(select(Tier))}
    current = onboarding.current_agreement(db)
    published = current.published_at if current is not None else None

    vendor = {}
    for username, name, role in VENDOR_USERS:
        user = User(username=username, display_name=name, email=f"{username}@vendor.example",
                    role=role.value, password_hash=password_hash)
        db.add(user)
        vendor[username] = user
    db.flush()
    managers = [vendor["channel"].id, vendor["channel2"].id]
    _course_step_inactive(db, vendor["admin"], now)

    regions = list(COUNTRIES)
    for index in range(1, PARTNER_COUNT + 1):
        region = regions[(index - 1) % len(regions)]
        company = fake.unique.company()
        domain = company.lower().replace(",", "").replace(" ", "").replace("-", "")[:20]
        extra_regions = rng.sample([r for r in regions if r != region], k=rng.choice([0, 0, 1]))
        joining = _joining(index, joining_rng, now, published)
        country = rng.choice(COUNTRIES[region])
        industries = rng.sample(INDUSTRIES, k=rng.randint(1, 3))
        partner = Partner(
            name=company, website=f"https://www.{domain}.example",
            country=country, regions=[region, *extra_regions],
            partner_type=PARTNER_TYPES[(index - 1) % len(PARTNER_TYPES)],
            industries=[] if index in PROFILE_INCOMPLETE else industries,
            tier_id=tiers[TIER_MIX[(index - 1) % len(TIER_MIX)]],
            status="onboarding" if index in STILL_ONBOARDING else "active",
            channel_manager_id=managers[index % 2],
            # "Partner since": the approval of its application, before its agreement and deals.
            created_at=joining.approved,
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
        manager = next(u for u in vendor.values() if u.id == partner.channel_manager_id)
        _application(db, partner, joining, manager, joining_rng)
        _onboarded(db, partner, joining, manager)
        _coverage(db, partner, index, manager,
                  max(now - timedelta(days=JOINED_DAYS_AGO - 1 - index % 14),
                      joining.approved + timedelta(days=1)))


# ---------------------------------------------------------------- joining and onboarding

# Most demo partners were approved about JOINED_DAYS_AGO days ago, before the deal history of
# seed/deals.py (300 days), so that their checklists read in order: agreement, profile, team,
# then the first deal.
JOINED_DAYS_AGO = 330
# A few joined later (days since their approval); seed/deals.py gives them deals only once
# they are set up.
LATER_JOINERS = {13: 200, 23: 150, 33: 110, 39: 75}
# Still onboarding (status "onboarding"; days since their approval), each waiting at another
# step: p10 has not accepted the agreement yet, p20's company profile names no industry, p30
# and p40 have done all but a first deal (seed/deals.py registers none for onboarding
# partners).
STILL_ONBOARDING = {10: 9, 20: 35, 30: 58, 40: 16}
AGREEMENT_NOT_YET = {10}
PROFILE_INCOMPLETE = {20}
# The checklist's course step waits for the training capability: the admin deactivated it
# (audited, through the service) when the program opened, before the first application.
COURSE_EVENT = "course_completed"
PROGRAM_OPENED_DAYS_AGO = 400
JOINING_SEED = 1914  # the random stream of applications and onboarding dates

QUESTIONS = (
    ("Which of our product lines would you sell first, and to which customers?",
     "Analytics first, to our existing mid-market accounts; a few pilots are lined up."),
    ("Who in your team would sell and support our products?",
     "Two account executives and a pre-sales engineer, with our support desk behind them."),
    ("Do you already work with one of our distributors in your region?",
     "Not yet; we buy directly today and would like to keep it that way for now."),
)


@dataclass(frozen=True)
class Joining:
    """A demo partner's way in: its application, the review, the approval (the partner's
    "since") and the checklist steps it has met (None: not yet)."""

    applied: datetime
    review: datetime  # the channel team opened it
    question: tuple[datetime, datetime, int] | None  # asked, answered, which of QUESTIONS
    approved: datetime
    agreement: datetime | None
    profile: datetime | None  # saved complete (ticks only when the profile is complete)
    team: datetime  # the second user


def _joining(index: int, rng: random.Random, now: datetime,
             published: datetime | None) -> Joining:
    """The dates, worked back from the approval: a review of days to weeks, some with a
    question to the applicant; then the agreement, the profile and the team."""
    days_ago = STILL_ONBOARDING.get(index, LATER_JOINERS.get(index))
    if days_ago is None:
        approved = now - timedelta(days=JOINED_DAYS_AGO + index % 5)
    else:
        approved = now - timedelta(days=days_ago, hours=rng.uniform(0, 8))
    question = None
    if rng.random() < 0.3:
        answered = approved - timedelta(days=rng.uniform(1, 6))
        asked = answered - timedelta(days=rng.uniform(0.5, 7))
        review = asked - timedelta(days=rng.uniform(0.5, 4))
        question = (asked, answered, rng.randrange(len(QUESTIONS)))
    else:
        review = approved - timedelta(days=rng.uniform(1, 25))
    applied = review - timedelta(days=rng.uniform(0.1, 5))
    latest = now - timedelta(hours=12)
    if days_ago is None:  # the first partners: the program's first weeks
        joined = now - timedelta(days=JOINED_DAYS_AGO)
        if published is not None:
            joined = max(joined, published)  # never before the version was published
        agreement = min(joined + timedelta(days=index % 14, hours=9), now - timedelta(days=3))
        profile, team = agreement + timedelta(days=1), agreement + timedelta(days=2)
    else:
        agreement = approved + timedelta(days=rng.uniform(0.5, 6))
        if published is not None:
            agreement = max(agreement, published)
        agreement = min(agreement, latest)
        profile = min(agreement + timedelta(days=rng.uniform(0.2, 3)), latest)
        team = min(profile + timedelta(days=rng.uniform(0.2, 4)), latest)
    if index in AGREEMENT_NOT_YET:  # its users reach only the agreement and their profile
        agreement = profile = None
        team = approved + timedelta(days=1)  # the channel manager added the second user
    return Joining(applied, review, question, approved, agreement, profile, team)


def _course_step_inactive(db: Session, admin: User, now: datetime) -> None:
    step = db.scalar(select(OnboardingStep).where(OnboardingStep.event == COURSE_EVENT))
    if step is not None and step.active:
        onboarding.set_step_active(db, Actor.user(admin.id, admin.role, None, admin.username),
                                   step.id, False,
                                   now=now - timedelta(days=PROGRAM_OPENED_DAYS_AGO))


def _application(db: Session, partner: Partner, joining: Joining, manager: User,
                 rng: random.Random) -> None:
    """The approved application the partner came through, as the public form would have
    stored it (validated by the form's model), with the timeline its reviewers read."""
    admin = db.scalar(select(User).where(User.partner_id == partner.id,
                                         User.role == Role.PARTNER_ADMIN.value))
    example = phonenumbers.example_number(partner.country)
    data = as_model(ApplicationIn, dict(
        company_name=partner.name, website=partner.website, country=partner.country,
        regions=list(partner.regions), partner_type=partner.partner_type,
        industries=list(partner.industries),
        expected_annual_revenue=Decimal(rng.choice([60, 90, 150, 250, 400, 750, 1200]) * 1000),
        headcount=rng.choice([4, 9, 15, 24, 40, 75, 160, 400]),
        contact_name=admin.display_name, contact_email=admin.email,
        contact_phone=phonenumbers.format_number(
            example, phonenumbers.PhoneNumberFormat.INTERNATIONAL) if example else "",
        terms_accepted=True))
    while True:
        reference = REFERENCE_PREFIX + "".join(rng.choice(REFERENCE_ALPHABET)
                                               for _ in range(REFERENCE_LENGTH))
        if db.scalar(select(PartnerApplication.id)
                     .where(PartnerApplication.reference == reference)) is None:
            break
    question = QUESTIONS[joining.question[2]] if joining.question else (None, None)
    app = PartnerApplication(
        reference=reference, company_name=data.company_name,
        normalized_name=data.normalized_name, website=data.website, domain=data.domain,
        country=data.country, regions=list(data.regions), partner_type=data.partner_type,
        industries=list(data.industries), expected_annual_revenue=data.expected_annual_revenue,
        headcount=data.headcount, contact_name=data.contact_name,
        contact_email=data.contact_email, contact_phone=data.contact_phone,
        terms_accepted_at=joining.applied, status=ApplicationStatus.APPROVED.value,
        submitted_at=joining.applied, decided_at=joining.approved,
        decided_by_user_id=manager.id, info_request=question[0], info_response=question[1],
        partner_id=partner.id,
        # The channel managers' digest told them of it within the hour.
        digested_at=joining.applied + timedelta(minutes=rng.uniform(5, 60)))
    db.add(app)
    db.flush()
    applicant = Actor.anonymous()
    reviewer = Actor.user(manager.id, manager.role, None, manager.username)
    tier = db.get(Tier, partner.tier_id).name
    timeline = [(applicant, joining.applied, "submit", f"Submitted by {data.contact_name}."),
                (reviewer, joining.review, "start_review", "Review started.")]
    if joining.question:
        asked, answered, _ = joining.question
        timeline += [(reviewer, asked, "request_info",
                      f"More information requested: {question[0]}"),
                     (applicant, answered, "answer", f"The applicant answered: {question[1]}")]
    timeline.append((reviewer, joining.approved, "approve",
                     f"Approved: partner #{partner.id} created, {tier} tier, user "
                     f"{admin.username}."))
    for actor, at, kind, text in timeline:
        history.record(db, ApplicationEvent, actor, at=at,
                       label="Applicant" if actor.role == Role.ANONYMOUS else None,
                       application_id=app.id, kind=kind, text=text)


def _onboarded(db: Session, partner: Partner, joining: Joining, manager: User) -> None:
    """The demo partner's admin accepted the current agreement (through the service, so it is
    audited and ticks its step); the checklist steps the partner meets (a complete profile,
    a second user) ticked at their dates. The first deal ticks when seed/deals.py registers
    it. Deterministic for a given `now`."""
    admin = db.scalar(select(User).where(User.partner_id == partner.id,
                                         User.role == Role.PARTNER_ADMIN.value))
    if admin is None:
        return
    actor = Actor.user(admin.id, admin.role, partner.id, admin.username)
    current = onboarding.current_agreement(db)
    if current is not None and joining.agreement is not None:
        onboarding.accept_agreement(db, actor, current.version, now=joining.agreement)
    if joining.profile is not None and profile_complete(partner):
        onboarding.record_event(db, partner.id, "profile_completed", now=joining.profile,
                                actor=actor)
    users = db.scalar(select(func.count()).select_from(User)
                      .where(User.partner_id == partner.id)) or 0
    if users >= 2:
        by = actor if joining.agreement is not None else Actor.user(
            manager.id, manager.role, None, manager.username)
        onboarding.record_event(db, partner.id, "team_member_added", now=joining.team,
                                actor=by)


# States (or provinces) some demo territories narrow to, and a postal-code prefix for some.
DEMO_STATES = {"US": [("California", "94"), ("Texas", None), ("New York", "100")],
               "CA": [("Ontario", "M5"), ("Quebec", None)],
               "DE": [("Bayern", "80"), ("Berlin", None)],
               "AU": [("New South Wales", "20"), ("Victoria", None)],
               "BR": [("São Paulo", None)], "IN": [("Karnataka", "560")],
               "GB": [("England", "SW1")], "MX": [("Jalisco", None)]}


def _coverage(db: Session, partner: Partner, index: int, manager: User,
              at: datetime) -> None:
    """Two partners in three sell named product lines and have territories, set by their
    channel manager through the services (audited) at `at`, in their first weeks: their own
    country, or one to two of its states (some narrowed to a postal-code prefix), and for
    some a second country of their region. Chosen from the index, not the random stream,
    so the rest of the demo stays as it was."""
    if index % 3 == 0:
        return
    actor = Actor.user(manager.id, manager.role, None, manager.username)
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
