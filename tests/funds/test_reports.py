"""What funds brought and where the money went: ROI from the leads and deals that name an
activity; the ledger and the claims of a period exported as CSV and XLSX (formula-looking
text neutralised); the ledger's invariants, and a ledger the database refuses to edit."""

import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from core.errors import PermissionDenied, RuleViolation
from core.funds import (
    allocate,
    check,
    claims_rows,
    export_claims,
    export_ledger,
    ledger_rows,
    period_totals,
    record_payment,
    roi,
)
from core.leads import import_leads, read_table
from db.models import FundLedgerEntry, Lead
from tests.conftest import NOW, actor_for
from tests.funds.helpers import (
    D,
    admin_of_tier,
    after,
    ask,
    funded,
    new_program,
    paid_ready,
    won_deal,
)

pytestmark = pytest.mark.usefixtures("backend")
WEEK = (date(2026, 11, 20), date(2027, 3, 31))


def paid(db, partner, program, amount="2000"):
    request = paid_ready(db, partner, program, amount=amount)
    at = after(request, 5)
    return record_payment(db, actor_for(db, "finance"), request.id, {
        "paid_on": at.date(), "reference": f"PAY-{request.id}", "amount": amount}, now=at)


def test_roi_is_won_revenue_over_paid_from_the_deals_and_leads_that_name_the_activity(
        seeded_db):
    program, partner, _ = funded(seeded_db, "10000")
    request = paid(seeded_db, partner, program, "2000")
    won_deal(seeded_db, partner.label, 1, "30000", fund_request_id=request.id)
    won_deal(seeded_db, partner.label, 2, "9999.99")  # not from the activity
    marketing = actor_for(seeded_db, "marketing")
    table = read_table(b"Email,Country,Fund activity\na@x1.example,DE,#" +
                       str(request.id).encode() + b"\nb@x2.example,DE,999999\n")
    report = import_leads(seeded_db, marketing, table, now=NOW)
    assert report.imported == 1 and report.errors[0].field == "fund_activity"
    assert seeded_db.scalar(select(Lead.fund_request_id).where(Lead.email == "a@x1.example")) \
        == request.id
    [row] = roi(seeded_db, partner, by="activity")
    assert (row.paid, row.leads, row.pipeline, row.won) == (D("2000.00"), 1, D("30000.00"),
                                                            D("30000.00"))
    assert row.roi == 15.0
    [by_program] = roi(seeded_db, marketing, by="program")
    assert by_program.name == "Test MDF" and by_program.won == D("30000.00")
    with pytest.raises(RuleViolation, match="Group by"):
        roi(seeded_db, marketing, by="tier")


def test_a_registration_names_only_its_own_partners_funded_activity(seeded_db):
    program, partner, _ = funded(seeded_db)
    waiting = ask(seeded_db, partner, program)
    other = admin_of_tier(seeded_db, "Silver")
    with pytest.raises(RuleViolation, match="funded activity of your company") as refused:
        won_deal(seeded_db, other, 3, "1000", fund_request_id=waiting.id)
    assert refused.value.field == "fund_request_id"
    with pytest.raises(RuleViolation, match="funded activity"):  # not approved yet
        won_deal(seeded_db, partner.label, 4, "1000", fund_request_id=waiting.id)


def test_the_ledger_and_claims_export_agree_with_the_balances_to_the_cent(seeded_db):
    program, partner, _ = funded(seeded_db, "10000")
    paid(seeded_db, partner, program, "1234.56")
    finance = actor_for(seeded_db, "finance")
    rows = list(csv.reader(io.StringIO(export_ledger(seeded_db, finance, *WEEK)
                                       .decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:8] == ["Entry", "Time (UTC)", "Program", "Partner", "Movement", "From", "To",
                          "Amount"]
    paid_total = sum(D(r[7]) for r in body if r[4] == "Paid")
    assert paid_total == D("1234.56") == period_totals(seeded_db, finance, *WEEK)["pay"]
    assert [r[4] for r in body] == ["Allocated", "Held for a request", "Committed",
                                    "Claim approved", "Paid"]
    book = openpyxl.load_workbook(io.BytesIO(export_ledger(seeded_db, finance, *WEEK, "xlsx")))
    cells = [[c.value for c in r] for r in book.active.iter_rows(min_row=2)]
    assert [D(str(r[7])).quantize(D("0.01")) for r in cells] == [D(r[7]) for r in body]
    claims = list(csv.reader(io.StringIO(export_claims(seeded_db, finance, *WEEK)
                                         .decode("utf-8-sig"))))
    assert claims[1][6:11] == ["Paid", "4000.00", "1234.56", "1234.56", "1234.56"]
    xlsx = openpyxl.load_workbook(io.BytesIO(export_claims(seeded_db, finance, *WEEK, "xlsx")))
    assert xlsx.active.max_row == 2
    other = new_program(seeded_db, name="Other")
    assert period_totals(seeded_db, finance, *WEEK, program_id=other.id) == {}
    assert claims_rows(seeded_db, finance, *WEEK, program_id=other.id) == []
    assert period_totals(seeded_db, finance, *WEEK, program_id=program.id)["pay"] == \
        D("1234.56")


def test_formula_looking_text_is_neutralised_in_the_exports(seeded_db):
    program, partner, _ = funded(seeded_db)
    allocate(seeded_db, actor_for(seeded_db, "marketing"), program.id, partner.partner_id,
             D("1"), '=HYPERLINK("http://evil.example","x")', now=NOW)
    finance = actor_for(seeded_db, "finance")
    data = export_ledger(seeded_db, finance, *WEEK).decode("utf-8-sig")
    assert "'=HYPERLINK" in data
    book = openpyxl.load_workbook(io.BytesIO(export_ledger(seeded_db, finance, *WEEK, "xlsx")))
    reasons = [r[10].value for r in book.active.iter_rows(min_row=2)]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in reasons


def test_only_finance_and_the_admin_read_the_ledger(seeded_db):
    funded(seeded_db)
    for username in ("finance", "admin"):
        assert ledger_rows(seeded_db, actor_for(seeded_db, username), *WEEK)
    for username in ("marketing", "channel", "exec", "analyst", "p01.admin", "p01.rep1"):
        actor = actor_for(seeded_db, username)
        for read in (ledger_rows, claims_rows, period_totals, export_ledger, export_claims):
            with pytest.raises(PermissionDenied):
                read(seeded_db, actor, *WEEK)
    with pytest.raises(RuleViolation, match="on or after its first"):
        ledger_rows(seeded_db, actor_for(seeded_db, "finance"), WEEK[1], WEEK[0])


def test_the_invariants_hold_and_a_broken_one_is_found(seeded_db):
    program, partner, allocation = funded(seeded_db, "10000")
    paid(seeded_db, partner, program, "2000")
    ask(seeded_db, partner, program, "3000")
    assert check(seeded_db).ok
    # An entry no service writes: a payment of money never approved.
    seeded_db.add(FundLedgerEntry(program_id=program.id, allocation_id=allocation,
                                  partner_id=partner.partner_id, kind="pay",
                                  from_bucket="approved", to_bucket="paid", amount=D("5"),
                                  actor_label="intruder", at=NOW + timedelta(days=1)))
    seeded_db.flush()
    problems = check(seeded_db).problems
    assert any("approved is -5.00" in p for p in problems)


@pytest.mark.parametrize("statement", ["UPDATE fund_ledger SET amount = 1",
                                       "DELETE FROM fund_ledger"])
def test_the_database_refuses_to_edit_or_delete_a_ledger_entry(seeded_db, statement):
    funded(seeded_db)
    seeded_db.commit()  # the entries stay; the refused statement rolls back alone
    with pytest.raises(DBAPIError, match="append-only"):
        seeded_db.execute(text(statement))
    seeded_db.rollback()
    assert seeded_db.scalar(select(FundLedgerEntry.amount)) == D("10000.00")
