"""Deal registration end to end: two partners claim one customer, the desk decides."""

import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from db.models import Partner, ProductLine, User
from db.session import make_engine, unit_of_work
from tests.e2e.helpers import choose, fresh_page, go, open_first_row, sign_in_as, wait_idle

DOMAIN = "fabrikam-e2e.example"


def register(page: Page, username: str, company: str, product_line: str,
             domain: str = DOMAIN) -> None:
    sign_in_as(page, username)
    go(page, "Register a deal")
    _fill(page, company, domain, product_line, date.today() + timedelta(days=45))
    page.get_by_role("button", name="Submit registration").click()
    wait_idle(page)
    expect(page.get_by_text(f"for {company} is")).to_be_visible()


def open_deal(page: Page, search: str, text: str) -> None:
    """Find the registration with the list's search box and open it by its row."""
    open_first_row(page, search, text)
    expect(page.get_by_role("heading", name=text).first).to_be_visible()


def test_two_partners_one_customer_the_desk_approves_the_first(browser, app_server):
    engine = make_engine(app_server.database_url)
    with unit_of_work(engine) as db:
        line = db.scalar(select(ProductLine.name).where(ProductLine.active)
                         .order_by(ProductLine.name))
        partner_a = db.scalar(select(Partner.name).join(User, User.partner_id == Partner.id)
                              .where(User.username == "p05.rep1"))
    engine.dispose()

    a = fresh_page(browser, app_server)
    register(a, "p05.rep1", "Fabrikam Inc.", line)
    b = fresh_page(browser, app_server)
    register(b, "p06.rep1", "FABRIKAM, LLC", line)

    desk = fresh_page(browser, app_server)
    sign_in_as(desk, "channel")
    go(desk, "Deal desk")
    open_deal(desk, "Search", "Fabrikam Inc.")
    expect(desk.get_by_text("the earliest").first).to_be_visible()
    expect(desk.get_by_text("Possible matches")).to_be_visible()
    desk.get_by_role("button", name="Approve", exact=True).click()
    wait_idle(desk)
    expect(desk.get_by_text("approved for").first).to_be_visible()

    go(desk, "Deal desk")
    open_deal(desk, "Search", "FABRIKAM, LLC")
    expect(desk.get_by_text("not the earliest open claim")).to_be_visible()
    desk.get_by_label("Reason (sent to the partner)").fill(
        "Another partner registered this customer first.")
    desk.get_by_role("button", name="Reject").click()
    wait_idle(desk)
    expect(desk.get_by_text("rejected").first).to_be_visible()

    go(a, "My deals")
    open_deal(a, "Search customer", "Fabrikam Inc.")
    expect(a.get_by_test_id("stMetricValue").filter(has_text="Approved")).to_be_visible()
    expect(a.get_by_text(re.compile(r"until \d{4}-\d{2}-\d{2} \(\d+ days left\)"))
           ).to_be_visible()

    go(b, "My deals")
    open_deal(b, "Search customer", "FABRIKAM, LLC")
    expect(b.get_by_test_id("stMetricValue").filter(has_text="Rejected")).to_be_visible()
    expect(b.get_by_text("Another partner registered this customer first.").first).to_be_visible()
    body = b.locator("[data-testid='stMain']").inner_text()
    assert partner_a not in body and "Fabrikam Inc." not in body


def _fill(page: Page, company: str, domain: str, product_line: str, close: date) -> None:
    page.get_by_label("Company *", exact=True).fill(company)
    page.get_by_label("Website", exact=True).fill(f"https://www.{domain}/")
    choose(page, "Country *", "United States")
    page.get_by_label("Contact name *", exact=True).fill("Pat Buyer")
    page.get_by_label("Contact e-mail *", exact=True).fill(f"pat@{domain}")
    choose(page, "Product lines *", product_line)
    page.get_by_label("Estimated value (USD) *", exact=True).fill("64000")
    _type_close_date(page, close)
    choose(page, "Stage *", "Proposal")


def _type_close_date(page: Page, close: date) -> None:
    # A date field of segments: focus the first one and type; each segment moves on when full.
    field = page.get_by_label("Expected close date *", exact=True).get_by_role("spinbutton")
    field.first.click()
    page.keyboard.type(close.strftime("%Y%m%d"))


def _deals_of(app_server, company: str) -> int:
    from sqlalchemy import func

    from db.models import DealRegistration

    engine = make_engine(app_server.database_url)
    with unit_of_work(engine) as db:
        n = db.scalar(select(func.count()).select_from(DealRegistration)
                      .where(DealRegistration.customer_name == company))
    engine.dispose()
    return n


def test_a_far_close_date_is_refused_and_a_second_press_creates_nothing(page, app_server):
    engine = make_engine(app_server.database_url)
    with unit_of_work(engine) as db:
        line = db.scalar(select(ProductLine.name).where(ProductLine.active)
                         .order_by(ProductLine.name))
    engine.dispose()
    company = "Tailspin Toys Ltd"
    sign_in_as(page, "p07.rep1")
    go(page, "Register a deal")
    _fill(page, company, "tailspin-e2e.example", line, date.today() + timedelta(days=30))
    _type_close_date(page, date(2099, 12, 31))  # over a valid date: the trap of the trial
    page.get_by_role("button", name="Submit registration").click()
    wait_idle(page)
    expect(page.get_by_text("The registration was not saved")).to_be_visible()
    assert _deals_of(app_server, company) == 0

    _type_close_date(page, date.today() + timedelta(days=30))
    page.get_by_role("button", name="Submit registration").click()
    wait_idle(page)
    expect(page.get_by_text(f"for {company} is")).to_be_visible()
    assert _deals_of(app_server, company) == 1
    expect(page.get_by_label("Company *", exact=True)).to_have_value("")  # cleared

    page.get_by_role("button", name="Submit registration").click()  # pressed again
    wait_idle(page)
    assert _deals_of(app_server, company) == 1
