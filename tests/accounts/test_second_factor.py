"""Two-factor sign-in: required of admins and finance, offered to other vendor staff, never to
partners; a code works once; five wrong codes end the sign-in; recovery codes once each; an
admin resets a lost phone. Codes come from pyotp with the test's clock, as a phone makes them."""

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from core.accounts import resume_session, sign_in
from core.accounts import second_factor as sf
from core.errors import PermissionDenied, RuleViolation
from db.models import AuditEvent, RecoveryCode, SecondFactor, User
from tests.conftest import NOW, actor_for
from ui.registry import pages_for

PASSWORD = "prm-demo-2026"


def _code(db, username: str, at) -> str:
    user = db.scalar(select(User).where(User.username == username))
    return pyotp.TOTP(db.get(SecondFactor, user.id).secret).at(at)


def _enrol(db, username: str, at=NOW) -> tuple[str, list[str]]:
    """Sign in and set up the authenticator; returns the secret and the recovery codes."""
    outcome = sign_in(db, username, PASSWORD, now=at)
    actor = actor_for(db, username)
    started = sf.begin_enrolment(db, actor, now=at)
    token = outcome.session_token if outcome.second_factor == sf.ENROL else None
    codes = sf.confirm_enrolment(db, actor, pyotp.TOTP(started.secret).at(at), token=token,
                                 now=at)
    return started.secret, codes


def _actions(db, username: str) -> list[str]:
    user_id = actor_for(db, username).user_id
    return list(db.scalars(select(AuditEvent.action).where(
        AuditEvent.entity == "user", AuditEvent.entity_id == str(user_id))
        .order_by(AuditEvent.id)))


def test_an_admin_without_an_authenticator_must_set_one_up_first(seeded_db):
    db = seeded_db
    outcome = sign_in(db, "admin", PASSWORD, now=NOW)
    assert outcome.second_factor == sf.ENROL
    assert [p.route for p in pages_for(outcome)] == ["second_factor"]
    resumed = resume_session(db, outcome.session_token, now=NOW + timedelta(minutes=5))
    assert resumed.second_factor == sf.ENROL
    # The owed sign-in lasts minutes, not days.
    assert resume_session(db, outcome.session_token, now=NOW + timedelta(minutes=11)) is None

    actor = actor_for(db, "admin")
    started = sf.begin_enrolment(db, actor, now=NOW)
    assert started.uri.startswith("otpauth://totp/PRM:admin?secret=" + started.secret)
    with pytest.raises(RuleViolation, match="not right"):
        sf.confirm_enrolment(db, actor, "000000", token=outcome.session_token, now=NOW)
    codes = sf.confirm_enrolment(db, actor, pyotp.TOTP(started.secret).at(NOW),
                                 token=outcome.session_token, now=NOW)
    assert len(codes) == 10 and len(set(codes)) == 10
    done = resume_session(db, outcome.session_token, now=NOW + timedelta(days=2))
    assert done is not None and done.second_factor is None
    assert "second_factor" not in [p.route for p in pages_for(done)]
    assert "user.second_factor_enrolled" in _actions(db, "admin")
    # Only the codes' hashes are kept.
    stored = set(db.scalars(select(RecoveryCode.code_hash)))
    assert sf._code_hash(codes[0]) in stored
    assert not {c.replace("-", "") for c in codes} & stored


def test_the_next_sign_in_asks_for_a_code_which_works_once(seeded_db):
    db = seeded_db
    _enrol(db, "finance")
    later = NOW + timedelta(hours=1)
    outcome = sign_in(db, "finance", PASSWORD, now=later)
    assert outcome.second_factor == sf.VERIFY
    actor = actor_for(db, "finance")
    code = _code(db, "finance", later)
    assert isinstance(sf.verify_sign_in(db, actor, outcome.session_token, code, now=later),
                      sf.Verified)
    assert resume_session(db, outcome.session_token, now=later).second_factor is None

    # The same code, seen over a shoulder, opens no second sign-in in its 30 seconds.
    again = sign_in(db, "finance", PASSWORD, now=later + timedelta(seconds=5))
    refused = sf.verify_sign_in(db, actor, again.session_token, code,
                                now=later + timedelta(seconds=5))
    assert isinstance(refused, sf.CodeRefused) and not refused.session_ended
    # The phone's next code (30 s on) is good, even typed when the server is a step ahead.
    next_code = _code(db, "finance", later + timedelta(seconds=30))
    assert isinstance(sf.verify_sign_in(db, actor, again.session_token, next_code,
                                        now=later + timedelta(seconds=65)), sf.Verified)


def test_five_wrong_codes_end_the_sign_in_and_each_is_audited(seeded_db):
    db = seeded_db
    _enrol(db, "finance")
    outcome = sign_in(db, "finance", PASSWORD, now=NOW + timedelta(hours=1))
    actor = actor_for(db, "finance")
    answers = [sf.verify_sign_in(db, actor, outcome.session_token, "123456",
                                 now=NOW + timedelta(hours=1))
               for _ in range(sf.MAX_FAILURES)]
    assert [a.session_ended for a in answers] == [False] * 4 + [True]
    assert answers[-1].message == sf.TOO_MANY
    assert resume_session(db, outcome.session_token, now=NOW + timedelta(hours=1)) is None
    assert _actions(db, "finance").count("auth.second_factor_failed") == sf.MAX_FAILURES
    with pytest.raises(RuleViolation, match="expired"):
        sf.verify_sign_in(db, actor, outcome.session_token,
                          _code(db, "finance", NOW + timedelta(hours=1)),
                          now=NOW + timedelta(hours=1))


def test_a_recovery_code_signs_in_once(seeded_db):
    db = seeded_db
    _, codes = _enrol(db, "admin")
    actor = actor_for(db, "admin")
    at = NOW + timedelta(hours=2)
    first = sign_in(db, "admin", PASSWORD, now=at)
    used = sf.verify_sign_in(db, actor, first.session_token, codes[3].upper(), now=at)
    assert used == sf.Verified(True, 9)
    second = sign_in(db, "admin", PASSWORD, now=at)
    again = sf.verify_sign_in(db, actor, second.session_token, codes[3], now=at)
    assert isinstance(again, sf.CodeRefused)
    assert sf.status(db, actor).recovery_codes_left == 9

    renewed = sf.new_recovery_codes(db, actor, _code(db, "admin", at + timedelta(minutes=1)),
                                    now=at + timedelta(minutes=1))
    third = sign_in(db, "admin", PASSWORD, now=at + timedelta(minutes=2))
    old = sf.verify_sign_in(db, actor, third.session_token, codes[4],
                            now=at + timedelta(minutes=2))
    assert isinstance(old, sf.CodeRefused)  # the old codes stopped working
    assert isinstance(sf.verify_sign_in(db, actor, third.session_token, renewed[0],
                                        now=at + timedelta(minutes=2)), sf.Verified)


def test_other_vendor_staff_may_choose_it_and_turn_it_off(seeded_db):
    db = seeded_db
    assert sign_in(db, "channel", PASSWORD, now=NOW).second_factor is None
    actor = actor_for(db, "channel")
    assert sf.status(db, actor) == sf.SecondFactorStatus(True, False, False, 0)
    _enrol(db, "channel")
    assert sf.status(db, actor).enrolled
    at = NOW + timedelta(hours=1)
    assert sign_in(db, "channel", PASSWORD, now=at).second_factor == sf.VERIFY
    with pytest.raises(RuleViolation, match="not right"):
        sf.turn_off(db, actor, "000000", now=at)
    sf.turn_off(db, actor, _code(db, "channel", at), now=at)
    assert sign_in(db, "channel", PASSWORD, now=at).second_factor is None
    assert "user.second_factor_off" in _actions(db, "channel")


def test_admins_and_finance_cannot_turn_it_off(seeded_db):
    db = seeded_db
    _enrol(db, "finance")
    at = NOW + timedelta(minutes=1)
    with pytest.raises(RuleViolation, match="requires"):
        sf.turn_off(db, actor_for(db, "finance"), _code(db, "finance", at), now=at)


def test_partner_users_are_not_offered_it(seeded_db):
    db = seeded_db
    for username in ("p01.admin", "p01.rep1"):
        actor = actor_for(db, username)
        assert not sf.status(db, actor).offered
        with pytest.raises(PermissionDenied):
            sf.begin_enrolment(db, actor, now=NOW)
        assert sign_in(db, username, PASSWORD, now=NOW).second_factor is None


def test_an_admin_resets_a_lost_phone_and_the_user_sets_it_up_again(seeded_db):
    db = seeded_db
    _enrol(db, "finance")
    at = NOW + timedelta(hours=1)
    open_session = sign_in(db, "finance", PASSWORD, now=at)
    finance_id = actor_for(db, "finance").user_id
    for username in ("p01.admin", "channel", "finance"):
        with pytest.raises(PermissionDenied):
            sf.reset_for_user(db, actor_for(db, username), finance_id, now=at)
    ended = sf.reset_for_user(db, actor_for(db, "admin"), finance_id, now=at)
    assert ended >= 1
    assert resume_session(db, open_session.session_token, now=at) is None
    assert sign_in(db, "finance", PASSWORD, now=at).second_factor == sf.ENROL
    assert "user.second_factor_reset" in _actions(db, "finance")
    with pytest.raises(RuleViolation, match="no two-factor"):
        sf.reset_for_user(db, actor_for(db, "admin"), finance_id, now=at)
    with pytest.raises(RuleViolation, match="Another admin"):
        sf.reset_for_user(db, actor_for(db, "admin"), actor_for(db, "admin").user_id, now=at)


def test_the_required_roles_come_from_the_settings(seeded_db, monkeypatch):
    from core.settings import get_settings

    monkeypatch.setenv("PRM_SECOND_FACTOR_ROLES", "channel_manager")
    get_settings.cache_clear()
    try:
        assert sign_in(seeded_db, "admin", PASSWORD, now=NOW).second_factor is None
        assert sign_in(seeded_db, "channel", PASSWORD, now=NOW).second_factor == sf.ENROL
        monkeypatch.setenv("PRM_SECOND_FACTOR_ROLES", "partner_admin")
        get_settings.cache_clear()
        with pytest.raises(ValueError, match="not a vendor role"):
            sf.required_roles()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_the_users_list_shows_who_has_it_to_those_who_manage_users(seeded_db):
    db = seeded_db
    _enrol(db, "finance")
    ids = list(db.scalars(select(User.id)))
    assert sf.enrolled_user_ids(db, actor_for(db, "admin"), ids) == {
        actor_for(db, "finance").user_id}
    with pytest.raises(PermissionDenied):
        sf.enrolled_user_ids(db, actor_for(db, "channel"), ids)
