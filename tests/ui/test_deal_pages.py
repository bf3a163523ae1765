"""Deal pages driven through AppTest: register, follow, decide."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import DealRegistration, ProductLine
from tests.pages import (
    assert_rendered,
    button,
    open_page,
    select_row,
    table_frame,
    texts,
    use_database,
    widget,
)


@pytest.fixture
def app_db(seeded, database_url):
    use_database(database_url)
    return seeded


def scalar(engine, query):
    with Session(engine) as db:
        return db.scalar(query)


def deal_count(engine) -> int:
    return scalar(engine, select(func.count()).select_from(DealRegistration))


def fill_registration(at, engine, *, company: str, website: str) -> None:
    widget(at.text_input, "Company *").set_value(company)
    widget(at.text_input, "Website").set_value(website)
    widget(at.selectbox, "Country *").set_value("US")
    widget(at.text_input, "Contact name *").set_value("Nancy Davolio")
    widget(at.text_input, "Contact e-mail *").set_value(f"nancy@{website}")
    line = scalar(engine, select(ProductLine.id).order_by(ProductLine.id))
    widget(at.multiselect, "Product lines *").set_value([line])
    widget(at.text_input, "Estimated value (USD) *").set_value("48000")
    widget(at.date_input, "Expected close date *").set_value(date.today() + timedelta(days=60))
    widget(at.selectbox, "Stage *").set_value("proposal")


def register(engine, username: str, company: str, website: str):
    at = open_page("pages/register_deal.py", username)
    fill_registration(at, engine, company=company, website=website)
    button(at, "Submit registration").click().run()
    assert_rendered(at)
    return at


def test_bad_registration_shows_messages_beside_fields_and_saves_nothing(app_db):
    at = open_page("pages/register_deal.py", "p01.rep1")
    widget(at.text_input, "Contact e-mail *").set_value("not-an-email")
    widget(at.text_input, "Estimated value (USD) *").set_value("-5")
    button(at, "Submit registration").click().run()
    assert_rendered(at)
    shown = [e.value for e in at.error]
    assert any("company" in m.lower() for m in shown)
    assert any("e-mail" in m.lower() for m in shown)
    assert any("was not saved" in m for m in shown)
    assert widget(at.text_input, "Contact e-mail *").value == "not-an-email"  # kept as typed
    assert deal_count(app_db) == 0


def test_partner_registers_a_deal_and_follows_it_in_my_deals(app_db):
    at = register(app_db, "p01.rep1", "Northwind Traders Inc.", "northwind.example.com")
    assert not at.error, [e.value for e in at.error]
    assert "Northwind Traders Inc." in " ".join(s.value for s in at.success)
    deal_id = scalar(app_db, select(DealRegistration.id))

    at.switch_page("pages/my_deals.py").run()
    assert list(table_frame(at, "customer")["id"]) == [deal_id]
    select_row(at, "my_deals", 0)  # a click on the row opens the deal's own page
    shown = texts(at)
    assert f"#{deal_id} Northwind Traders Inc." in shown and "Timeline" in shown
    assert at.query_params["id"] == str(deal_id)


def test_a_registration_clears_the_form_and_a_second_press_creates_nothing(app_db):
    """Issue #14: the form stayed filled after success, so a second press made a duplicate."""
    at = register(app_db, "p01.rep1", "Northwind Traders Inc.", "northwind.example.com")
    assert deal_count(app_db) == 1
    assert widget(at.text_input, "Company *").value == ""  # cleared
    assert widget(at.date_input, "Expected close date *").value is None
    button(at, "Submit registration").click().run()  # the same button again
    assert_rendered(at)
    assert deal_count(app_db) == 1
    assert not at.success


@pytest.mark.parametrize("typed", [date(2099, 12, 31), date(1999, 1, 1)])
def test_a_close_date_outside_the_window_is_refused_not_replaced(app_db, typed):
    """Issue #14: the widget showed 2099-12-31 in red and the deal was saved with the date
    chosen before. The date shown is the date checked: refused, beside the field."""
    at = open_page("pages/register_deal.py", "p01.rep1")
    fill_registration(at, app_db, company="Northwind Traders Inc.",
                      website="northwind.example.com")
    widget(at.date_input, "Expected close date *").set_value(typed)
    button(at, "Submit registration").click().run()
    assert_rendered(at)
    assert deal_count(app_db) == 0
    assert any("was not saved" in e.value for e in at.error)
    assert widget(at.date_input, "Expected close date *").value == typed  # kept as typed


def test_desk_sees_both_claims_and_the_second_partner_learns_nothing(app_db):
    register(app_db, "p01.rep1", "Contoso Ltd", "contoso.example.com")
    register(app_db, "p02.rep1", "Contoso Limited", "contoso.example.com")
    first, second = (scalar(app_db, select(DealRegistration.id)
                            .order_by(DealRegistration.id).offset(i).limit(1)) for i in (0, 1))

    desk = open_page("pages/deal.py", "channel", id=second)
    shown = texts(desk)
    assert "not** the earliest" in shown
    matches = desk.dataframe[-1].value
    assert first in list(matches["id"]) and "same domain" in " ".join(matches["why"])
    assert "Compare side by side with" in [s.label for s in desk.selectbox]

    mine = open_page("pages/deal.py", "p02.rep1", id=second)
    partner_view = texts(mine)
    first_partner = scalar(app_db, select(DealRegistration.partner_id)
                           .where(DealRegistration.id == first))
    from db.models import Partner

    first_name = scalar(app_db, select(Partner.name).where(Partner.id == first_partner))
    assert "Under review" in partner_view
    assert first_name not in partner_view and "Contoso Ltd" not in partner_view


def test_the_desk_finds_a_registration_and_a_click_on_its_row_opens_it(app_db):
    """Issue #14: the desk searches by customer, partner or number, and a row opens the
    registration's page (no dropdown of every registration)."""
    register(app_db, "p01.rep1", "Contoso Ltd", "contoso.example.com")
    register(app_db, "p02.rep1", "Fabrikam Inc.", "fabrikam.example.com")
    fabrikam = scalar(app_db, select(DealRegistration.id)
                      .where(DealRegistration.customer_name == "Fabrikam Inc."))

    desk = open_page("pages/deal_desk.py", "channel")
    assert "Open a registration" not in [s.label for s in desk.selectbox]
    widget(desk.text_input, "Search").input("fabri").run()
    assert list(table_frame(desk, "customer")["customer"]) == ["Fabrikam Inc."]
    widget(desk.radio, "Order").set_value("newest").run()
    select_row(desk, "desk_queue", 0)
    assert f"#{fabrikam} Fabrikam Inc." in [h.value.split(" · ")[0] for h in desk.header]
    assert desk.query_params["id"] == str(fabrikam)
    assert "Possible matches" in texts(desk)  # the desk's view, with its decisions
    widget(desk.text_area, "Add a note").set_value("Called the partner.")
    button(desk, "Add note").click().run()  # worked where it was opened
    assert_rendered(desk)
    assert "Note added." in texts(desk) and "Called the partner." in texts(desk)
    assert desk.query_params["id"] == str(fabrikam)


def test_a_deal_address_opens_it_only_for_those_who_may_see_it(app_db):
    register(app_db, "p01.rep1", "Contoso Ltd", "contoso.example.com")
    deal_id = scalar(app_db, select(DealRegistration.id))

    owner = open_page("pages/deal.py", "p01.rep1", id=str(deal_id))
    assert f"#{deal_id} Contoso Ltd" in texts(owner)
    assert "Possible matches" not in texts(owner)  # the partner's view

    other = open_page("pages/deal.py", "p02.admin", id=str(deal_id))
    assert "Contoso" not in texts(other)
    assert [e.value for e in other.error] == ["The deal registration was not found."]

    reader = open_page("pages/deal.py", "exec", id=str(deal_id))  # read only
    assert "Contoso Ltd" in texts(reader) and not reader.get("form_submit_button")

    for raw, message in (("abc", "is not the number of a deal registration"),
                         (None, "No deal registration chosen")):
        at = open_page("pages/deal.py", "channel", **({"id": raw} if raw else {}))
        assert message in texts(at)
