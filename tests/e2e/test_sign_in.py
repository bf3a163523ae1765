"""Sign-in journeys in a real browser: menus, errors, lockout, refresh, logout, URL typing."""

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import go, menu, open_app, sign_in, sign_in_as, wait_for_cookie, wait_idle
from tests.pages import ROLE_USERS

MENUS = {
    "admin": ["Home", "Partners", "Profile", "Users", "Audit log"],
    "channel_manager": ["Home", "Partners", "Profile"],
    "marketing_ops": ["Home", "Partners", "Profile"],
    "finance": ["Home", "Partners", "Profile"],
    "executive": ["Home", "Partners", "Profile"],
    "analyst": ["Home", "Partners", "Profile"],
    "partner_admin": ["Home", "Profile", "Users"],
    "partner_user": ["Home", "Profile"],
}


def test_anonymous_visitor_sees_sign_in_and_become_a_partner(page):
    open_app(page)
    expect(page.get_by_role("heading", name="Partner portal")).to_be_visible()
    assert menu(page) == ["Home", "Become a partner"]


@pytest.mark.parametrize("role", list(MENUS))
def test_each_demo_role_signs_in_and_sees_its_menu(page, role):
    sign_in_as(page, ROLE_USERS[role])
    expect(page.get_by_role("heading", name="Welcome").first).to_be_visible()
    assert menu(page) == MENUS[role]


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
    assert menu(page) == ["Home", "Become a partner"]


def test_partner_typing_a_vendor_url_does_not_reach_it(page):
    sign_in_as(page, "p01.rep1")
    open_app(page, "/audit_log")
    expect(page.get_by_text("Page not found")).to_be_visible()
    expect(page.get_by_role("heading", name="Audit log")).to_have_count(0)
    open_app(page, "/partners")
    expect(page.get_by_role("heading", name="Partners")).to_have_count(0)
