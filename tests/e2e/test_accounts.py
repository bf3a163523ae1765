"""Sessions and passwords in a real browser: a copied cookie is worth nothing after logout;
"Forgot password" mails a link (caught by a real SMTP server) that works once."""

import re

import pytest
from playwright.sync_api import expect

from core.mail import SmtpSender, send_pending
from core.settings import Settings
from db.session import make_engine
from tests.e2e.conftest import serve_app
from tests.e2e.helpers import open_app, sign_in, sign_in_as, wait_for_cookie, wait_idle
from tests.servers import free_port, smtp_server

COOKIE = "prm_session"


@pytest.fixture(scope="module")
def smtp():
    port = free_port()
    with smtp_server(port) as inbox:
        yield port, inbox


@pytest.fixture(scope="module")
def app_server(tmp_path_factory, demo_database_file, smtp):
    """The app with a mail server configured and its links pointing at itself."""
    port = free_port()
    yield from serve_app(tmp_path_factory, demo_database_file, port=port,
                         PRM_SMTP_HOST="127.0.0.1", PRM_SMTP_PORT=str(smtp[0]),
                         PRM_APP_BASE_URL=f"http://127.0.0.1:{port}")


def test_a_cookie_copied_before_logout_no_longer_signs_in(page, browser, app_server):
    sign_in_as(page, "channel")
    copied = [c for c in page.context.cookies() if c["name"] == COOKIE]
    assert copied and "channel" not in copied[0]["value"]  # a random id, not the username

    # The copy works while the session lives: another browser is signed in with it.
    other = browser.new_context(base_url=app_server.url)
    other.add_cookies(copied)
    thief = other.new_page()
    open_app(thief)
    expect(thief.get_by_role("button", name="Log out")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    wait_idle(page)
    wait_for_cookie(page, COOKIE, present=False)

    again = other.new_page()  # a new browser session presents the copied cookie
    open_app(again)
    expect(again.get_by_role("button", name="Sign in")).to_be_visible()
    expect(again.get_by_role("button", name="Log out")).to_have_count(0)
    other.close()


def test_forgot_password_mails_a_link_that_sets_a_new_password_once(page, app_server, smtp):
    port, inbox = smtp
    open_app(page)
    page.get_by_role("link", name="Forgot password?").click()
    wait_idle(page)
    page.get_by_label("Username or e-mail").fill("marketing")
    page.get_by_role("button", name="Send the link").click()
    wait_idle(page)
    expect(page.get_by_text("If an account matches, a link")).to_be_visible()

    engine = make_engine(app_server.database_url)
    report = send_pending(engine, sender=SmtpSender(Settings(smtp_host="127.0.0.1",
                                                             smtp_port=port)))
    engine.dispose()
    assert report.sent == 1
    (to, subject, body), = [m for m in inbox.messages if "Reset" in m[1]]
    link = re.search(r"http://\S+/set_password\?token=\S+", body).group(0)

    page.goto(link)
    wait_idle(page)
    expect(page.get_by_text("Account: marketing")).to_be_visible()
    page.get_by_label("New password", exact=True).fill("a-fresh-password-1")
    page.get_by_label("Repeat the new password").fill("a-fresh-password-1")
    page.get_by_role("button", name="Set password").click()
    wait_idle(page)
    expect(page.get_by_text("Your password is set")).to_be_visible()

    open_app(page)
    sign_in(page, "marketing", "a-fresh-password-1")
    expect(page.get_by_role("heading", name="Welcome").first).to_be_visible()

    page.goto(link)  # the second time
    wait_idle(page)
    expect(page.get_by_text("This link cannot be used")).to_be_visible()
    expect(page.get_by_role("button", name="Set password")).to_have_count(0)
