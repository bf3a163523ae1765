"""The End customers page and the desk's re-file form, driven through AppTest."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import DealRegistration, EndCustomer
from tests.pages import assert_rendered, button, open_page, select_row, table_frame, texts, widget
from tests.ui.test_deal_pages import app_db, register, scalar  # noqa: F401

__all__ = ["app_db"]


def customer_of(engine, company: str) -> int:
    return scalar(engine, select(DealRegistration.end_customer_id)
                  .where(DealRegistration.customer_name == company))


def test_merging_two_records_from_the_page(app_db):
    register(app_db, "p01.rep1", "Tailspin Toys", "tailspin.example")
    register(app_db, "p02.rep1", "Tailspin Toys Retail", "tailspintoys.example")
    keep, fold = customer_of(app_db, "Tailspin Toys"), customer_of(app_db, "Tailspin Toys Retail")

    at = open_page("pages/end_customers.py", "channel")
    widget(at.text_input, "Search by name or domain").set_value("tailspin").run()
    assert "Tailspin Toys Retail" in list(table_frame(at, "name")["name"])
    button(at, "Merge records").click().run()
    assert "Choose both records." in [e.value for e in at.error]

    widget(at.selectbox, "Keep").set_value(keep)
    widget(at.selectbox, "Merge into it").set_value(keep)
    button(at, "Merge records").click().run()
    assert "Choose two different end customers." in [e.value for e in at.error]
    with Session(app_db) as db:
        assert db.get(EndCustomer, fold).merged_into_id is None

    widget(at.selectbox, "Merge into it").set_value(fold)
    button(at, "Merge records").click().run()
    assert_rendered(at)
    assert f"Merged #{fold} into #{keep}; matching ran again." in texts(at)
    with Session(app_db) as db:
        assert db.get(EndCustomer, fold).merged_into_id == keep
        assert {d.end_customer_id for d in db.scalars(select(DealRegistration))} == {keep}


def test_the_desk_refiles_a_registration_under_a_matching_record(app_db):
    register(app_db, "p01.rep1", "Coho Winery", "coho.example")
    register(app_db, "p02.rep1", "Coho Wineries Group", "cohowineries.example")
    second = scalar(app_db, select(DealRegistration.id)
                    .where(DealRegistration.customer_name == "Coho Wineries Group"))
    target = customer_of(app_db, "Coho Winery")

    desk = open_page("pages/deal.py", "channel", id=second)
    assert "Compare side by side with" in [s.label for s in desk.selectbox]
    widget(desk.selectbox, "File under another end customer").set_value(target)
    button(desk, "Re-file").click().run()
    assert_rendered(desk)
    assert f"Filed under end customer #{target}; matching ran again." in texts(desk)
    assert customer_of(app_db, "Coho Wineries Group") == target


def test_an_end_customer_opens_from_its_row_and_its_registrations_open_from_theirs(app_db):
    """Issue #14: records open by a click on their row, and have an address (?id=N)."""
    register(app_db, "p01.rep1", "Wingtip Toys", "wingtiptoys.example")
    customer = customer_of(app_db, "Wingtip Toys")
    deal_id = scalar(app_db, select(DealRegistration.id))

    at = open_page("pages/end_customers.py", "channel")
    widget(at.text_input, "Search by name or domain").set_value("wingtip").run()
    select_row(at, "end_customers", 0)
    assert at.query_params["id"] == str(customer)
    assert [t.value for t in at.title] == [f"#{customer} Wingtip Toys"]
    assert list(table_frame(at, "who")["id"]) == [deal_id]
    select_row(at, f"end_customer_claims-{customer}", 0)
    assert at.query_params["id"] == str(deal_id)
    assert f"#{deal_id} Wingtip Toys" in texts(at)
