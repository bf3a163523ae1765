from datetime import timedelta

from sqlalchemy import func, select

from core.actor import Role
from db.models import OnboardingProgress, Partner, PartnerApplication, User
from db.session import make_engine, unit_of_work
from seed.demo import PARTNER_COUNT, VENDOR_USERS, is_empty, seed_demo
from seed.scale import ScaleSizes, seed_scale
from tests.conftest import NOW


def test_demo_seed_has_every_role_and_fixed_usernames(seeded_db):
    roles = set(seeded_db.scalars(select(User.role).distinct()))
    assert roles == {r.value for r in Role if r not in (Role.SYSTEM, Role.ANONYMOUS)}
    names = set(seeded_db.scalars(select(User.username)))
    assert {u for u, _, _ in VENDOR_USERS} | {"p01.admin", "p01.rep1", "p02.admin"} <= names
    assert seeded_db.scalar(select(func.count()).select_from(Partner)) == PARTNER_COUNT
    tiers = {p.tier.name for p in seeded_db.scalars(select(Partner))}
    assert tiers == {"Registered", "Silver", "Gold", "Platinum"}


def test_demo_seed_is_deterministic(sqlite_factory):
    """The generator, not the database, decides: two fresh databases get the same data."""
    seen = []
    for _ in range(2):
        url = sqlite_factory.create()
        engine = make_engine(url)
        with unit_of_work(engine) as db:
            assert is_empty(db)
            seed_demo(db, now=NOW)
            seen.append([[(p.name, p.country, p.website, p.tier_id, p.created_at)
                          for p in db.scalars(select(Partner).order_by(Partner.id))],
                         [(a.reference, a.submitted_at, a.decided_at, a.partner_id)
                          for a in db.scalars(select(PartnerApplication)
                                              .order_by(PartnerApplication.id))],
                         db.execute(select(OnboardingProgress.partner_id,
                                           OnboardingProgress.step_id,
                                           OnboardingProgress.completed_at)
                                    .order_by(OnboardingProgress.id)).all()])
        engine.dispose()
        sqlite_factory.drop(url)
    assert seen[0] == seen[1]


def test_scale_seed_builds_the_asked_sizes(engine):
    with unit_of_work(engine) as db:
        seed_scale(db, ScaleSizes(partners=120, users=400, end_customers=0), log=lambda _: None)
    with unit_of_work(engine) as db:
        assert db.scalar(select(func.count()).select_from(Partner)) == 120
        partner_users = db.scalar(select(func.count()).select_from(User)
                                  .where(User.partner_id.is_not(None)))
        assert partner_users == 400
        admins = db.scalar(select(func.count(func.distinct(User.partner_id)))
                           .where(User.role == "partner_admin"))
        assert admins == 120


def test_scale_partners_have_accepted_the_current_agreement(engine):
    from core.onboarding import has_accepted_current

    with unit_of_work(engine) as db:
        seed_scale(db, ScaleSizes(partners=30, users=90, end_customers=0), log=lambda _: None)
    with unit_of_work(engine) as db:
        ids = list(db.scalars(select(Partner.id)))
        assert all(has_accepted_current(db, pid) for pid in ids)


def test_demo_partners_were_partners_before_they_accepted_the_agreement(seeded_db):
    """Issue #14: "Partner since" read today for partners that accepted months ago. A demo
    partner is a partner since its application was approved, in the past."""
    from db.models import AgreementAcceptance

    since = dict(seeded_db.execute(select(Partner.id, Partner.created_at)).all())
    accepted = dict(seeded_db.execute(select(AgreementAcceptance.partner_id,
                                             func.min(AgreementAcceptance.accepted_at))
                                      .group_by(AgreementAcceptance.partner_id)).all())
    assert accepted and all(since[pid] < at for pid, at in accepted.items())
    approved = dict(seeded_db.execute(select(PartnerApplication.partner_id,
                                             PartnerApplication.decided_at)).all())
    assert approved == since  # one approved application behind every partner
    assert max(since.values()) < NOW - timedelta(days=1)


def test_demo_course_step_is_inactive_until_training_exists(seeded_db):
    """Issue #14: every demo partner waited at the course step nothing can tick yet."""
    from db.models import AuditEvent, OnboardingStep

    step = seeded_db.scalar(select(OnboardingStep).where(OnboardingStep.event ==
                                                         "course_completed"))
    assert not step.active
    # Deactivated by the admin through the service, so the audit log says who and when.
    event = seeded_db.scalar(select(AuditEvent).where(
        AuditEvent.action == "onboarding_step.update", AuditEvent.entity_id == str(step.id)))
    assert (event.actor_label, event.before["active"], event.after["active"]) == \
        ("admin", True, False)
