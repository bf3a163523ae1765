"""Sign-in journeys in a real browser: menus, errors, lockout, refresh, logout, URL typing."""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from core.accounts import SignedIn
from core.actor import Actor, Role
from tests.e2e.helpers import go, menu, open_app, sign_in, sign_in_as, wait_for_cookie, wait_idle
from tests.pages import ROLE_USERS
from ui.registry import menu_for

VENDOR_ONLY = {"Partners"}
ADMIN_ONLY = {"Audit log", "Background jobs"}


def registry_menu(role: str) -> list[str]:
    user = SignedIn(Actor(role=Role(role), user_id=1, partner_id=1 if "partner" in role else None),
                    "x", "x", "UTC", False, datetime.now(UTC))
    return [spec.title for spec in menu_for(user)]


def test_anonymous_visitor_sees_sign_in_and_become_a_partner(page):
    open_app(page)
    expect(page.get_by_role("heading", name="Partner portal")).to_be_visible()
    assert menu(page) == ["Home", "Become a partner", "Application status",
                          "Check a certificate"]


# Every role's menu is checked in the AppTest page matrix (tests/ui/test_pages.py); in the
# browser, the widest vendor menu and the narrowest partner one.
@pytest.mark.parametrize("role", ["admin", "partner_user"])
def test_each_demo_role_signs_in_and_sees_its_menu(page, role):
    sign_in_as(page, ROLE_USERS[role])
    expect(page.get_by_role("heading", name="Welcome").first).to_be_visible()
    shown = menu(page)
    assert shown == registry_menu(role)
    assert ("Users" in shown) == (role in ("admin", "partner_admin"))
    assert bool(VENDOR_ONLY & set(shown)) == ("partner" not in role)
    assert bool(ADMIN_ONLY & set(shown)) == (role == "admin")


def test_wrong_password_shows_a_clear_error(page):
    open_app(page)
    sign_in(page, "p02.rep1", "not-the-password")
    expect(page.get_by_text("Wrong username or password.")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)


def test_five_wrong_passwords_lock_the_account(page):
    open_app(page)
    for _ in range(4):
        sign_in(page, "p03.rep1", "not-the-password")
        expect(page.get_by_text("Wrong username or password.")).to_be_visible()
    sign_in(page, "p03.rep1", "not-the-password")
    expect(page.get_by_text("This account is locked until")).to_be_visible()
    sign_in(page, "p03.rep1")  # the right password, sixth try
    expect(page.get_by_text("This account is locked until")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)


def test_refresh_on_a_sub_page_stays_there_signed_in(page):
    sign_in_as(page, "admin")
    go(page, "Audit log")
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    page.reload()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert page.url.endswith("/audit_log")


def test_logout_then_reload_stays_signed_out(page):
    sign_in_as(page, "channel")
    page.get_by_role("button", name="Log out").click()
    wait_idle(page)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    wait_for_cookie(page, "prm_session", present=False)
    page.reload()
    wait_idle(page)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    assert menu(page) == ["Home", "Become a partner", "Application status",
                          "Check a certificate"]


def test_partner_typing_a_vendor_url_does_not_reach_it(page):
    sign_in_as(page, "p01.rep1")
    open_app(page, "/audit_log")
    expect(page.get_by_text("Page not found")).to_be_visible()
    expect(page.get_by_role("heading", name="Audit log")).to_have_count(0)
    open_app(page, "/partners")
    expect(page.get_by_role("heading", name="Partners")).to_have_count(0)
