"""One-time links: invitations and resets, single use, 60 minutes, hashed; Forgot password."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select

from core.accounts import (
    FORGOT_ANSWER,
    LINK_INVALID,
    SignedIn,
    link_holder,
    request_password_reset,
    set_password_with_link,
    sign_in,
)
from core.errors import RuleViolation
from core.settings import get_settings
from db.models import AccountLink, AuditEvent, OutboxMail
from db.session import unit_of_work
from seed.demo import DEMO_PASSWORD
from tests.conftest import NOW


def mailed_tokens(db, to_addr: str) -> list[str]:
    bodies = db.scalars(select(OutboxMail.body).where(OutboxMail.to_addr == to_addr)
                        .order_by(OutboxMail.id)).all()
    return [parse_qs(urlparse(line.strip()).query)["token"][0]
            for body in bodies for line in body.splitlines() if "/set_password?token=" in line]


pytestmark = pytest.mark.usefixtures("smtp_configured")


def test_forgot_password_answers_the_same_whether_or_not_the_account_exists(seeded_db):
    mails = seeded_db.scalar(select(func.count()).select_from(OutboxMail))
    assert request_password_reset(seeded_db, "nobody@nowhere.example", now=NOW) == FORGOT_ANSWER
    assert request_password_reset(seeded_db, "no-such-user", now=NOW) == FORGOT_ANSWER
    assert seeded_db.scalar(select(func.count()).select_from(OutboxMail)) == mails
    assert request_password_reset(seeded_db, "P01.Rep1", now=NOW) == FORGOT_ANSWER
    assert seeded_db.scalar(select(func.count()).select_from(OutboxMail)) == mails + 1


def test_a_reset_link_sets_the_password_once_then_fails(seeded, seeded_db):
    request_password_reset(seeded_db, "finance@vendor.example", now=NOW)
    (token,) = mailed_tokens(seeded_db, "finance@vendor.example")
    assert seeded_db.scalar(select(AccountLink.token_hash)) != token  # only a hash is kept
    assert link_holder(seeded_db, token, now=NOW).username == "finance"
    set_password_with_link(seeded_db, token, "my-new-password", "my-new-password",
                           now=NOW + timedelta(minutes=59))
    seeded_db.commit()
    with pytest.raises(RuleViolation, match="used already"):
        set_password_with_link(seeded_db, token, "another-password", "another-password",
                               now=NOW + timedelta(minutes=59))
    with unit_of_work(seeded) as db:
        assert isinstance(sign_in(db, "finance", "my-new-password", now=NOW), SignedIn)
    with unit_of_work(seeded) as db:
        assert not isinstance(sign_in(db, "finance", DEMO_PASSWORD, now=NOW), SignedIn)


def test_a_link_expires_after_sixty_minutes(seeded_db):
    request_password_reset(seeded_db, "finance", now=NOW)
    (token,) = mailed_tokens(seeded_db, "finance@vendor.example")
    assert link_holder(seeded_db, token, now=NOW + timedelta(minutes=60)) is None
    with pytest.raises(RuleViolation) as exc:
        set_password_with_link(seeded_db, token, "my-new-password", "my-new-password",
                               now=NOW + timedelta(minutes=60))
    assert str(exc.value) == LINK_INVALID


def test_only_the_newest_link_works_and_requests_are_capped(seeded_db):
    for minute in range(5):
        request_password_reset(seeded_db, "finance", now=NOW + timedelta(minutes=minute))
    tokens = mailed_tokens(seeded_db, "finance@vendor.example")
    assert len(tokens) == 3  # at most three an hour
    assert [link_holder(seeded_db, t, now=NOW + timedelta(minutes=5)) is not None
            for t in tokens] == [False, False, True]


def test_wrong_input_on_the_link_page_writes_nothing(seeded_db):
    request_password_reset(seeded_db, "finance", now=NOW)
    (token,) = mailed_tokens(seeded_db, "finance@vendor.example")
    for new, repeat, field in (("short", "short", "new"), ("finance", "finance", "new"),
                               ("long-enough-1", "long-enough-2", "repeat"),
                               ("a" * 80, "a" * 80, "new")):
        with pytest.raises(RuleViolation) as exc:
            set_password_with_link(seeded_db, token, new, repeat, now=NOW)
        assert exc.value.field == field
    assert link_holder(seeded_db, token, now=NOW) is not None  # still usable
    for bad in ("", "x" * 500, None, 42):
        with pytest.raises(RuleViolation):
            set_password_with_link(seeded_db, bad, "long-enough-1", "long-enough-1", now=NOW)


def test_a_closed_partners_user_gets_no_reset_link(seeded_db):
    from db.models import Partner, User

    user = seeded_db.scalar(select(User).where(User.username == "p01.rep1"))
    seeded_db.get(Partner, user.partner_id).status = "terminated"
    request_password_reset(seeded_db, "p01.rep1", now=NOW)
    assert mailed_tokens(seeded_db, user.email) == []
    assert seeded_db.scalar(select(AuditEvent.action).where(
        AuditEvent.action == "auth.reset_requested", AuditEvent.entity_id == str(user.id))) is None


def test_a_visitors_request_never_voids_the_link_an_admin_issued(seeded_db):
    from core.accounts import reset_password
    from tests.conftest import actor_for

    target = actor_for(seeded_db, "finance")
    issued = reset_password(seeded_db, actor_for(seeded_db, "admin"), target.user_id, now=NOW)
    admins = parse_qs(urlparse(issued.url).query)["token"][0]
    request_password_reset(seeded_db, "finance", now=NOW + timedelta(minutes=1))
    assert link_holder(seeded_db, admins, now=NOW + timedelta(minutes=2)) is not None
    requested = mailed_tokens(seeded_db, "finance@vendor.example")[-1]
    assert link_holder(seeded_db, requested, now=NOW + timedelta(minutes=2)) is not None
    # Who asked is the visitor, not the account's owner.
    actor_role = seeded_db.scalar(select(AuditEvent.actor_role).where(
        AuditEvent.action == "auth.reset_requested", AuditEvent.entity_id == str(target.user_id)))
    assert actor_role == "anonymous"


def test_a_password_set_through_one_link_voids_every_other_link(seeded_db):
    from core.accounts import NewUserIn, create_user
    from tests.conftest import actor_for

    admin = actor_for(seeded_db, "admin")
    made, invite = create_user(seeded_db, admin, NewUserIn(
        username="two.links", display_name="Two Links", email="two@vendor.example",
        role="finance"), now=NOW)
    request_password_reset(seeded_db, "two.links", now=NOW)
    invite_token = parse_qs(urlparse(invite.url).query)["token"][0]
    reset_token = mailed_tokens(seeded_db, "two@vendor.example")[-1]
    assert reset_token != invite_token
    set_password_with_link(seeded_db, reset_token, "chosen-password", "chosen-password",
                           now=NOW)
    assert link_holder(seeded_db, invite_token, now=NOW) is None


def test_without_a_mail_server_forgot_password_makes_no_link(seeded_db, monkeypatch):
    monkeypatch.delenv("PRM_SMTP_HOST")
    get_settings.cache_clear()
    links = seeded_db.scalar(select(func.count()).select_from(AccountLink))
    assert request_password_reset(seeded_db, "finance", now=NOW) == FORGOT_ANSWER
    assert seeded_db.scalar(select(func.count()).select_from(AccountLink)) == links
