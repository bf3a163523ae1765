"""The fund pages through AppTest (issue #18): a partner admin's request refused beside its
field and then submitted, marketing approving part of it on the request's page, finance's
ledger page with its check and exports. On a program running now (the pages read the real
clock)."""

from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.funds import allocate, create_program
from db.models import FundRequest, Tier
from db.types import utcnow
from tests.conftest import actor_for
from tests.pages import button, open_page, texts, use_database, widget


@pytest.fixture
def funds_db(seeded, database_url):
    """A co-op program for every tier from this month, p01 holding 5,000 in it."""
    with Session(seeded) as db:
        db.execute(update(Tier).values(mdf_eligible=True))
        marketing = actor_for(db, "marketing")
        program = create_program(db, marketing, {
            "name": "Co-op now", "kind": "coop", "period": "year",
            "starts_on": utcnow().date(), "budget": "50000", "accrual_percent": "2",
            "activity_types": ["event", "webinar"], "reimbursement_percent": "50",
            "lead_time_days": 0, "claim_days": 30})
        allocate(db, marketing, program.id, actor_for(db, "p01.admin").partner_id,
                 Decimal("5000"), "Welcome credit")
        db.commit()
    use_database(database_url)
    return seeded


def requests(engine) -> list[FundRequest]:
    with Session(engine) as db:
        return list(db.scalars(select(FundRequest)))


def fill_request(at, amount: str):
    widget(at.text_input, "Activity name *").set_value("Customer breakfast")
    widget(at.text_input, "Amount requested *").set_value(amount)
    button(at, "Submit the request").click()
    return at.run()


def test_a_request_refused_beside_its_field_then_submitted(funds_db):
    at = open_page("pages/funds.py", "p01.admin")
    assert any("Co-op now" in o for o in widget(at.selectbox, "Program *").options)
    fill_request(at, "5000.01")
    assert "more than your company has available" in texts(at)
    assert "Nothing was submitted." in texts(at)
    assert widget(at.text_input, "Activity name *").value == "Customer breakfast"
    assert requests(funds_db) == []
    fill_request(at, "1200")
    assert "submitted: Customer breakfast" in texts(at)
    [request] = requests(funds_db)
    assert (request.status, request.requested_amount) == ("submitted", Decimal("1200.00"))


def test_marketing_approves_part_on_the_requests_page(funds_db):
    at = open_page("pages/funds.py", "p01.admin")
    fill_request(at, "2000")
    [request] = requests(funds_db)
    page = open_page("pages/fund_request.py", "marketing", id=str(request.id))
    assert "Customer breakfast" in [t.value for t in page.title]
    widget(page.text_input, "Amount (empty: all $2,000.00 requested)").set_value("1500")
    widget(page.text_input, "Comment").set_value("Catering only.")
    button(page, "Approve").click()
    page.run()
    [done] = requests(funds_db)
    assert (done.status, done.approved_amount, done.decision_note) == (
        "approved", Decimal("1500.00"), "Catering only.")
    partner = open_page("pages/fund_request.py", "p01.admin", id=str(request.id))
    assert "Note from marketing: Catering only." in texts(partner)
    assert "Claim" in [s.value for s in partner.subheader]


def test_another_partner_gets_not_found_on_the_requests_page(funds_db):
    at = open_page("pages/funds.py", "p01.admin")
    fill_request(at, "300")
    [request] = requests(funds_db)
    other = open_page("pages/fund_request.py", "p02.admin", id=str(request.id))
    assert "The request was not found." in texts(other)
    assert "Customer breakfast" not in texts(other)


def test_finance_sees_the_ledger_checked_and_its_exports(funds_db):
    at = open_page("pages/fund_ledger.py", "finance")
    assert "Ledger check: 1 entries" in texts(at)
    labels = {b.label for b in at.get("download_button")}
    assert {"Ledger CSV", "Ledger XLSX", "Claims CSV", "Claims XLSX"} <= labels
