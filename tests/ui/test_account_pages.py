"""The Users page hands out links, not passwords; the link pages; "End all sessions"."""

import json
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts import live_session_count
from db.models import User
from tests.pages import app, assert_rendered, button, open_page, texts, use_database, widget


@pytest.fixture
def app_db(seeded, database_url):
    use_database(database_url)
    return seeded


def links_shown(at) -> list[str]:
    return [c.value for c in at.code if "/set_password?token=" in c.value]


def test_an_admin_creates_a_user_and_sees_the_invitation_link_once(app_db):
    at = open_page("pages/users.py", "admin")
    widget(at.text_input, "Username *").set_value("dana.new")
    widget(at.text_input, "Full name *").set_value("Dana New")
    widget(at.text_input, "E-mail *").set_value("dana@vendor.example")
    widget(at.selectbox, "Role *").set_value("finance")
    button(at, "Create user").click().run()
    assert_rendered(at)
    (link,) = links_shown(at)
    assert "No mail server is configured" in texts(at) and "dana.new" in texts(at)
    at.run()
    assert links_shown(at) == []  # shown once

    token = parse_qs(urlparse(link).query)["token"][0]
    page = open_page("pages/set_password.py", token=token)
    assert "Account: **dana.new**" in texts(page)
    widget(page.text_input, "New password").set_value("short")
    widget(page.text_input, "Repeat the new password").set_value("short")
    button(page, "Set password").click().run()
    assert "at least 10" in texts(page)
    widget(page.text_input, "New password").set_value("danas-password")
    widget(page.text_input, "Repeat the new password").set_value("danas-password")
    button(page, "Set password").click().run()
    assert_rendered(page)
    assert "Your password is set" in texts(page)


def test_a_made_up_link_is_refused_with_a_way_to_ask_again(app_db):
    at = open_page("pages/set_password.py", token="made-up")
    assert "This link cannot be used" in texts(at)
    assert not [b for b in at.get("form_submit_button")]


def test_an_admin_ends_all_sessions_of_a_user(app_db):
    app(username="p01.rep1")  # two browsers of the rep are signed in
    app(username="p01.rep1")
    with Session(app_db) as db:
        rep = db.scalar(select(User.id).where(User.username == "p01.rep1"))
        assert live_session_count(db, rep) == 2
    at = open_page("pages/users.py", "admin")
    widget(at.selectbox, "User").set_value(rep).run()
    button(at, "End all sessions").click().run()
    assert_rendered(at)
    assert "2 session(s) of p01.rep1 ended." in texts(at)
    with Session(app_db) as db:
        assert live_session_count(db, rep) == 0


def test_forgot_password_answers_the_same_for_anyone(app_db):
    answers = []
    for given in ("p01.rep1", "nobody-at-all"):
        at = open_page("pages/forgot_password.py")
        widget(at.text_input, "Username or e-mail").set_value(given)
        button(at, "Send the link").click().run()
        assert_rendered(at)
        answers.append([s.value for s in at.success])
    assert answers[0] == answers[1] and "If an account matches" in answers[0][0]


def test_a_partner_admin_reads_messages_written_for_people_not_library_text(app_db):
    """Issue #14: "String should have at least 1 character" and a list of every internal
    role (vendor ones included) were shown to a partner admin."""
    at = open_page("pages/users.py", "p01.admin")
    button(at, "Create user").click().run()
    assert_rendered(at)
    shown = " ".join(e.value for e in at.error)
    assert "Enter the user's display name." in shown and "Choose a user role." in shown
    for raw in ("String should", "Input should", "channel_manager", "system", "anonymous"):
        assert raw not in shown


def test_the_audit_log_reads_as_changed_fields_on_the_page(app_db):
    from core.accounts import change_role
    from core.actor import Role
    from tests.conftest import actor_for

    with Session(app_db) as db:
        change_role(db, actor_for(db, "admin"), actor_for(db, "analyst").user_id,
                    Role.EXECUTIVE)
        db.commit()
    at = open_page("pages/audit_log.py", "admin")
    table = at.dataframe[0].value
    labels = {column: spec.get("label")
              for column, spec in json.loads(at.dataframe[0].proto.columns).items()}
    assert [labels[c] for c in table.columns] == [
        "When", "Actor", "Action", "Entity", "Id", "Changes", "Role"]
    [row] = table.loc[table["action"] == "user.role_change"].to_dict("records")
    assert row["changes"] == "role: analyst -> executive"
    assert row["role"] == "Administrator"  # the role's label, not "admin"


def test_a_password_change_is_confirmed_and_its_fields_cleared(app_db):
    """Issue #14: a confirmation after a password change, with the fields cleared."""
    from seed.demo import DEMO_PASSWORD

    at = open_page("pages/profile.py", "p01.rep1")
    widget(at.text_input, "Current password").set_value(DEMO_PASSWORD)
    widget(at.text_input, "New password").set_value("a-brand-new-pass")
    widget(at.text_input, "Repeat new password").set_value("a-brand-new-pass")
    button(at, "Change password").click().run()
    assert_rendered(at)
    assert "Password changed." in " ".join(s.value for s in at.success)
    assert [widget(at.text_input, label).value for label in
            ("Current password", "New password", "Repeat new password")] == ["", "", ""]
    assert at.session_state["prm_user"] is not None  # still signed in, in a new session
