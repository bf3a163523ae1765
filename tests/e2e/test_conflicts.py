"""Conflict matching end to end: two partners name one company differently, with no shared
domain; the desk sees both side by side with the reasons, and merges two records."""

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from db.models import DealRegistration, Partner, ProductLine, User
from db.session import make_engine, unit_of_work
from tests.e2e.helpers import choose, go, sign_in_as, wait_idle
from tests.e2e.test_deals import open_deal, register


def test_a_name_variant_reaches_the_desk_side_by_side_with_reasons(browser, app_server):
    engine = make_engine(app_server.database_url)
    with unit_of_work(engine) as db:
        line = db.scalar(select(ProductLine.name).where(ProductLine.active)
                         .order_by(ProductLine.name))
        partner_a, partner_b = (
            db.scalar(select(Partner.name).join(User, User.partner_id == Partner.id)
                      .where(User.username == username)) for username in ("p07.rep1", "p08.rep1"))
    engine.dispose()

    def fresh_page() -> Page:
        context = browser.new_context(base_url=app_server.url,
                                      viewport={"width": 1400, "height": 1100})
        context.set_default_timeout(20_000)
        return context.new_page()

    register(fresh_page(), "p07.rep1", "ACME Widgets, LLC", line, domain="acmewidgets-llc.example")
    register(fresh_page(), "p08.rep1", "Acme Widgets", line, domain="acme-widgets.example")

    with unit_of_work(engine) as db:
        second = db.scalar(select(DealRegistration.id)
                           .where(DealRegistration.customer_name == "Acme Widgets"))
    engine.dispose()
    desk = fresh_page()
    sign_in_as(desk, "channel")
    go(desk, "Deal desk")
    open_deal(desk, "Search", f"#{second}")
    expect(desk.get_by_role("heading", name=f"Acme Widgets · {partner_b}")).to_be_visible()
    expect(desk.get_by_text("Possible matches")).to_be_visible()
    expect(desk.get_by_text("not the earliest open claim")).to_be_visible()
    # Side by side: this registration on the left, the earlier claim on the right.
    expect(desk.get_by_text("This registration #")).to_be_visible()
    md = desk.get_by_test_id("stMarkdownContainer")
    right = md.filter(has_text=re.compile(r"^Registration #\d+")).filter(has_text=partner_a)
    expect(right).to_be_visible()
    expect(desk.get_by_text("Customer: ACME Widgets, LLC")).to_be_visible()
    expect(desk.get_by_text("Customer: Acme Widgets", exact=False).first).to_be_visible()
    reasons = md.filter(has_text="Conflict, score 100:")
    expect(reasons).to_be_visible()
    expect(reasons).to_contain_text("same name once legal suffixes are removed")
    expect(reasons).to_contain_text("same country US")
    expect(reasons).to_contain_text(f"same product line {line}")

    # "Acme Widgets" was filed under A's end-customer record (same name once normalized). A
    # third partner's "Acme Widget Company" got a record of its own: the desk merges it in.
    register(fresh_page(), "p09.rep1", "Acme Widget Company", line,
             domain="acme-widget-co.example")
    go(desk, "End customers")
    desk.get_by_label("Search by name or domain").fill("acme")
    desk.keyboard.press("Enter")
    expect(desk.get_by_text("matching 'acme'")).to_be_visible()
    choose(desk, "Keep", "ACME Widgets, LLC")
    choose(desk, "Merge into it", "Acme Widget Company")
    desk.get_by_role("button", name="Merge records").click()
    wait_idle(desk)
    expect(desk.get_by_text("matching ran again")).to_be_visible()
