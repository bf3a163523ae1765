"""Sign-in, lockout, sessions, profile and user management, with the clock injected."""

import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from core.accounts import (
    NewUserIn,
    ProfileIn,
    SignedIn,
    SignInRefused,
    UserFilter,
    change_own_password,
    change_role,
    create_user,
    list_users,
    reset_password,
    resume_session,
    set_active,
    set_password_with_link,
    sign_in,
    unlock,
    update_profile,
)
from core.actor import Role
from core.audit import AuditFilter, list_events
from core.errors import NotFound, PermissionDenied, RuleViolation
from db.models import User
from db.session import unit_of_work
from seed.demo import DEMO_PASSWORD
from tests.conftest import NOW, actor_for


def attempt(engine, username, password, now):
    """As the sign-in form does it: one immediate unit of work per attempt."""
    with unit_of_work(engine, immediate=True) as db:
        return sign_in(db, username, password, now=now)


def actions(db, username):
    events, _ = list_events(db, actor_for(db, "admin"), AuditFilter(actor=username))
    return [e.action for e in reversed(events)]


def test_right_password_signs_in_and_is_audited(seeded, seeded_db):
    outcome = attempt(seeded, "p01.rep1", DEMO_PASSWORD, NOW)
    assert isinstance(outcome, SignedIn) and outcome.actor.role == Role.PARTNER_USER
    assert actions(seeded_db, "p01.rep1") == ["auth.login"]


def test_wrong_password_and_unknown_user_get_the_same_message(seeded):
    assert attempt(seeded, "p01.rep1", "wrong-password", NOW).message == \
        attempt(seeded, "nobody", "wrong-password", NOW).message == "Wrong username or password."


def test_five_failures_lock_for_fifteen_minutes_even_with_the_right_password(seeded, seeded_db):
    for i in range(4):
        outcome = attempt(seeded, "p01.rep1", "wrong-password", NOW + timedelta(seconds=i))
        assert outcome.locked_until is None
    locked = attempt(seeded, "p01.rep1", "wrong-password", NOW + timedelta(seconds=5))
    assert locked.locked_until == NOW + timedelta(seconds=5, minutes=15)
    assert "locked until" in locked.message
    refused = attempt(seeded, "p01.rep1", DEMO_PASSWORD, NOW + timedelta(minutes=10))
    assert isinstance(refused, SignInRefused) and refused.locked_until == locked.locked_until
    assert isinstance(attempt(seeded, "p01.rep1", DEMO_PASSWORD, NOW + timedelta(minutes=21)),
                      SignedIn)
    assert actions(seeded_db, "p01.rep1").count("auth.locked") == 1
    assert "auth.login_refused_locked" in actions(seeded_db, "p01.rep1")


def test_a_success_resets_the_count(seeded):
    for _ in range(4):
        attempt(seeded, "p01.rep1", "wrong-password", NOW)
    assert isinstance(attempt(seeded, "p01.rep1", DEMO_PASSWORD, NOW), SignedIn)
    for _ in range(4):
        assert attempt(seeded, "p01.rep1", "wrong-password", NOW).locked_until is None


def test_concurrent_failures_are_all_counted(seeded, seeded_db):
    barrier = threading.Barrier(5)

    def fail():
        barrier.wait()
        attempt(seeded, "p02.rep1", "wrong-password", NOW)

    threads = [threading.Thread(target=fail) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    user = seeded_db.scalar(select(User).where(User.username == "p02.rep1"))
    assert user.failed_attempts == 5 and user.locked_until is not None


def test_admin_unlocks(seeded, seeded_db):
    for _ in range(5):
        attempt(seeded, "p01.rep1", "wrong-password", NOW)
    target = seeded_db.scalar(select(User.id).where(User.username == "p01.rep1"))
    unlock(seeded_db, actor_for(seeded_db, "admin"), target, now=NOW)
    seeded_db.commit()
    assert isinstance(attempt(seeded, "p01.rep1", DEMO_PASSWORD, NOW), SignedIn)


def test_password_rules(seeded_db):
    actor = actor_for(seeded_db, "p01.rep1")
    with pytest.raises(RuleViolation, match="current password") as exc:
        change_own_password(seeded_db, actor, "wrong", "a-long-enough-one", now=NOW)
    assert exc.value.field == "current"
    with pytest.raises(RuleViolation, match="at least 10"):
        change_own_password(seeded_db, actor, DEMO_PASSWORD, "short", now=NOW)
    with pytest.raises(RuleViolation, match="username"):
        change_own_password(seeded_db, actor, DEMO_PASSWORD, "P01.Rep1", now=NOW)


def token_of(link) -> str:
    """The token of a one-time link, as its reader's browser would take it from the URL."""
    return parse_qs(urlparse(link.url).query)["token"][0]


def test_password_change_ends_other_sessions(seeded, seeded_db):
    other = attempt(seeded, "p01.rep1", DEMO_PASSWORD, NOW).session_token
    actor = actor_for(seeded_db, "p01.rep1")
    assert resume_session(seeded_db, other, now=NOW) is not None
    mine = change_own_password(seeded_db, actor, DEMO_PASSWORD, "a-brand-new-pass", now=NOW)
    seeded_db.commit()
    assert resume_session(seeded_db, other, now=NOW) is None
    assert resume_session(seeded_db, mine, now=NOW).username == "p01.rep1"
    assert isinstance(attempt(seeded, "p01.rep1", "a-brand-new-pass", NOW), SignedIn)


def test_deactivated_user_loses_sessions_and_cannot_sign_in(seeded, seeded_db):
    token = attempt(seeded, "finance", DEMO_PASSWORD, NOW).session_token
    admin = actor_for(seeded_db, "admin")
    target = actor_for(seeded_db, "finance")
    set_active(seeded_db, admin, target.user_id, False, now=NOW)
    seeded_db.commit()
    assert resume_session(seeded_db, token, now=NOW) is None
    seeded_db.commit()  # ends the read, so that this session can write after others did
    assert isinstance(attempt(seeded, "finance", DEMO_PASSWORD, NOW), SignInRefused)
    set_active(seeded_db, admin, target.user_id, True, now=NOW)
    seeded_db.commit()
    assert resume_session(seeded_db, token, now=NOW) is None  # ended for good
    assert isinstance(attempt(seeded, "finance", DEMO_PASSWORD, NOW), SignedIn)


def test_admin_creates_a_user_who_chooses_a_password_through_the_invitation(seeded, seeded_db):
    admin = actor_for(seeded_db, "admin")
    created, link = create_user(seeded_db, admin, NewUserIn(
        username="New.Manager", display_name="New Manager", email="nm@vendor.example",
        role="channel_manager"), now=NOW)
    seeded_db.commit()
    assert created.username == "new.manager" and link.email == "nm@vendor.example"
    assert "/set_password?token=" in link.url and not link.mailed  # no mail server in tests
    assert isinstance(attempt(seeded, "new.manager", "", NOW), SignInRefused)
    seeded_db.commit()
    assert set_password_with_link(seeded_db, token_of(link), "chosen-by-me-1",
                                  "chosen-by-me-1", now=NOW) == "new.manager"
    seeded_db.commit()
    outcome = attempt(seeded, "new.manager", "chosen-by-me-1", NOW)
    assert isinstance(outcome, SignedIn) and not outcome.must_change_password


def test_user_input_is_validated_per_field():
    from pydantic import ValidationError

    from core.errors import field_errors

    with pytest.raises(ValidationError) as exc:
        NewUserIn(username="a b", display_name="", email="not-an-email", role="partner_user")
    assert set(field_errors(exc.value)) == {"username", "display_name", "email"}
    with pytest.raises(ValidationError):
        ProfileIn(display_name="x", time_zone="Mars/Olympus")


def test_reset_password_sends_a_link_the_old_password_stops_and_sessions_end(seeded, seeded_db):
    token = attempt(seeded, "p01.admin", DEMO_PASSWORD, NOW).session_token
    admin = actor_for(seeded_db, "admin")
    target = actor_for(seeded_db, "p01.admin")
    link = reset_password(seeded_db, admin, target.user_id, now=NOW)
    seeded_db.commit()
    assert resume_session(seeded_db, token, now=NOW) is None
    seeded_db.commit()
    assert isinstance(attempt(seeded, "p01.admin", DEMO_PASSWORD, NOW), SignInRefused)
    set_password_with_link(seeded_db, token_of(link), "after-the-reset", "after-the-reset",
                           now=NOW)
    seeded_db.commit()
    assert isinstance(attempt(seeded, "p01.admin", "after-the-reset", NOW), SignedIn)


def test_role_change_is_audited(seeded_db):
    admin = actor_for(seeded_db, "admin")
    target = actor_for(seeded_db, "analyst")
    out = change_role(seeded_db, admin, target.user_id, Role.EXECUTIVE, now=NOW)
    assert out.role == "executive"
    events, _ = list_events(seeded_db, admin, AuditFilter(action="user.role_change"))
    assert events[0].before["role"] == "analyst" and events[0].after["role"] == "executive"


def test_partner_admin_manages_only_its_own_partners_users(seeded_db):
    p1 = actor_for(seeded_db, "p01.admin")
    own = list_users(seeded_db, p1, UserFilter(partner_id=None))
    assert own and {u.partner_id for u in own} == {p1.partner_id}
    # Asking for another partner's users still returns only its own.
    other = actor_for(seeded_db, "p02.rep1")
    assert {u.partner_id for u in list_users(seeded_db, p1,
                                             UserFilter(partner_id=other.partner_id))} \
        == {p1.partner_id}
    for call in (lambda: set_active(seeded_db, p1, other.user_id, False),
                 lambda: reset_password(seeded_db, p1, other.user_id),
                 lambda: unlock(seeded_db, p1, other.user_id),
                 lambda: change_role(seeded_db, p1, other.user_id, Role.PARTNER_ADMIN)):
        with pytest.raises(NotFound):
            call()
    rep = actor_for(seeded_db, "p01.rep1")
    assert change_role(seeded_db, p1, rep.user_id, Role.PARTNER_ADMIN).role == "partner_admin"


def test_a_partner_admin_lists_only_its_own_users_whatever_filter_it_passes(seeded_db):
    p1 = actor_for(seeded_db, "p01.admin")
    other = actor_for(seeded_db, "p02.rep1")
    for filt in (UserFilter(search="p02"), UserFilter(search="rep1"),
                 UserFilter(partner_id=other.partner_id, search="p02"),
                 UserFilter(role="partner_user"), UserFilter(role="admin"),
                 UserFilter(active=True), UserFilter(active=False)):
        assert {u.partner_id for u in list_users(seeded_db, p1, filt)} <= {p1.partner_id}, filt
    assert list_users(seeded_db, p1, UserFilter(search="p02")) == []
    assert [u.username for u in list_users(seeded_db, p1, UserFilter(search="rep1"))] == \
        ["p01.rep1"]
    admin = actor_for(seeded_db, "admin")
    assert {u.partner_id for u in list_users(seeded_db, admin, UserFilter(search="rep1"))} > \
        {p1.partner_id}


def test_partner_admin_cannot_grant_a_vendor_role_or_create_for_another_partner(seeded_db):
    p1 = actor_for(seeded_db, "p01.admin")
    rep = actor_for(seeded_db, "p01.rep1")
    with pytest.raises(PermissionDenied):
        change_role(seeded_db, p1, rep.user_id, Role.ADMIN)
    other = actor_for(seeded_db, "p02.rep1")
    created, _ = create_user(seeded_db, p1, NewUserIn(
        username="p01.rep9", display_name="Rep Nine", email="r9@x.example",
        role=Role.PARTNER_USER, partner_id=other.partner_id))
    assert created.partner_id == p1.partner_id  # its own partner, whatever was asked
    with pytest.raises(PermissionDenied):
        create_user(seeded_db, p1, NewUserIn(username="sneaky", display_name="S",
                                             email="s@x.example", role=Role.FINANCE))


def test_partner_user_and_vendor_non_admins_cannot_manage_users(seeded_db):
    for username in ("p01.rep1", "channel", "exec"):
        actor = actor_for(seeded_db, username)
        with pytest.raises(PermissionDenied):
            list_users(seeded_db, actor)
        with pytest.raises(PermissionDenied):
            unlock(seeded_db, actor, actor.user_id)


def test_nobody_deactivates_or_demotes_themselves(seeded_db):
    admin = actor_for(seeded_db, "admin")
    with pytest.raises(RuleViolation):
        set_active(seeded_db, admin, admin.user_id, False)
    with pytest.raises(RuleViolation):
        change_role(seeded_db, admin, admin.user_id, Role.ANALYST)


def test_profile_update(seeded_db):
    actor = actor_for(seeded_db, "p01.rep1")
    out = update_profile(seeded_db, actor, ProfileIn(display_name=" Pat ",
                                                     time_zone="Europe/Paris",
                                                     email_notifications=False), now=NOW)
    assert (out.display_name, out.time_zone, out.email_notifications) == \
        ("Pat", "Europe/Paris", False)
