"""Versioned agreements, the onboarding checklist ticked by core events, step management and
the time-to-revenue-ready report, with the clock injected."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import delete, func, select

from core.accounts import (
    NewUserIn,
    create_user,
    list_users,
    resume_session,
    set_active,
    sign_in,
)
from core.accounts.sessions import start_session
from core.actor import Actor, Role
from core.audit import AuditFilter, list_events
from core.deals import add_note, get_deal, list_deals, register_deal
from core.errors import NotFound, PermissionDenied, RuleViolation, field_errors
from core.notifications import list_notifications
from core.onboarding import (
    KNOWN_EVENTS,
    StepIn,
    accept_agreement,
    checklist,
    current_agreement,
    get_agreement_for,
    has_accepted_current,
    list_agreements,
    list_steps,
    onboarding_report,
    publish_agreement,
    record_event,
    save_step,
    set_step_active,
    update_step,
)
from core.partners import update_partner_profile
from db.models import (
    Agreement,
    AgreementAcceptance,
    AuditEvent,
    DealRegistration,
    OnboardingProgress,
    OnboardingStep,
    Partner,
    PartnerApplication,
    Tier,
    User,
)
from db.session import unit_of_work
from seed.demo import DEMO_PASSWORD, PARTNER_COUNT
from tests.conftest import NOW, actor_for
from tests.deals.test_deals import form

STEP_TITLES = ["Accept the partner agreement", "Complete the company profile",
               "Invite at least one team member", "Complete the onboarding course",
               "Register a first deal"]
COURSE = "Complete the onboarding course"
# Until training exists the demo's course step is inactive (seed/demo.py).
DEMO_STEP_TITLES = [t for t in STEP_TITLES if t != COURSE]


def publish_v2(db, now=NOW):
    out = publish_agreement(db, actor_for(db, "admin"), "Partner program agreement 2027",
                            "# Agreement\n\nNew terms.", now=now)
    db.commit()
    return out


def count(db, model, *where) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where)) or 0


def partner_ids(db) -> list[int]:
    return list(db.scalars(select(Partner.id).order_by(Partner.id)))


def ticked(db, partner_id: int) -> set[str]:
    return set(db.scalars(select(OnboardingStep.event)
                          .join(OnboardingProgress, OnboardingProgress.step_id == OnboardingStep.id)
                          .where(OnboardingProgress.partner_id == partner_id)))


def new_partner(db, name="Newco Systems", *, created_at=NOW, status="onboarding",
                **over) -> Partner:
    """A partner as an approval creates it: no users, no acceptance, no ticks."""
    tier = db.scalar(select(Tier).where(Tier.name == "Registered"))
    values = dict(name=name, website="https://newco.example", country="US", regions=["NA"],
                  partner_type="reseller", industries=[], tier_id=tier.id, status=status,
                  created_at=created_at)
    values.update(over)
    partner = Partner(**values)
    db.add(partner)
    db.flush()
    return partner


def add_user(db, actor: Actor, username: str, role: Role, partner_id: int | None, *, now=NOW):
    user, _ = create_user(db, actor, NewUserIn(username=username, display_name=username,
                                               email=f"{username}@newco.example", role=role,
                                               partner_id=partner_id), now=now)
    return actor_for(db, user.username)


# ---------------------------------------------------------------- agreements


def test_demo_partners_have_accepted_the_current_version(seeded_db):
    current = current_agreement(seeded_db)
    assert current.version == 1 and current.published_by is None
    # All but p10, approved days ago, whose admin has not accepted yet.
    pending = [pid for pid in partner_ids(seeded_db) if not has_accepted_current(seeded_db, pid)]
    assert pending == [actor_for(seeded_db, "p10.admin").partner_id]
    assert resumed(seeded_db, "p10.rep1").agreement_current is False
    status = get_agreement_for(seeded_db, actor_for(seeded_db, "p01.rep1"))
    assert status.accepted and status.agreement.version == 1 and not status.can_accept
    assert status.accepted_at is not None
    assert status.accepted_by == seeded_db.scalar(select(User.display_name).where(
        User.username == "p01.admin"))
    rows = list_agreements(seeded_db, actor_for(seeded_db, "channel"))
    assert [(r.agreement.version, r.current, r.accepted_count, r.partner_count)
            for r in rows] == [(1, True, PARTNER_COUNT - 1, PARTNER_COUNT)]


def resumed(db, username: str):
    """The user as the app sees it at the next run of a session started now."""
    user_id = db.scalar(select(User.id).where(User.username == username))
    return resume_session(db, start_session(db, user_id, now=NOW), now=NOW)


def test_a_new_version_asks_every_partner_again(seeded_db):
    v2 = publish_v2(seeded_db)
    assert v2.version == 2 and current_agreement(seeded_db).id == v2.id
    assert v2.published_by == "Ada Admin"
    assert not any(has_accepted_current(seeded_db, pid) for pid in partner_ids(seeded_db))
    # The registry condition: partner users lose every page but agreement/profile/sign-out.
    assert resumed(seeded_db, "p01.rep1").agreement_current is False
    assert resumed(seeded_db, "p01.admin").agreement_current is False
    assert resumed(seeded_db, "channel").agreement_current is True
    assert sign_in(seeded_db, "p02.rep1", DEMO_PASSWORD, now=NOW).agreement_current is False
    # Every partner admin is told, once per version.
    admins = count(seeded_db, User, User.role == "partner_admin")
    assert count(seeded_db, AuditEvent, AuditEvent.action == "agreement.publish") == 1
    subjects = [n.subject for n in list_notifications(seeded_db, actor_for(seeded_db,
                                                                             "p01.admin"))]
    assert subjects == ["New partner agreement (version 2) awaits your acceptance"]
    assert not list_notifications(seeded_db, actor_for(seeded_db, "p01.rep1"))
    from db.models import Notification
    assert count(seeded_db, Notification, Notification.dedupe_key == "agreement:v2") == admins

    status = get_agreement_for(seeded_db, actor_for(seeded_db, "p01.admin"))
    assert not status.accepted and status.can_accept and status.agreement.version == 2
    assert not get_agreement_for(seeded_db, actor_for(seeded_db, "p01.rep1")).can_accept

    p01 = actor_for(seeded_db, "p01.admin")
    later = NOW + timedelta(hours=3)
    status = accept_agreement(seeded_db, p01, 2, now=later)
    seeded_db.commit()
    assert status.accepted and status.accepted_at == later and not status.can_accept
    assert resumed(seeded_db, "p01.rep1").agreement_current is True
    assert resumed(seeded_db, "p02.rep1").agreement_current is False
    rows = list_agreements(seeded_db, actor_for(seeded_db, "admin"))
    assert [(r.agreement.version, r.current, r.accepted_count) for r in rows] == \
        [(2, True, 1), (1, False, PARTNER_COUNT - 1)]  # p10 never accepted version 1


def test_an_acceptance_counts_only_for_the_partner_that_accepted(seeded_db):
    publish_v2(seeded_db)
    accept_agreement(seeded_db, actor_for(seeded_db, "p01.admin"), 2, now=NOW)
    seeded_db.commit()
    assert get_agreement_for(seeded_db, actor_for(seeded_db, "p01.rep1")).accepted
    other = get_agreement_for(seeded_db, actor_for(seeded_db, "p02.admin"))
    assert (other.accepted, other.accepted_by, other.can_accept) == (False, None, True)


def test_until_the_new_version_is_accepted_partner_services_refuse(seeded_db):
    """Not only the menu: the services themselves refuse deals and team changes."""
    deal_id = register_deal(seeded_db, actor_for(seeded_db, "p01.rep1"), form(seeded_db),
                            now=NOW).id
    rep_id = seeded_db.scalar(select(User.id).where(User.username == "p01.rep2"))
    publish_v2(seeded_db)
    rep, boss = actor_for(seeded_db, "p01.rep1"), actor_for(seeded_db, "p01.admin")
    deals_before = count(seeded_db, DealRegistration)
    refused = {
        "register": lambda: register_deal(seeded_db, rep, form(seeded_db), now=NOW),
        "list": lambda: list_deals(seeded_db, rep, now=NOW),
        "open": lambda: get_deal(seeded_db, rep, deal_id, now=NOW),
        "note": lambda: add_note(seeded_db, rep, deal_id, "Call booked", now=NOW),
        "team": lambda: list_users(seeded_db, boss),
        "invite": lambda: add_user(seeded_db, boss, "p01.new", Role.PARTNER_USER,
                                   boss.partner_id),
        "deactivate": lambda: set_active(seeded_db, boss, rep_id, False, now=NOW),
    }
    for name, call in refused.items():
        with pytest.raises(PermissionDenied, match="not accepted the current partner "
                                                   "agreement") as exc:
            call()
        assert "Partner agreement page" in str(exc.value), name
    assert count(seeded_db, DealRegistration) == deals_before
    # Vendors are not held up by p01's missing acceptance...
    assert list_deals(seeded_db, actor_for(seeded_db, "channel"), now=NOW)[1] > 0
    # ...and once p01 accepts, its people work again.
    accept_agreement(seeded_db, boss, 2, now=NOW)
    seeded_db.commit()
    register_deal(seeded_db, rep, form(seeded_db, company="Umbrella", website="umbrella.com",
                                       contact_email="x@umbrella.com"), now=NOW)
    assert list_deals(seeded_db, rep, now=NOW)[1] == 2
    assert any(u.username == "p01.rep2" for u in list_users(seeded_db, boss))


def test_accepting_is_once_per_partner_and_version_and_audited(seeded_db):
    publish_v2(seeded_db)
    p01 = actor_for(seeded_db, "p01.admin")
    first = accept_agreement(seeded_db, p01, 2, now=NOW)
    again = accept_agreement(seeded_db, p01, 2, now=NOW + timedelta(days=1))
    seeded_db.commit()
    assert again.accepted_at == first.accepted_at == NOW
    v2 = current_agreement(seeded_db).id
    assert count(seeded_db, AgreementAcceptance, AgreementAcceptance.agreement_id == v2) == 1
    events, _ = list_events(seeded_db, actor_for(seeded_db, "admin"),
                            AuditFilter(action="agreement.accept", actor="p01.admin"))
    # one from the demo seed (version 1), one now
    assert [e.after["version"] for e in events] == [2, 1]


def test_an_outdated_version_is_refused(seeded_db):
    publish_v2(seeded_db)
    with pytest.raises(RuleViolation, match="version 2 has been published") as exc:
        accept_agreement(seeded_db, actor_for(seeded_db, "p01.admin"), 1, now=NOW)
    assert exc.value.field == "version"
    with pytest.raises(RuleViolation):
        accept_agreement(seeded_db, actor_for(seeded_db, "p01.admin"), 3, now=NOW)
    assert not has_accepted_current(seeded_db, actor_for(seeded_db, "p01.admin").partner_id)


@pytest.mark.parametrize("username", ["p01.rep1", "admin", "channel"])
def test_only_a_partner_admin_accepts(seeded_db, username):
    publish_v2(seeded_db)
    with pytest.raises(PermissionDenied):
        accept_agreement(seeded_db, actor_for(seeded_db, username), 2, now=NOW)


def test_only_the_admin_publishes_and_a_version_needs_title_and_text(seeded_db):
    for username in ("channel", "p01.admin", "exec"):
        with pytest.raises(PermissionDenied):
            publish_agreement(seeded_db, actor_for(seeded_db, username), "T", "Body", now=NOW)
    with pytest.raises(ValidationError) as exc:
        publish_agreement(seeded_db, actor_for(seeded_db, "admin"), "  ", "", now=NOW)
    assert set(field_errors(exc.value)) == {"title", "body_markdown"}
    assert current_agreement(seeded_db).version == 1
    with pytest.raises(PermissionDenied):
        list_agreements(seeded_db, actor_for(seeded_db, "p01.admin"))


def test_no_agreement_at_all_blocks_no_one(db):
    db.execute(delete(Agreement))
    partner = new_partner(db)
    assert current_agreement(db) is None
    assert has_accepted_current(db, partner.id)
    status = get_agreement_for(db, Actor(Role.PARTNER_ADMIN, 1, partner.id, "x"))
    assert status.agreement is None and status.accepted


def test_two_admins_of_a_partner_accepting_at_once_make_one_acceptance(seeded, seeded_db):
    publish_v2(seeded_db)
    second = add_user(seeded_db, actor_for(seeded_db, "admin"), "p01.admin2",
                      Role.PARTNER_ADMIN, actor_for(seeded_db, "p01.admin").partner_id)
    seeded_db.commit()
    actors = [actor_for(seeded_db, "p01.admin"), second]
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def accept(actor):
        barrier.wait()
        try:
            with unit_of_work(seeded, immediate=True) as db:
                outcomes.append(accept_agreement(db, actor, 2, now=NOW).accepted)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=accept, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and outcomes == [True, True]
    seeded_db.rollback()  # a fresh snapshot (SQLite keeps the old one until then)
    v2 = current_agreement(seeded_db).id
    assert count(seeded_db, AgreementAcceptance, AgreementAcceptance.agreement_id == v2) == 1


# ---------------------------------------------------------------- checklist and events


def test_demo_checklist_has_what_each_partner_already_meets(seeded_db):
    result = checklist(seeded_db, actor_for(seeded_db, "p01.admin"))
    assert [s.title for s in result.steps] == DEMO_STEP_TITLES  # no course step
    assert [s.done for s in result.steps] == [True, True, True, False]  # no deals in this seed
    assert (result.done_count, result.total, result.complete) == (3, 4, False)
    agreed, profile, team = (s.completed_at for s in result.steps[:3])
    assert agreed < profile < team


def test_a_partner_admin_sees_only_its_own_checklist(seeded_db):
    actor = actor_for(seeded_db, "p01.admin")
    other = actor_for(seeded_db, "p02.admin").partner_id
    with pytest.raises(NotFound):
        checklist(seeded_db, actor, other)
    assert checklist(seeded_db, actor, actor.partner_id).partner_id == actor.partner_id
    with pytest.raises(PermissionDenied):
        checklist(seeded_db, actor_for(seeded_db, "p01.rep1"))
    with pytest.raises(PermissionDenied):
        checklist(seeded_db, actor_for(seeded_db, "finance"), other)
    assert checklist(seeded_db, actor_for(seeded_db, "channel"), other).partner_id == other
    with pytest.raises(NotFound):
        checklist(seeded_db, actor_for(seeded_db, "channel"))  # a vendor names the partner
    with pytest.raises(NotFound):
        checklist(seeded_db, actor_for(seeded_db, "admin"), 999_999)


def test_record_event_is_idempotent(seeded_db):
    pid = actor_for(seeded_db, "p01.admin").partner_id
    assert record_event(seeded_db, pid, "course_completed", now=NOW) is True
    assert record_event(seeded_db, pid, "course_completed", now=NOW + timedelta(days=1)) is False
    seeded_db.commit()
    course = seeded_db.scalar(select(OnboardingStep).where(OnboardingStep.event ==
                                                           "course_completed"))
    rows = seeded_db.scalars(select(OnboardingProgress).where(
        OnboardingProgress.partner_id == pid, OnboardingProgress.step_id == course.id)).all()
    assert [r.completed_at for r in rows] == [NOW]
    assert count(seeded_db, AuditEvent, AuditEvent.action == "onboarding.step_done",
                 AuditEvent.partner_id == pid) == 4  # 3 from the seed, the course now
    with pytest.raises(ValueError, match="unknown onboarding event"):
        record_event(seeded_db, pid, "tea_drunk", now=NOW)


def test_the_same_event_from_two_transactions_ticks_once(seeded, seeded_db):
    pid = actor_for(seeded_db, "p03.admin").partner_id
    barrier = threading.Barrier(2)
    results, errors = [], []

    def tick():
        barrier.wait()
        try:
            with unit_of_work(seeded, immediate=True) as db:
                results.append(record_event(db, pid, "course_completed", now=NOW))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and sorted(results) == [False, True]
    seeded_db.rollback()
    assert "course_completed" in ticked(seeded_db, pid)


def test_steps_tick_themselves_from_core_events(seeded_db):
    """A partner fresh from approval: each step ticks when the service that does the thing
    runs, and nothing else ticks it."""
    admin = actor_for(seeded_db, "admin")
    partner = new_partner(seeded_db)
    pid = partner.id
    boss = add_user(seeded_db, admin, "newco.boss", Role.PARTNER_ADMIN, pid,
                    now=NOW - timedelta(days=9))
    assert ticked(seeded_db, pid) == set()  # the first user is not a "team member"
    assert resumed(seeded_db, "newco.boss").agreement_current is False

    accept_agreement(seeded_db, boss, 1, now=NOW - timedelta(days=8))
    assert ticked(seeded_db, pid) == {"agreement_accepted"}
    assert resumed(seeded_db, "newco.boss").agreement_current is True

    profile = dict(name="Newco Systems", website="https://newco.example", country="US",
                   regions=["NA"], partner_type="reseller", industries=[])
    update_partner_profile(seeded_db, boss, pid, profile, now=NOW - timedelta(days=7))
    assert "profile_completed" not in ticked(seeded_db, pid)  # no industry yet
    update_partner_profile(seeded_db, boss, pid, {**profile, "industries": ["Retail"]},
                           now=NOW - timedelta(days=6))
    assert "profile_completed" in ticked(seeded_db, pid)

    rep = add_user(seeded_db, boss, "newco.rep", Role.PARTNER_USER, pid,
                   now=NOW - timedelta(days=5))
    assert "team_member_added" in ticked(seeded_db, pid)

    register_deal(seeded_db, rep, form(seeded_db), now=NOW - timedelta(days=4))
    register_deal(seeded_db, rep, form(seeded_db, company="Umbrella", website="umbrella.com",
                                       contact_email="x@umbrella.com"),
                  now=NOW - timedelta(days=3))
    seeded_db.commit()
    result = checklist(seeded_db, boss)
    # The demo's course step is inactive, so it is not shown.
    assert [(s.event, s.done) for s in result.steps] == [
        ("agreement_accepted", True), ("profile_completed", True), ("team_member_added", True),
        ("first_deal_registered", True)]
    assert [s.completed_at for s in result.steps if s.done] == [
        NOW - timedelta(days=d) for d in (8, 6, 5, 4)]  # the first deal, not the second
    assert result.complete

    # What training will call: counted while the step is hidden.
    assert record_event(seeded_db, pid, "course_completed", now=NOW) is True
    assert checklist(seeded_db, boss).complete and "course_completed" in ticked(seeded_db, pid)
    events, _ = list_events(seeded_db, admin, AuditFilter(action="onboarding.step_done"))
    assert {e.actor for e in events if e.after["partner_id"] == pid} == \
        {"newco.boss", "newco.rep", "system:onboarding"}


# ---------------------------------------------------------------- steps (admin)


def test_admin_lists_and_edits_steps_and_a_deactivated_step_is_not_shown(seeded_db):
    admin = actor_for(seeded_db, "admin")
    steps = list_steps(seeded_db, admin)
    assert [s.event for s in steps] == list(KNOWN_EVENTS)  # deactivated, not deleted
    course = next(s for s in steps if s.event == "course_completed")
    assert not course.active  # the demo's admin deactivated it until training exists
    pid = actor_for(seeded_db, "p01.admin").partner_id
    # An event still counts while its step is hidden: reactivating shows the truth.
    record_event(seeded_db, pid, "course_completed", now=NOW)
    shown = checklist(seeded_db, actor_for(seeded_db, "p01.admin"))
    assert "course_completed" not in [s.event for s in shown.steps] and shown.total == 4
    report = onboarding_report(seeded_db, actor_for(seeded_db, "channel"), now=NOW)
    assert COURSE not in report.stuck_counts

    update_step(seeded_db, admin, course.id,
                StepIn(title="Finish the online course", event="course_completed",
                       position=6, active=True), now=NOW)
    shown = checklist(seeded_db, actor_for(seeded_db, "p01.admin"))
    assert (shown.steps[-1].title, shown.steps[-1].done) == ("Finish the online course", True)
    assert shown.total == 5
    out = set_step_active(seeded_db, admin, course.id, False, now=NOW + timedelta(hours=1))
    assert not out.active and checklist(seeded_db, actor_for(seeded_db, "p01.admin")).total == 4
    seeded_db.commit()
    events, _ = list_events(seeded_db, admin, AuditFilter(action="onboarding_step.update"))
    # The seed's deactivation, then this test's reactivation and deactivation.
    assert [(e.before["active"], e.after["active"]) for e in reversed(events)] == \
        [(True, False), (False, True), (True, False)]


def test_step_events_must_be_known_and_unique(seeded_db):
    admin = actor_for(seeded_db, "admin")
    with pytest.raises(ValidationError) as exc:
        save_step(seeded_db, admin, {"title": "Drink tea", "event": "tea_drunk",
                                     "position": 9}, now=NOW)
    assert set(field_errors(exc.value)) == {"event"}
    with pytest.raises(RuleViolation, match="already ticked") as exc:
        save_step(seeded_db, admin, StepIn(title="Again", event="course_completed",
                                           position=9), now=NOW)
    assert exc.value.field == "event"
    course = next(s for s in list_steps(seeded_db, admin) if s.event == "course_completed")
    with pytest.raises(ValidationError):
        update_step(seeded_db, admin, course.id, {"title": "X", "event": "nope",
                                                  "position": 4}, now=NOW)
    agreement = next(s for s in list_steps(seeded_db, admin) if s.event == "agreement_accepted")
    with pytest.raises(RuleViolation):  # another step has that event
        update_step(seeded_db, admin, agreement.id, {"title": "X", "event": "course_completed",
                                                     "position": 1}, now=NOW)
    with pytest.raises(ValidationError) as exc:
        StepIn(title="", event="course_completed", position="first")
    assert set(field_errors(exc.value)) == {"title", "position"}
    with pytest.raises(NotFound):
        update_step(seeded_db, admin, 999_999, StepIn(title="X", event="course_completed",
                                                      position=1), now=NOW)


def test_an_event_cannot_change_once_partners_ticked_the_step(seeded_db):
    admin = actor_for(seeded_db, "admin")
    course = next(s for s in list_steps(seeded_db, admin) if s.event == "course_completed")
    # Free an event (no service deletes a step; the test does), then try to move the
    # agreement step, which demo partners have ticked, onto it.
    agreement = next(s for s in list_steps(seeded_db, admin) if s.event == "agreement_accepted")
    seeded_db.execute(delete(OnboardingStep).where(OnboardingStep.id == course.id))
    with pytest.raises(RuleViolation, match="already completed"):
        update_step(seeded_db, admin, agreement.id,
                    {"title": "X", "event": "course_completed", "position": 1}, now=NOW)
    seeded_db.rollback()


def test_a_new_step_for_a_free_event(seeded_db):
    admin = actor_for(seeded_db, "admin")
    course = next(s for s in list_steps(seeded_db, admin) if s.event == "course_completed")
    seeded_db.execute(delete(OnboardingStep).where(OnboardingStep.id == course.id))
    created = save_step(seeded_db, admin, {"title": "Watch the intro video",
                                           "event": "course_completed", "position": 4}, now=NOW)
    assert created.active and created.event == "course_completed"
    shown = checklist(seeded_db, actor_for(seeded_db, "p01.admin"))
    assert shown.steps[3].title == "Watch the intro video" and not shown.steps[3].done
    assert count(seeded_db, AuditEvent, AuditEvent.action == "onboarding_step.create") == 1


@pytest.mark.parametrize("username", ["channel", "p01.admin", "exec"])
def test_only_the_admin_manages_steps(seeded_db, username):
    actor = actor_for(seeded_db, username)
    with pytest.raises(PermissionDenied):
        list_steps(seeded_db, actor)
    with pytest.raises(PermissionDenied):
        save_step(seeded_db, actor, {"title": "X", "event": "course_completed",
                                     "position": 1}, now=NOW)


# ---------------------------------------------------------------- time to revenue-ready


def application(db, partner: Partner, submitted, decided, n: int) -> None:
    db.add(PartnerApplication(
        reference=f"APP-{n:04d}", company_name=partner.name, normalized_name=partner.name.lower(),
        website=partner.website or "", country=partner.country, regions=list(partner.regions),
        partner_type=partner.partner_type, industries=list(partner.industries),
        expected_annual_revenue="100000", headcount=10, contact_name="C",
        contact_email="c@x.example", contact_phone="1", terms_accepted_at=submitted,
        status="approved", submitted_at=submitted, decided_at=decided, partner_id=partner.id))


def day(n: float):
    return NOW - timedelta(days=n)


def build_timeline(db):
    """Alpha: applied day 60, approved day 50, agreement day 47, first deal day 40, so 10, 13
    and 20 days from the application; it waits at the course since its last tick (day 40).
    Beta: applied 30, approved 26, agreement 20, nothing else: waits at the profile for 20.
    Gamma: no application, nothing done, created 5 days ago. Delta is terminated."""
    admin = actor_for(db, "admin")
    alpha = new_partner(db, "Alpha Networks", created_at=day(50), industries=["Retail"])
    beta = new_partner(db, "Beta Cloud", created_at=day(26))
    gamma = new_partner(db, "Gamma Data", created_at=day(5))
    delta = new_partner(db, "Delta Gone", created_at=day(90), status="terminated")
    application(db, alpha, day(60), day(50), 1)
    application(db, beta, day(30), day(26), 2)
    application(db, delta, day(100), day(90), 3)

    a_boss = add_user(db, admin, "alpha.boss", Role.PARTNER_ADMIN, alpha.id, now=day(50))
    a_rep = add_user(db, admin, "alpha.rep", Role.PARTNER_USER, alpha.id, now=day(49))
    update_partner_profile(db, a_boss, alpha.id, dict(
        name=alpha.name, website=alpha.website, country="US", regions=["NA"],
        partner_type="reseller", industries=["Retail"]), now=day(48))
    accept_agreement(db, a_boss, 1, now=day(47))
    register_deal(db, a_rep, form(db), now=day(40))

    b_boss = add_user(db, admin, "beta.boss", Role.PARTNER_ADMIN, beta.id, now=day(26))
    accept_agreement(db, b_boss, 1, now=day(20))
    add_user(db, admin, "gamma.boss", Role.PARTNER_ADMIN, gamma.id, now=day(5))
    db.commit()
    return alpha, beta, gamma


def test_report_spans_averages_and_stuck_counts_on_a_known_timeline(db):
    db.add_all([User(username="admin", display_name="Ada Admin", email="a@v.example",
                     role="admin", password_hash="x"),
                User(username="channel", display_name="Chris", email="c@v.example",
                     role="channel_manager", password_hash="x")])
    db.flush()
    alpha, _, _ = build_timeline(db)
    report = onboarding_report(db, actor_for(db, "channel"), now=NOW)
    rows = {r.name: r for r in report.rows}
    assert list(rows) == ["Alpha Networks", "Beta Cloud", "Gamma Data"]  # no terminated one

    a = rows["Alpha Networks"]
    assert (a.applied_at, a.approved_at, a.agreement_at, a.first_deal_at) == \
        (day(60), day(50), day(47), day(40))
    assert (a.days_to_approval, a.days_to_agreement, a.days_to_first_deal) == (10, 13, 20)
    assert (a.steps_done, a.stuck_at, a.days_stuck) == \
        (4, "Complete the onboarding course", 40)

    b = rows["Beta Cloud"]
    assert (b.days_to_approval, b.days_to_agreement, b.days_to_first_deal) == (4, 10, None)
    assert (b.steps_done, b.stuck_at, b.days_stuck) == (1, "Complete the company profile", 20)

    g = rows["Gamma Data"]
    assert (g.applied_at, g.approved_at, g.agreement_at, g.first_deal_at) == (None,) * 4
    assert (g.days_to_approval, g.days_to_agreement, g.days_to_first_deal) == (None,) * 3
    assert (g.steps_done, g.stuck_at, g.days_stuck) == (0, "Accept the partner agreement", 5)

    avg = report.averages
    assert (avg.days_to_approval, avg.days_to_agreement, avg.days_to_first_deal) == \
        (7, 11.5, 20)
    assert (avg.n_approval, avg.n_agreement, avg.n_first_deal) == (2, 2, 1)
    assert report.stuck_counts == dict(zip(STEP_TITLES, [1, 1, 0, 1, 0], strict=True))
    assert list(report.stuck_counts) == STEP_TITLES  # checklist order, zeros included

    waiting = onboarding_report(db, actor_for(db, "channel"), now=NOW, stuck_after_days=10)
    assert waiting.stuck_counts == dict(zip(STEP_TITLES, [0, 1, 0, 1, 0], strict=True))

    record_event(db, alpha.id, "course_completed", now=day(1))
    done = {r.name: r for r in onboarding_report(db, actor_for(db, "channel"),
                                                 now=NOW).rows}["Alpha Networks"]
    assert (done.steps_done, done.stuck_at, done.days_stuck) == (5, None, None)


def test_demo_partners_came_through_applications_and_none_waits_at_the_course(seeded_db):
    """Issue #14: every demo partner was "stuck" at the course step that nothing can complete
    yet, and the time-to-revenue columns were empty for all of them."""
    report = onboarding_report(seeded_db, actor_for(seeded_db, "exec"), now=NOW)
    rows = report.rows
    assert len(rows) == PARTNER_COUNT
    assert COURSE not in report.stuck_counts and all(r.stuck_at != COURSE for r in rows)
    # Every partner came through an approved application, most of them months ago.
    assert all(r.applied_at < r.approved_at < NOW - timedelta(days=1) for r in rows)
    assert sum(r.approved_at < NOW - timedelta(days=180) for r in rows) >= PARTNER_COUNT * 3 // 4
    avg = report.averages
    assert (avg.n_approval, avg.n_agreement) == (PARTNER_COUNT, PARTNER_COUNT - 1)  # p10: not yet
    assert 3 < avg.days_to_approval < avg.days_to_agreement < 60
    spans = [r.days_to_approval for r in rows]
    assert max(spans) - min(spans) > 10  # reviews of days to weeks, not one figure
    # "Partner since" is the approval: in the past, before the agreement.
    since = dict(seeded_db.execute(select(Partner.id, Partner.created_at)).all())
    assert all(since[r.partner_id] == r.approved_at for r in rows)
    assert all(r.approved_at <= r.agreement_at for r in rows if r.agreement_at is not None)
    # No deals in this seed: partners wait at the first deal, two of them at earlier steps.
    assert Counter(r.stuck_at for r in rows) == {
        "Accept the partner agreement": 1, "Complete the company profile": 1,
        "Register a first deal": PARTNER_COUNT - 2}


def test_the_demo_report_has_time_to_revenue_and_partners_still_onboarding(demo_db):
    report = onboarding_report(demo_db, actor_for(demo_db, "channel"), now=NOW,
                               stuck_after_days=14)
    rows = report.rows
    assert len(rows) == PARTNER_COUNT
    # Training took the course step back: three partners in four took the onboarding course.
    assert 0 < report.stuck_counts[COURSE] < PARTNER_COUNT // 3
    earning = [r for r in rows if r.days_to_first_deal is not None]
    assert len(earning) >= PARTNER_COUNT * 3 // 4 and report.averages.n_first_deal == len(earning)
    assert all(r.applied_at < r.approved_at <= r.agreement_at <= r.first_deal_at <= NOW
               for r in earning)
    spans = [r.days_to_first_deal for r in earning]
    assert max(spans) - min(spans) > 30  # weeks to months, not one figure
    assert report.averages.days_to_agreement < report.averages.days_to_first_deal
    # Partners still onboarding have no deal yet, and wait at different steps.
    assert all(r.first_deal_at is None and r.stuck_at for r in rows if r.status == "onboarding")
    assert {r.stuck_at for r in rows if r.stuck_at} >= {
        "Accept the partner agreement", "Complete the company profile", "Register a first deal"}
    assert sum(report.stuck_counts.values()) >= 2


@pytest.mark.parametrize("username", ["p01.admin", "p01.rep1", "marketing", "finance",
                                      "analyst"])
def test_the_report_is_for_managers(seeded_db, username):
    with pytest.raises(PermissionDenied):
        onboarding_report(seeded_db, actor_for(seeded_db, username), now=NOW)
