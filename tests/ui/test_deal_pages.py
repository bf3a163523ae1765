"""Deal pages driven through AppTest: register, follow, decide."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import DealRegistration, ProductLine
from tests.pages import assert_rendered, button, open_page, texts, use_database, widget


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
    widget(at.text_input, "Company").set_value(company)
    widget(at.text_input, "Website").set_value(website)
    widget(at.selectbox, "Country").set_value("US")
    widget(at.text_input, "Contact name").set_value("Nancy Davolio")
    widget(at.text_input, "Contact e-mail").set_value(f"nancy@{website}")
    line = scalar(engine, select(ProductLine.id).order_by(ProductLine.id))
    widget(at.multiselect, "Product lines").set_value([line])
    widget(at.text_input, "Estimated value (USD)").set_value("48000")
    widget(at.date_input, "Expected close date").set_value(date.today() + timedelta(days=60))
    widget(at.selectbox, "Stage").set_value("proposal")


def register(engine, username: str, company: str, website: str):
    at = open_page("pages/register_deal.py", username)
    fill_registration(at, engine, company=company, website=website)
    button(at, "Submit registration").click().run()
    assert_rendered(at)
    return at


def test_bad_registration_shows_messages_beside_fields_and_saves_nothing(app_db):
    at = open_page("pages/register_deal.py", "p01.rep1")
    widget(at.text_input, "Contact e-mail").set_value("not-an-email")
    widget(at.text_input, "Estimated value (USD)").set_value("-5")
    button(at, "Submit registration").click().run()
    assert_rendered(at)
    shown = [e.value for e in at.error]
    assert any("company" in m.lower() for m in shown)
    assert any("e-mail" in m.lower() for m in shown)
    assert any("was not saved" in m for m in shown)
    assert widget(at.text_input, "Contact e-mail").value == "not-an-email"  # kept as typed
    assert deal_count(app_db) == 0


def test_partner_registers_a_deal_and_follows_it_in_my_deals(app_db):
    at = register(app_db, "p01.rep1", "Northwind Traders Inc.", "northwind.example.com")
    assert not at.error, [e.value for e in at.error]
    assert "Northwind Traders Inc." in " ".join(s.value for s in at.success)
    deal_id = scalar(app_db, select(DealRegistration.id))

    at.switch_page("pages/my_deals.py").run()
    widget(at.selectbox, "Open a registration").set_value(deal_id).run()
    assert_rendered(at)
    shown = texts(at)
    assert "Northwind Traders Inc." in shown and "Timeline" in shown


def test_a_registration_clears_the_form_and_a_second_press_creates_nothing(app_db):
    """Issue #14: the form stayed filled after success, so a second press made a duplicate."""
    at = register(app_db, "p01.rep1", "Northwind Traders Inc.", "northwind.example.com")
    assert deal_count(app_db) == 1
    assert widget(at.text_input, "Company").value == ""  # cleared
    assert widget(at.date_input, "Expected close date").value is None
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
    widget(at.date_input, "Expected close date").set_value(typed)
    button(at, "Submit registration").click().run()
    assert_rendered(at)
    assert deal_count(app_db) == 0
    assert any("was not saved" in e.value for e in at.error)
    assert widget(at.date_input, "Expected close date").value == typed  # kept as typed


def test_desk_sees_both_claims_and_the_second_partner_learns_nothing(app_db):
    register(app_db, "p01.rep1", "Contoso Ltd", "contoso.example.com")
    register(app_db, "p02.rep1", "Contoso Limited", "contoso.example.com")
    first, second = (scalar(app_db, select(DealRegistration.id)
                            .order_by(DealRegistration.id).offset(i).limit(1)) for i in (0, 1))

    desk = open_page("pages/deal_desk.py", "channel")
    widget(desk.selectbox, "Open a registration").set_value(second).run()
    assert_rendered(desk)
    shown = texts(desk)
    assert "not** the earliest" in shown
    matches = desk.dataframe[-1].value
    assert first in list(matches["#"]) and "same domain" in " ".join(matches["Why"])
    assert "Compare side by side with" in [s.label for s in desk.selectbox]

    mine = open_page("pages/my_deals.py", "p02.rep1")
    widget(mine.selectbox, "Open a registration").set_value(second).run()
    partner_view = texts(mine)
    first_partner = scalar(app_db, select(DealRegistration.partner_id)
                           .where(DealRegistration.id == first))
    from db.models import Partner

    first_name = scalar(app_db, select(Partner.name).where(Partner.id == first_partner))
    assert "Under review" in partner_view
    assert first_name not in partner_view and "Contoso Ltd" not in partner_view
