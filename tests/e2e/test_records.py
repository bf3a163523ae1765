"""A record has an address (issue #14): a notification opens the deal it is about, a deal's
URL opened while signed out opens it right after sign-in (and on reload), and a row of the
desk's queue opens its registration."""

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from core.deals import approve_deal
from db.models import DealRegistration, User
from db.session import make_engine, unit_of_work
from tests.conftest import actor_for
from tests.e2e.helpers import (
    go,
    open_app,
    open_first_row,
    sign_in,
    sign_in_as,
    wait_for_cookie,
    wait_idle,
)


def _waiting_deal(database_url: str, skip: int = 0) -> tuple[int, str, str]:
    """(id, customer, owner's username) of a demo registration waiting for the desk."""
    engine = make_engine(database_url)
    with unit_of_work(engine) as db:
        deal_id, customer, owner = db.execute(
            select(DealRegistration.id, DealRegistration.customer_name, User.username)
            .join(User, User.id == DealRegistration.owner_user_id)
            .where(DealRegistration.status == "submitted")
            .order_by(DealRegistration.id).offset(skip).limit(1)).one()
    engine.dispose()
    return deal_id, customer, owner


def _deal_heading(page: Page, deal_id: int, customer: str):
    return page.get_by_role("heading", name=re.compile(rf"^#{deal_id} {re.escape(customer)}"))


def test_a_notification_opens_the_deal_it_is_about(page, app_server):
    deal_id, customer, owner = _waiting_deal(app_server.database_url)
    engine = make_engine(app_server.database_url)
    with unit_of_work(engine) as db:  # the desk approves it: the owner is told
        approve_deal(db, actor_for(db, "channel"), deal_id)
    engine.dispose()

    sign_in_as(page, owner)
    go(page, "Notifications")
    expect(page.get_by_text(f"#{deal_id} approved").first).to_be_visible()
    # Its Open link: the page link that carries the deal's number.
    page.locator(f"a[href$='deal?id={deal_id}']").filter(has_text="Open").first.click()
    page.wait_for_url(re.compile(rf"/deal\?id={deal_id}$"))
    wait_idle(page)
    expect(_deal_heading(page, deal_id, customer)).to_be_visible()
    expect(page.get_by_test_id("stMetricValue").filter(has_text="Approved")).to_be_visible()


def test_a_shared_deal_address_opens_after_sign_in_and_on_reload(browser, app_server):
    deal_id, customer, _ = _waiting_deal(app_server.database_url, skip=1)
    context = browser.new_context(base_url=app_server.url,
                                  viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(20_000)
    page = context.new_page()

    open_app(page, f"/deal?id={deal_id}")  # signed out
    expect(page.get_by_label("Username")).to_be_visible()
    expect(page.get_by_text("Sign in to open this deal registration.")
           ).to_be_visible()
    assert page.url.endswith(f"/deal?id={deal_id}")
    sign_in(page, "channel")
    expect(_deal_heading(page, deal_id, customer)).to_be_visible()
    expect(page.get_by_text("Possible matches")).to_be_visible()  # the desk's view
    assert page.url.endswith(f"/deal?id={deal_id}")
    wait_for_cookie(page, "prm_session")

    page.reload()
    wait_idle(page)
    expect(_deal_heading(page, deal_id, customer)).to_be_visible()
    context.close()


def test_a_row_of_the_desk_queue_opens_its_registration(page, app_server):
    deal_id, customer, _ = _waiting_deal(app_server.database_url, skip=2)
    sign_in_as(page, "channel")
    go(page, "Deal desk")
    open_first_row(page, "Search", f"#{deal_id}")
    assert page.url.endswith(f"/deal?id={deal_id}")
    expect(_deal_heading(page, deal_id, customer)).to_be_visible()
    page.get_by_role("link", name="Back to the deal desk").click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Deal desk")).to_be_visible()
    assert "/deal_desk" in page.url  # back on the queue, nothing reopened by itself
