"""Issue #13 on accounts: a burst of guesses, unknown usernames, closed partners, usernames,
passwords bcrypt cannot take, time zones, and two creations of one username at once."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

import core.accounts.signin as signin
from core.accounts import (
    BAD_CREDENTIALS,
    NewUserIn,
    ProfileIn,
    SignedIn,
    SignInRefused,
    change_own_password,
    create_user,
    resume_session,
    sign_in,
)
from core.deals import mark_won
from core.errors import PermissionDenied, RuleViolation
from core.standing import CLOSED_MESSAGES
from db.models import DealRegistration, Partner, User
from db.session import unit_of_work
from seed.demo import DEMO_PASSWORD
from tests.conftest import NOW, actor_for


def attempt(engine, username, password, now=NOW):
    with unit_of_work(engine, immediate=True) as db:
        return sign_in(db, username, password, now=now)


@pytest.fixture
def checks(monkeypatch):
    """Counts the password checks sign-in runs (bcrypt, the slow part an attacker wants)."""
    seen: list[str] = []
    real = signin.verify_password

    def counted(password, hashed):
        seen.append(hashed)
        return real(password, hashed)

    monkeypatch.setattr(signin, "verify_password", counted)
    return seen


def test_twenty_simultaneous_guesses_get_at_most_five_password_checks(seeded, checks):
    barrier = threading.Barrier(20)
    outcomes = []

    def guess(n):
        barrier.wait()
        outcomes.append(attempt(seeded, "p02.rep1", f"guess-number-{n}"))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 20 and all(isinstance(o, SignInRefused) for o in outcomes)
    assert len(checks) <= 5
    with unit_of_work(seeded) as db:
        user = db.scalar(select(User).where(User.username == "p02.rep1"))
        assert user.failed_attempts == 5 and user.locked_until > NOW
    # Locked: even the right password is not checked now.
    assert "locked until" in attempt(seeded, "p02.rep1", DEMO_PASSWORD).message
    assert len(checks) <= 5


def test_an_unknown_username_runs_the_same_password_check_as_a_known_one(seeded, checks):
    assert attempt(seeded, "nobody-here", "some-password").message == BAD_CREDENTIALS
    assert checks == [signin.dummy_hash()]
    assert attempt(seeded, "p01.rep1", "some-password").message == BAD_CREDENTIALS
    assert len(checks) == 2 and checks[1].startswith("$2")


def test_a_crash_between_count_and_check_never_locks_for_good(seeded):
    """The count is committed before the check; five counted attempts lock with an expiry,
    so an account is never left locked without an end."""
    with unit_of_work(seeded) as db:
        db.execute(User.__table__.update().where(User.username == "p01.rep1")
                   .values(failed_attempts=4))
    assert attempt(seeded, "p01.rep1", DEMO_PASSWORD).__class__ is SignedIn  # fifth, right
    with unit_of_work(seeded) as db:
        user = db.scalar(select(User).where(User.username == "p01.rep1"))
        assert (user.failed_attempts, user.locked_until) == (0, None)


@pytest.mark.parametrize("status", ["suspended", "terminated"])
def test_a_closed_partners_users_cannot_sign_in_resume_or_act(seeded, status):
    token = attempt(seeded, "p01.admin", DEMO_PASSWORD).session_token
    with unit_of_work(seeded) as db:
        db.scalar(select(Partner).where(Partner.id == actor_for(db, "p01.admin").partner_id)
                  ).status = status
    refused = attempt(seeded, "p01.rep1", DEMO_PASSWORD)
    assert isinstance(refused, SignInRefused) and refused.message == CLOSED_MESSAGES[status]
    with unit_of_work(seeded) as db:
        assert resume_session(db, token) is None
        admin = actor_for(db, "p01.admin")
        deal = db.scalar(select(func.min(DealRegistration.id)).where(
            DealRegistration.partner_id == admin.partner_id))
        with pytest.raises(PermissionDenied, match=CLOSED_MESSAGES[status][:40]):
            mark_won(db, admin, deal, "9999999999.00", now=NOW + timedelta(days=400))
        with pytest.raises(PermissionDenied, match=CLOSED_MESSAGES[status][:40]):
            create_user(db, admin, NewUserIn(username="sneaky", display_name="Sneaky",
                                             email="s@p01.example", role="partner_user"))
        assert db.scalar(select(User.id).where(User.username == "sneaky")) is None
    # The vendor still reads the partner's users.
    with unit_of_work(seeded) as db:
        assert db.scalar(select(func.count()).select_from(User).where(
            User.partner_id == actor_for(db, "p01.admin").partner_id)) >= 2


@pytest.mark.parametrize("name", [
    "\u212aate",  # KELVIN SIGN, lower-cases to an ASCII "k"
    "ａｄｍｉｎ2",  # full-width letters
    "аdmin2",  # Cyrillic a
    "jo hn", "ab", "x" * 81, "tab\tname", "nul\x00name",
])
def test_one_username_rule_refuses_look_alikes_and_non_ascii(seeded_db, name):
    with pytest.raises(ValidationError, match="letters \\(a-z\\)"):
        NewUserIn(username=name, display_name="X", email="x@vendor.example",
                  role="finance")


def test_usernames_are_stored_lower_case_and_typed_in_any_case(seeded_db):
    data = NewUserIn(username="Mixed.Case_1", display_name="M", email="m@vendor.example",
                     role="finance")
    assert data.username == "mixed.case_1"


def test_two_creations_of_one_username_at_once_get_that_username_is_taken(seeded):
    barrier = threading.Barrier(6)
    results: list[object] = []

    def create(n):
        barrier.wait()
        try:
            with unit_of_work(seeded, immediate=True) as db:
                create_user(db, actor_for(db, "admin"), NewUserIn(
                    username="race.user", display_name=f"Racer {n}",
                    email=f"r{n}@vendor.example", role="finance"), now=NOW)
            results.append("created")
        except RuleViolation as exc:
            results.append((exc.field, str(exc)))

    threads = [threading.Thread(target=create, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Counter(results) == {"created": 1, ("username", "That username is taken."): 5}


def test_a_password_over_72_bytes_gets_a_message_not_a_crash(seeded, seeded_db):
    actor = actor_for(seeded_db, "p01.rep1")
    for too_long in ("a" * 73, "é" * 37):  # 73 and 74 bytes
        with pytest.raises(RuleViolation, match="at most 72 bytes") as exc:
            change_own_password(seeded_db, actor, DEMO_PASSWORD, too_long, now=NOW)
        assert exc.value.field == "new"
    with pytest.raises(RuleViolation, match="NUL"):
        change_own_password(seeded_db, actor, DEMO_PASSWORD, "ten-chars-\x00-x", now=NOW)
    seeded_db.rollback()
    assert attempt(seeded, "p01.rep1", "a" * 100).message == BAD_CREDENTIALS  # no crash


@pytest.mark.parametrize("zone", ["America", "Europe", "", "../../etc/passwd", "utc ", 5])
def test_time_zones_are_checked_against_the_zone_list(zone):
    with pytest.raises(ValidationError):
        ProfileIn(display_name="Dana", time_zone=zone)
    assert ProfileIn(display_name="Dana", time_zone="America/New_York").time_zone


def test_services_refuse_wrong_types_instead_of_coercing_them():
    with pytest.raises(ValidationError):
        NewUserIn(username=12345, display_name="X", email="x@vendor.example", role="finance")
    with pytest.raises(ValidationError):
        ProfileIn(display_name="Dana", time_zone="UTC", email_notifications="yes")


def test_a_session_expires_at_the_end_it_was_given(seeded):
    outcome = attempt(seeded, "marketing", DEMO_PASSWORD)  # (finance owes a second factor)
    with unit_of_work(seeded) as db:
        assert resume_session(db, outcome.session_token, now=NOW + timedelta(days=6))
        assert resume_session(db, outcome.session_token, now=NOW + timedelta(days=7)) is None


def _partner_side_calls():
    from core import deals, notifications, onboarding, partners, tiers
    from core.accounts import ProfileIn, get_profile, list_users, update_profile

    return {
        "list deals": lambda db, a: deals.list_deals(db, a),
        "list users": lambda db, a: list_users(db, a),
        "company profile": lambda db, a: partners.get_partner(db, a, a.partner_id),
        "edit company profile": lambda db, a: partners.update_partner_profile(
            db, a, a.partner_id, {"description": "still here"}),
        "tier progress": lambda db, a: tiers.tier_progress(db, a, a.partner_id),
        "tier history": lambda db, a: tiers.tier_history(db, a, a.partner_id),
        "checklist": lambda db, a: onboarding.checklist(db, a),
        "agreement": lambda db, a: onboarding.get_agreement_for(db, a),
        "accept agreement": lambda db, a: onboarding.accept_agreement(db, a, 1),
        "notifications": lambda db, a: notifications.list_notifications(db, a),
        "own profile": lambda db, a: get_profile(db, a),
        "edit own profile": lambda db, a: update_profile(
            db, a, ProfileIn(display_name="Still here", time_zone="UTC")),
    }


@pytest.mark.parametrize("call", list(_partner_side_calls()))
def test_every_partner_side_service_refuses_a_suspended_partners_admin(seeded_db, call):
    admin = actor_for(seeded_db, "p01.admin")
    seeded_db.get(Partner, admin.partner_id).status = "suspended"
    with pytest.raises(PermissionDenied) as exc:
        _partner_side_calls()[call](seeded_db, admin)
    assert str(exc.value) == CLOSED_MESSAGES["suspended"]


def test_every_refusal_costs_one_full_password_check(seeded, checks):
    """An empty password, an account with no password yet (invited), a name that cannot be
    a username: each still runs bcrypt once, so timing tells no one which accounts exist."""
    with unit_of_work(seeded) as db:
        admin = actor_for(db, "admin")
        create_user(db, admin, NewUserIn(username="invited.one", display_name="Invited",
                                         email="inv@vendor.example", role="finance"), now=NOW)
    for username, password in (("p01.rep1", ""), ("invited.one", "anything-at-all"),
                               ("invited.one", ""), ("ad\x00min", "x"), ("x" * 5000, "x")):
        assert attempt(seeded, username, password).message == BAD_CREDENTIALS
    assert len(checks) == 5
    assert all(h.startswith("$2") for h in checks)  # a real bcrypt hash every time


def test_the_password_check_of_an_unknown_name_holds_no_database_lock(seeded, backend,
                                                                      monkeypatch):
    """On SQLite a lock held through bcrypt would stop every writer for its 0.25 s."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL takes no database-wide write lock")
    import sqlite3

    path = seeded.url.database
    free = []

    def check(password, hashed):
        other = sqlite3.connect(path, timeout=0.2)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            free.append(True)
        except sqlite3.OperationalError:
            free.append(False)
        finally:
            other.close()
        return False

    monkeypatch.setattr(signin, "verify_password", check)
    attempt(seeded, "nobody-here", "x")
    attempt(seeded, "p01.rep1", "wrong-one")
    assert free == [True, True]
