"""The two-factor page as a sign-in that owes its second factor meets it, and the profile's
section for those who choose it (AppTest; codes from pyotp, as a phone makes them)."""

import pyotp
from sqlalchemy import select

from core.accounts import sign_in
from db.models import SecondFactor, User
from db.session import unit_of_work
from tests.pages import app, assert_rendered, button, open_page, texts, use_database, widget
from ui.auth import SESSION_TOKEN


def _owing(engine, username: str) -> str:
    """A password sign-in of `username`: its session token (owing its second factor)."""
    with unit_of_work(engine) as db:
        return sign_in(db, username, "prm-demo-2026").session_token


def _secret(engine, username: str) -> str:
    with unit_of_work(engine) as db:
        user_id = db.scalar(select(User.id).where(User.username == username))
        return db.get(SecondFactor, user_id).secret


def _confirm_with_the_phone(at, engine, username: str) -> None:
    """Type the authenticator's current code and confirm: the recovery codes show."""
    widget(at.text_input, "Code from the app").input(pyotp.TOTP(_secret(engine, username)).now())
    button(at, "Confirm").click()
    at.run()
    assert_rendered(at)
    assert "They are shown only now" in texts(at)


def test_finance_sees_only_the_set_up_until_a_code_confirms_it(seeded, database_url):
    use_database(database_url)
    at = app()
    at.session_state[SESSION_TOKEN] = _owing(seeded, "finance")
    at.run()
    assert_rendered(at)
    assert at.title[0].value == "Two-factor sign-in"
    assert "Your role requires two-factor sign-in" in texts(at)
    code = widget(at.text_input, "Code from the app")
    code.input("000000")
    button(at, "Confirm").click()
    at.run()
    assert "That code is not right" in texts(at)
    assert widget(at.text_input, "Code from the app").value == "000000"  # kept as typed
    _confirm_with_the_phone(at, seeded, "finance")
    at.run()  # the next run: the whole menu, on Home
    assert at.title[0].value.startswith("Welcome")


def test_a_channel_manager_sets_it_up_on_the_profile_page(seeded, database_url):
    use_database(database_url)
    at = open_page("pages/profile.py", "channel")
    assert "Two-factor sign-in" in [h.value for h in at.subheader]
    button(at, "Set up two-factor sign-in").click()
    at.run()
    _confirm_with_the_phone(at, seeded, "channel")


def test_partners_are_not_offered_it(seeded, database_url):
    use_database(database_url)
    at = open_page("pages/profile.py", "p01.admin")
    assert "Two-factor sign-in" not in [h.value for h in at.subheader]
