"""Server-side sessions: the cookie is a signed random id; the row decides."""

import pytest
from sqlalchemy import select

from core.accounts import (
    SignedIn,
    cookie_value,
    end_all_sessions,
    live_session_count,
    resume_session,
    sign_in,
    sign_out,
    token_from_cookie,
)
from core.accounts.sessions import token_hash
from core.errors import NotFound
from core.secrets_store import cookie_key_problem
from db.models import UserSession
from db.session import unit_of_work
from seed.demo import DEMO_PASSWORD
from tests.conftest import NOW, actor_for

KEY = "a-cookie-key-of-forty-bytes-0123456789ab"


def signed_in(engine, username: str) -> SignedIn:
    with unit_of_work(engine, immediate=True) as db:
        outcome = sign_in(db, username, DEMO_PASSWORD, now=NOW)
    assert isinstance(outcome, SignedIn)
    return outcome


def test_the_cookie_carries_a_signed_random_id_that_only_its_key_opens():
    value = cookie_value("random-id", KEY)
    assert token_from_cookie(value, KEY) == "random-id"
    assert token_from_cookie(value, KEY + "x") is None  # another key
    assert token_from_cookie("random-id." + "A" * 43, KEY) is None  # forged signature
    assert token_from_cookie("admin", KEY) is None  # an old-style or made-up value
    assert token_from_cookie(None, KEY) is None


def test_only_the_hash_of_the_session_id_is_stored_and_the_issue_time_is_kept(seeded):
    outcome = signed_in(seeded, "marketing")  # (finance would owe a second factor)
    with unit_of_work(seeded) as db:
        row = db.scalar(select(UserSession).where(
            UserSession.token_hash == token_hash(outcome.session_token)))
        assert row.token_hash != outcome.session_token and row.created_at == NOW
        assert (row.expires_at - row.created_at).days == 7
        assert resume_session(db, outcome.session_token, now=NOW).signed_in_at == NOW


def test_logout_ends_the_session_so_a_copied_cookie_no_longer_signs_in(seeded):
    outcome = signed_in(seeded, "marketing")
    other = signed_in(seeded, "marketing")  # another browser of the same user
    with unit_of_work(seeded) as db:
        sign_out(db, outcome.actor, outcome.session_token, now=NOW)
    with unit_of_work(seeded) as db:
        assert resume_session(db, outcome.session_token, now=NOW) is None
        assert resume_session(db, other.session_token, now=NOW) is not None


def test_an_admin_ends_every_session_of_a_user(seeded):
    tokens = [signed_in(seeded, "p01.rep1").session_token for _ in range(3)]
    with unit_of_work(seeded) as db:
        assert end_all_sessions(db, actor_for(db, "admin"), actor_for(db, "p01.rep1").user_id,
                                now=NOW) == 3
    with unit_of_work(seeded) as db:
        assert [resume_session(db, t, now=NOW) for t in tokens] == [None] * 3
        assert live_session_count(db, actor_for(db, "p01.rep1").user_id, now=NOW) == 0


def test_a_partner_admin_ends_sessions_of_its_own_users_only(seeded):
    signed_in(seeded, "p02.rep1")
    with unit_of_work(seeded) as db:
        p01_admin = actor_for(db, "p01.admin")
        assert end_all_sessions(db, p01_admin, actor_for(db, "p01.rep1").user_id, now=NOW) == 0
        with pytest.raises(NotFound):
            end_all_sessions(db, p01_admin, actor_for(db, "p02.rep1").user_id, now=NOW)
        assert live_session_count(db, actor_for(db, "p02.rep1").user_id, now=NOW) == 1


@pytest.mark.parametrize("key", [None, "", "replace-me", "short-key", "x" * 31])
def test_the_app_refuses_a_missing_placeholder_or_short_cookie_key(key):
    assert cookie_key_problem(key)


def test_a_generated_key_is_accepted():
    import secrets

    assert cookie_key_problem(secrets.token_urlsafe(48)) is None


def test_the_daily_purge_deletes_sessions_and_links_ended_a_month_ago(seeded):
    from datetime import timedelta

    from core.accounts.jobs import purge_sessions_and_links
    from core.accounts.sessions import start_session

    with unit_of_work(seeded) as db:
        user = actor_for(db, "finance").user_id
        old = start_session(db, user, now=NOW - timedelta(days=40))  # expired 33 days ago
        recent = start_session(db, user, now=NOW - timedelta(days=20))
    with unit_of_work(seeded) as db:
        assert purge_sessions_and_links(db, NOW).startswith("1 old session(s)")
    with unit_of_work(seeded) as db:
        kept = set(db.scalars(select(UserSession.token_hash)))
        assert token_hash(old) not in kept and token_hash(recent) in kept
