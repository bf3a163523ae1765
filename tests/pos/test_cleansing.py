"""Cleansing, rule by rule: each row of a distributor's messy file is clean, an exception
with its reason, or a duplicate; amounts exact to the cent in the base currency."""

from datetime import date

import pytest
from sqlalchemy import func, select

from core.pos.exceptions import fix_exceptions, list_exceptions, take_suggestion
from db.models import DealRegistration, PosException, PosFile, PosLine
from tests.conftest import NOW
from tests.pos.helpers import SYSTEM, D, pos_world, row, send

pytestmark = pytest.mark.usefixtures("backend")


@pytest.fixture
def world(seeded_db):
    found = pos_world(seeded_db)
    seeded_db.commit()
    return found


def reasons(report) -> dict[str, int]:
    return report.by_reason


def test_a_clean_line_is_converted_at_its_dates_rate_to_the_cent(seeded_db, world):
    report = send(seeded_db, world, row(unit="333,33", qty="3", extended="999,99"))
    assert (report.rows, report.clean, report.exceptions, report.duplicates) == (1, 1, 0, 0)
    [line] = seeded_db.scalars(select(PosLine)).all()
    assert (line.quantity, line.extended_amount, line.currency) == (3, D("999.99"), "EUR")
    assert line.amount == D("1079.99")  # 999.99 x 1.08 = 1,079.9892: half up to the cent
    assert report.clean_amount == D("1079.99")
    assert line.seller_id == world["p02"] and line.reseller_id == world["p02"]
    assert line.invoice_date == date(2026, 11, 3)


@pytest.mark.parametrize(("fields", "reason"), [
    ({"invoice": ""}, "missing_field"),
    ({"day": "banana"}, "bad_date"),
    ({"day": "31/12/2027"}, "future_date"),
    ({"extended": "12.34.56", "unit": ""}, "bad_amount"),
    ({"qty": "two"}, "bad_amount"),
    ({"sku": "ZZ-999"}, "unknown_sku"),
    ({"sku": "nx 100"}, "sku_suggestion"),
    ({"sku": "NX-10O"}, "sku_suggestion"),
    ({"currency": "GBP"}, "no_rate"),
    ({"reseller": "Nobody Incorporated"}, "unknown_reseller"),
    ({"reseller": ""}, "missing_field"),
    ({"unit": "1,00", "extended": "2,00"}, "outlier"),
])
def test_each_rule_sends_its_row_to_the_exceptions_with_its_reason(seeded_db, world, fields,
                                                                   reason):
    report = send(seeded_db, world, row(**fields), row(invoice="OK-1"))
    assert (report.clean, report.exceptions) == (1, 1)
    assert reasons(report) == {reason: 1}
    [exception] = seeded_db.scalars(select(PosException)).all()
    assert (exception.reason, exception.row_number) == (reason, 2)
    assert exception.detail and exception.raw["invoice_number"] == fields.get("invoice", "INV-1")


def test_dates_in_the_files_format_and_excel_serials(seeded_db, world):
    serial = (date(2026, 11, 2) - date(1899, 12, 30)).days  # Excel's day number
    report = send(seeded_db, world, row(invoice="A", day=str(serial)),
                  row(invoice="B", day="13/11/2026"))
    assert report.clean == 2
    days = sorted(seeded_db.scalars(select(PosLine.invoice_date)).all())
    assert days == [date(2026, 11, 2), date(2026, 11, 13)]


def test_a_return_and_a_credit_note_are_negative(seeded_db, world):
    report = send(seeded_db, world, row(invoice="R", qty="-1", unit="1.000,00",
                                        extended="1.000,00"),
                  row(invoice="C", qty="1", extended="(1.000,00)", unit=""))
    assert report.clean == 2
    got = {x.invoice_number: (x.quantity, x.amount) for x in seeded_db.scalars(select(PosLine))}
    assert got == {"R": (-1, D("-1080.00")), "C": (-1, D("-1080.00"))}
    assert report.clean_amount == D("-2160.00")


def test_the_same_file_again_adds_only_duplicates(seeded_db, world):
    rows = (row(invoice="A"), row(invoice="B", sku="ZZ-1"), row(invoice="", qty="1"),
            row(invoice="A"))
    first = send(seeded_db, world, *rows)
    assert (first.rows, first.clean, first.exceptions, first.duplicates) == (4, 1, 2, 1)
    again = send(seeded_db, world, *rows)
    assert (again.clean, again.exceptions, again.duplicates) == (0, 0, 4)
    assert seeded_db.scalar(select(func.count()).select_from(PosLine)) == 1
    assert seeded_db.scalar(select(func.count()).select_from(PosException)) == 2


def test_a_dry_run_counts_as_a_real_run_and_writes_nothing(seeded_db, world):
    rows = (row(invoice="A"), row(invoice="B", currency="GBP"))
    dry = send(seeded_db, world, *rows, dry_run=True)
    assert seeded_db.scalar(select(func.count()).select_from(PosFile)) == 0
    real = send(seeded_db, world, *rows)
    assert dry.as_json() == real.as_json()


def test_a_suggestion_taken_is_remembered_for_the_next_file(seeded_db, world):
    send(seeded_db, world, row(invoice="S1", sku="nx_100"))
    [exception], _ = list_exceptions(seeded_db, SYSTEM)
    assert exception.detail == "Did you mean NX-100?"
    done = take_suggestion(seeded_db, SYSTEM, exception.id, now=NOW)
    assert done.fixed == 1
    assert seeded_db.scalar(select(PosLine.invoice_number)) == "S1"
    later = send(seeded_db, world, row(invoice="S2", sku="nx_100"))
    assert later.clean == 1  # the template knows the spelling now


def test_a_corrected_exception_is_checked_again(seeded_db, world):
    send(seeded_db, world, row(invoice="F1", day="banana"), row(invoice="F2", currency="GBP"))
    open_, total = list_exceptions(seeded_db, SYSTEM)
    assert total == 2
    by_invoice = {e.raw["invoice_number"]: e.id for e in open_}
    report = fix_exceptions(seeded_db, SYSTEM, {by_invoice["F1"]: {"invoice_date": "05/11/2026"},
                                                by_invoice["F2"]: {"currency": "CHF"}},
                            now=NOW)
    assert (report.fixed, report.still_open) == (1, 1)
    left, _ = list_exceptions(seeded_db, SYSTEM)
    assert [(e.raw["invoice_number"], e.reason) for e in left] == [("F2", "no_rate")]
    assert seeded_db.scalar(select(PosLine.invoice_date)) == date(2026, 11, 5)


def test_a_line_sold_for_a_registered_customer_confirms_the_registration(seeded_db, world):
    from core.deals import approve_deal, register_deal
    from tests.conftest import actor_for
    from tests.deals.test_deals import form

    rep = actor_for(seeded_db, "p02.admin")
    deal = register_deal(seeded_db, rep, form(seeded_db, company="Acme GmbH", country="DE",
                                              website="acme-gmbh.example",
                                              product_line_ids=[world["lines"][0]]), now=NOW)
    if deal.status != "approved":
        approve_deal(seeded_db, actor_for(seeded_db, "channel"), deal.id, now=NOW)
    send(seeded_db, world, row(invoice="D1", sku="NX-200"))  # another product line: no
    assert seeded_db.get(DealRegistration, deal.id).pos_confirmed_at is None
    send(seeded_db, world, row(invoice="D2", sku="NX-100"))
    assert seeded_db.get(DealRegistration, deal.id).pos_confirmed_at is not None


def test_a_corrected_date_is_read_in_its_files_format(seeded_db, world):
    """A file of American dates: a date typed into its exception reads as the file's did,
    even when it would read as European alone (11/10 is November 10th here)."""
    send(seeded_db, world, row(invoice="U1", day="11/13/2026"), row(invoice="U2", day="nope"))
    [bad], _ = list_exceptions(seeded_db, SYSTEM)
    fix_exceptions(seeded_db, SYSTEM, {bad.id: {"invoice_date": "11/10/2026"}}, now=NOW)
    assert seeded_db.scalar(select(PosLine.invoice_date).where(
        PosLine.invoice_number == "U2")) == date(2026, 11, 10)


def test_two_spellings_of_one_known_customer_both_point_to_it(seeded_db, world):
    from core.deals import register_deal
    from tests.conftest import actor_for
    from tests.deals.test_deals import form

    rep = actor_for(seeded_db, "p02.admin")
    deal = register_deal(seeded_db, rep, form(seeded_db, company="Acme GmbH", country="DE",
                                              website="acme-gmbh.example"), now=NOW)
    customer = seeded_db.get(DealRegistration, deal.id).end_customer_id
    send(seeded_db, world, row(invoice="S1", customer="Acme GmbH"),
         row(invoice="S2", customer="ACME G.m.b.H."))
    found = dict(seeded_db.execute(select(PosLine.invoice_number, PosLine.end_customer_id)
                                   .where(PosLine.invoice_number.in_(["S1", "S2"]))).all())
    assert found == {"S1": customer, "S2": customer}
