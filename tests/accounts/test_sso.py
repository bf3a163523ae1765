"""Single sign-on: an identity is linked once, on a verified e-mail, while an admin or an
invitation allows it, then known by (issuer, subject) alone; anything else is told to ask its
admin and gets no account; the role stays ours; a token signs in once, while fresh."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.accounts import resume_session, sso
from core.accounts.links import issue_link
from core.errors import PermissionDenied
from db.models import AuditEvent, User, UserIdentity
from tests.conftest import NOW, actor_for

ISSUER = "https://id.vendor.example"


def _claims(sub: str, email: str, *, verified=True, at=NOW, **more) -> dict:
    return {"iss": ISSUER, "sub": sub, "email": email, "email_verified": verified,
            "iat": int(at.timestamp()), "aud": "prm", **more}


def _user(db, username: str) -> User:
    return db.scalar(select(User).where(User.username == username))


def _allow(db, username: str, at=NOW) -> User:
    user = _user(db, username)
    sso.allow_link(db, actor_for(db, "admin"), user.id, now=at)
    return user


def test_an_allowed_user_s_first_verified_sign_in_links_the_identity(seeded_db):
    db = seeded_db
    user = _allow(db, "channel")
    outcome = sso.sign_in_with_identity(db, _claims("abc-123", user.email.upper()), now=NOW)
    assert outcome.username == "channel" and outcome.actor.role == "channel_manager"
    assert resume_session(db, outcome.session_token, now=NOW) is not None
    [linked] = sso.identities(db, actor_for(db, "admin"), user.id)
    assert (linked.issuer, linked.subject, linked.linked_via) == (ISSUER, "abc-123", "admin")
    assert _user(db, "channel").sso_link_until is None  # the window closed with the link
    actions = list(db.scalars(select(AuditEvent.action).where(
        AuditEvent.entity_id == str(user.id)).order_by(AuditEvent.id)))
    assert actions[-3:] == ["user.sso_link_allowed", "user.identity_linked", "auth.login"]


def test_afterwards_the_identity_is_known_by_issuer_and_subject_not_by_e_mail(seeded_db):
    db = seeded_db
    user = _allow(db, "channel")
    sso.sign_in_with_identity(db, _claims("abc-123", user.email), now=NOW)
    later = NOW + timedelta(hours=1)
    # The provider's address for the person changed: still the same identity, same user.
    again = sso.sign_in_with_identity(db, _claims("abc-123", "chris@elsewhere.example",
                                                  at=later), now=later)
    assert again.username == "channel"
    # Another subject with the linked user's verified address is nobody here.
    other = sso.sign_in_with_identity(db, _claims("zzz-999", user.email, at=later), now=later)
    assert other == sso.SsoRefused(sso.ASK_ADMIN)
    assert db.scalar(select(func.count()).select_from(UserIdentity)) == 1


def test_no_window_no_link_and_no_account(seeded_db):
    db = seeded_db
    users = db.scalar(select(func.count()).select_from(User))
    refused = sso.sign_in_with_identity(db, _claims("abc", _user(db, "channel").email),
                                        now=NOW)
    stranger = sso.sign_in_with_identity(db, _claims("new", "stranger@nowhere.example"),
                                         now=NOW)
    assert refused == stranger == sso.SsoRefused(sso.ASK_ADMIN)
    assert db.scalar(select(func.count()).select_from(User)) == users
    assert db.scalar(select(func.count()).select_from(UserIdentity)) == 0
    reasons = [e.after["reason"] for e in db.scalars(select(AuditEvent).where(
        AuditEvent.action == "auth.sso_refused"))]
    assert reasons == ["no link allowed", "no link allowed"]


def test_an_unverified_e_mail_is_not_linked(seeded_db):
    db = seeded_db
    user = _allow(db, "channel")
    for verified in (False, "true", None):
        refused = sso.sign_in_with_identity(db, _claims("abc", user.email, verified=verified),
                                            now=NOW)
        assert refused == sso.SsoRefused(sso.UNVERIFIED)
    assert _user(db, "channel").sso_link_until is not None  # still open for a verified one


def test_an_invitation_opens_the_window_until_its_link_expires(seeded_db):
    db = seeded_db
    user = _user(db, "p01.rep1")
    link = issue_link(db, user, "invite", by=actor_for(db, "p01.admin"), now=NOW)
    outcome = sso.sign_in_with_identity(
        db, _claims("rep-1", user.email, at=NOW + timedelta(minutes=5)),
        now=NOW + timedelta(minutes=5))
    assert outcome.username == "p01.rep1" and outcome.actor.partner_id == user.partner_id
    [linked] = db.scalars(select(UserIdentity))
    assert linked.linked_via == "invitation"

    other = _user(db, "p01.rep2")
    issue_link(db, other, "invite", by=actor_for(db, "p01.admin"), now=NOW)
    late = link.expires_at + timedelta(minutes=1)
    assert sso.sign_in_with_identity(db, _claims("rep-2", other.email, at=late),
                                     now=late) == sso.SsoRefused(sso.ASK_ADMIN)


def test_a_token_signs_in_once_and_only_while_fresh(seeded_db):
    db = seeded_db
    user = _allow(db, "channel")
    claims = _claims("abc", user.email)
    assert sso.sign_in_with_identity(db, claims, now=NOW).username == "channel"
    assert sso.sign_in_with_identity(db, claims, now=NOW) == sso.SsoRefused(sso.STALE)
    old = _claims("abc", user.email, at=NOW - timedelta(minutes=11))
    assert sso.sign_in_with_identity(db, old, now=NOW) == sso.SsoRefused(sso.STALE)


def test_a_deactivated_user_s_identity_signs_nobody_in(seeded_db):
    from core.accounts import set_active

    db = seeded_db
    user = _allow(db, "channel")
    sso.sign_in_with_identity(db, _claims("abc", user.email), now=NOW)
    set_active(db, actor_for(db, "admin"), user.id, False)
    later = NOW + timedelta(minutes=1)
    assert sso.sign_in_with_identity(db, _claims("abc", user.email, at=later),
                                     now=later) == sso.SsoRefused(sso.INACTIVE)


def test_an_admin_who_must_use_a_second_factor_still_owes_it(seeded_db):
    db = seeded_db
    user = _allow(db, "finance")
    outcome = sso.sign_in_with_identity(db, _claims("fin", user.email), now=NOW)
    assert outcome.second_factor == "enrol"


def test_only_admins_open_a_window_or_unlink(seeded_db):
    db = seeded_db
    user = _allow(db, "channel")
    sso.sign_in_with_identity(db, _claims("abc", user.email), now=NOW)
    for username in ("channel", "p01.admin", "finance"):
        with pytest.raises(PermissionDenied):
            sso.allow_link(db, actor_for(db, username), user.id, now=NOW)
        with pytest.raises(PermissionDenied):
            sso.unlink(db, actor_for(db, username), user.id, now=NOW)
    assert sso.unlink(db, actor_for(db, "admin"), user.id, now=NOW) == 1
    later = NOW + timedelta(minutes=1)
    assert sso.sign_in_with_identity(db, _claims("abc", user.email, at=later),
                                     now=later) == sso.SsoRefused(sso.ASK_ADMIN)


def test_incomplete_claims_are_refused(seeded_db):
    db = seeded_db
    for claims in ({}, {"iss": ISSUER, "sub": "x"}, {"iss": ISSUER, "iat": 1},
                   {"iss": ISSUER, "sub": "x" * 300, "iat": int(NOW.timestamp())},
                   {"iss": ISSUER, "sub": "x", "iat": "soon"}):
        assert sso.sign_in_with_identity(db, claims, now=NOW) == sso.SsoRefused(sso.ASK_ADMIN)
