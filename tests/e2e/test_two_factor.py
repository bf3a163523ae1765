"""Two-factor sign-in as the app serves it by default (required of admins and finance).

Finance signs in with its password and must set up an authenticator before anything else:
it scans (here: reads) the key, confirms a code, sees its recovery codes once and goes on.
Next time a wrong code is refused beside the field and the phone's code lets it in; a
recovery code works too, once. The admin, after setting up its own, resets finance's lost
phone, and finance is asked to set up a new one."""

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import serve_app
from tests.e2e.helpers import (
    choose,
    fresh_page,
    go,
    open_app,
    sign_in,
    wait_for_cookie,
    wait_idle,
)

RECOVERY = re.compile(r"^[0-9a-f]{5}-[0-9a-f]{5}$")


@pytest.fixture(scope="module")
def app_server(tmp_path_factory, demo_database_file):
    yield from serve_app(tmp_path_factory, demo_database_file,
                         PRM_SECOND_FACTOR_ROLES="admin,finance")


def _code(secret: str, steps_ahead: int = 0) -> str:
    """The phone's code; a step ahead is still taken, and is new after one just used."""
    return pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30 * steps_ahead))


def _signed_in_with_password(page: Page, username: str) -> None:
    """The password step; the session cookie's write reruns the page once: settle."""
    sign_in(page, username)
    wait_for_cookie(page, "prm_session")
    wait_idle(page)


def _set_up(page: Page, username: str) -> tuple[str, list[str]]:
    """Sign in and set up the authenticator on the page that insists; (secret, codes)."""
    open_app(page)
    _signed_in_with_password(page, username)
    # One copy: the rerun that follows the cookie's write has drawn the page again.
    expect(page.get_by_text("Your role requires two-factor sign-in")).to_have_count(1)
    wait_idle(page)
    expect(page.get_by_test_id("stSidebarNavItems")).to_have_count(0)  # nothing else opens
    secret = page.get_by_test_id("stCode").first.inner_text().replace(" ", "").strip()
    # By role: a redrawn form may leave a hidden copy of the field behind.
    field = page.get_by_role("textbox", name="Code from the app")
    expect(field).to_have_count(1)
    field.fill("000000")
    page.get_by_role("button", name="Confirm").click()
    wait_idle(page)
    expect(page.get_by_text("That code is not right")).to_be_visible()
    expect(field).to_have_count(1)
    field.fill(_code(secret))
    page.get_by_role("button", name="Confirm").click()
    wait_idle(page)
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("They are shown only now")).to_be_visible()
    codes = dialog.get_by_test_id("stCode").inner_text().split()
    assert len(codes) == 10 and all(RECOVERY.match(c) for c in codes)
    dialog.get_by_role("button", name="Continue").click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Welcome").first).to_be_visible()
    return secret, codes


def _log_out(page: Page) -> None:
    """Log out and wait for the cookie's delete to land: a sign-in started while it is still
    pending was seen to end with no cookie at all."""
    page.get_by_role("button", name="Log out").click()
    wait_idle(page)
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    wait_for_cookie(page, "prm_session", present=False)
    wait_idle(page)


def _give_code(page: Page, code: str) -> None:
    field = page.get_by_role("textbox", name="Code", exact=True)
    # A rerun the cookie's write starts may still be drawing the form again: one copy first.
    expect(field).to_have_count(1)
    field.fill(code)
    page.get_by_role("button", name="Verify").click()
    wait_idle(page)


def test_finance_sets_up_signs_in_with_codes_and_an_admin_resets_a_lost_phone(
        browser, app_server):
    page = fresh_page(browser, app_server)
    secret, codes = _set_up(page, "finance")
    _log_out(page)

    _signed_in_with_password(page, "finance")
    expect(page.get_by_text("Enter the 6-digit code")).to_have_count(1)
    wait_idle(page)
    _give_code(page, "123456")
    expect(page.get_by_text("That code is not right")).to_be_visible()
    _give_code(page, _code(secret, steps_ahead=1))
    expect(page.get_by_role("heading", name="Welcome, Frankie Finance")).to_be_visible()
    _log_out(page)

    _signed_in_with_password(page, "finance")
    _give_code(page, codes[0])
    expect(page.get_by_text("Signed in with a recovery code: 9 left")).to_be_visible()
    _log_out(page)
    _signed_in_with_password(page, "finance")
    _give_code(page, codes[0])  # spent
    expect(page.get_by_text("That code is not right")).to_be_visible()

    admin = fresh_page(browser, app_server)
    _set_up(admin, "admin")
    go(admin, "Users")
    choose(admin, "User", "finance (")
    admin.get_by_role("button", name="Reset two-factor sign-in").click()
    wait_idle(admin)
    expect(admin.get_by_text("Two-factor sign-in of finance reset")).to_be_visible()

    lost = fresh_page(browser, app_server)
    open_app(lost)
    _signed_in_with_password(lost, "finance")
    expect(lost.get_by_text("Your role requires two-factor sign-in")).to_have_count(1)
