"""The incentive pages through AppTest (issue #19): finance calculates the quarter, approves a
statement and records a payment (refused beside its field when it is too much); a partner
admin opens only its own statement; the channel team replays a change with the what-if and a
wrong threshold is refused beside its field. On a program in force this quarter (the pages
read the real clock)."""

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.incentives.periods import quarter_of
from db.models import IncentiveEntry, IncentiveStatement
from db.types import utcnow
from tests.conftest import actor_for
from tests.incentives.helpers import published, sale, volume_program, world
from tests.pages import button, open_page, texts, use_database, widget


@pytest.fixture
def incentives_db(seeded, database_url):
    """A volume rebate in force this quarter; p03 sold 150,000 today (1,000.00 earned)."""
    quarter = quarter_of(utcnow().date())
    with Session(seeded) as db:
        w = world(db)
        w["program"] = published(db, volume_program(starts_on=quarter.starts_on),
                                 effective_from=quarter.starts_on)
        sale(db, w, "p03", utcnow().date(), "150000")
        db.commit()
    use_database(database_url)
    return seeded, w


def entries(engine) -> list[tuple[str, Decimal]]:
    with Session(engine) as db:
        return [(e.kind, e.amount) for e in db.scalars(select(IncentiveEntry)
                                                        .order_by(IncentiveEntry.id))]


def test_finance_calculates_approves_and_pays(incentives_db):
    engine, w = incentives_db
    label = quarter_of(utcnow().date()).label
    at = open_page("pages/incentive_statements.py", "finance")
    button(at, f"Calculate {label} to date").click()
    at.run()
    assert "1 accrual(s) posted on 1 statement(s), net 1,000.00" in texts(at)
    assert entries(engine) == [("accrue", Decimal("1000.00"))]
    with Session(engine) as db:
        statement = db.scalar(select(IncentiveStatement.id))

    at = open_page("pages/incentive_statement.py", "finance", id=str(statement))
    button(at, "Approve 1,000.00 USD").click()
    at.run()
    assert "Approved" in texts(at)
    widget(at.text_input, "Amount *").set_value("1000.01")
    widget(at.text_input, "Reference * (transfer or credit note)").set_value("TR-77")
    button(at, "Record the payment").click()
    at.run()
    assert "Pay at most what is approved and unpaid" in texts(at)
    assert widget(at.text_input, "Reference * (transfer or credit note)").value == "TR-77"
    assert [k for k, _ in entries(engine)] == ["accrue", "approve"]
    widget(at.text_input, "Amount *").set_value("1000")
    button(at, "Record the payment").click()
    at.run()
    assert "Payment recorded: Paid." in texts(at)
    assert entries(engine)[-1] == ("pay", Decimal("1000.00"))


def test_a_partner_admin_opens_only_its_own_statement(incentives_db):
    engine, w = incentives_db
    with Session(engine) as db:
        from core.incentives.calculation import calculate
        calculate(db, actor_for(db, "finance"), utcnow().date())
        db.commit()
        statement = db.scalar(select(IncentiveStatement.id))
    at = open_page("pages/incentive_statement.py", "p03.admin", id=str(statement))
    assert "1,000.00" in " ".join(str(m.value) for m in at.metric) or "1K" in " ".join(
        str(m.value) for m in at.metric)
    assert [b.label for b in at.get("download_button")] == ["Statement PDF", "Statement XLSX"]
    assert not [b for b in at.button if b.label.startswith("Approve")]
    at = open_page("pages/incentive_statement.py", "p02.admin", id=str(statement))
    assert "The statement was not found." in texts(at)


def test_the_what_if_replays_and_a_wrong_band_is_refused_beside_it(incentives_db):
    engine, w = incentives_db
    at = open_page("pages/incentive_programs.py", "channel")
    button(at, "Replay with the what-if").click()
    at.run()
    assert "What-if over" in texts(at)
    assert [m.label for m in at.metric] == ["Cost before", "Cost after", "Change"]
    [name] = [t for t in at.text_input if t.label == "Name *" and t.value == "Volume rebate"]
    name.set_value("")  # the edit form's (the new program's form is above it)
    button(at, "Save as working terms").click()
    at.run()
    assert "Enter the program's name." in texts(at)
    assert "Nothing was saved." in texts(at)


def test_publishing_waits_for_a_replay_of_the_working_terms(incentives_db):
    at = open_page("pages/incentive_programs.py", "channel")
    assert button(at, "Publish").disabled
    button(at, "Replay with the what-if").click()
    at.run()
    assert not button(at, "Publish").disabled
    button(at, "Publish").click()
    at.run()
    assert "Published from" in texts(at)
