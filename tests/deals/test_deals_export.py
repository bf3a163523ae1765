"""Won revenue (what tiers and scorecards read) and the won-deals export for finance."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core.deals import (
    WonSummary,
    approve_deal,
    change_final_amount,
    export_won_csv,
    export_won_xlsx,
    mark_lost,
    mark_won,
    won_deals,
    won_revenue,
    won_summary,
)
from core.errors import PermissionDenied, RuleViolation
from tests.conftest import NOW, actor_for
from tests.deals.test_deals import partner_id, register


def won(db, username: str, amount: str, *, days_ago: int, **over) -> int:
    """Registered, approved and won `days_ago` days before NOW."""
    at = NOW - timedelta(days=days_ago + 10)
    deal = register(db, username, now=at, **over)
    approve_deal(db, actor_for(db, "channel"), deal.id, now=at)
    mark_won(db, actor_for(db, username), deal.id, amount, now=NOW - timedelta(days=days_ago))
    db.commit()
    return deal.id


def customer(n: int, name: str | None = None) -> dict:
    return dict(company=name or f"Customer {n}", website=f"customer{n}.com",
                contact_email=f"buyer@customer{n}.com")


def test_won_revenue_is_the_trailing_twelve_months_summed_exactly(seeded_db):
    won(seeded_db, "p01.rep1", "0.10", days_ago=10, **customer(1))
    won(seeded_db, "p01.rep1", "0.20", days_ago=200, **customer(2))
    won(seeded_db, "p01.rep2", "1000.00", days_ago=364, **customer(3))
    won(seeded_db, "p01.rep1", "5000.00", days_ago=366, **customer(4))  # older than a year
    won(seeded_db, "p02.rep1", "7.00", days_ago=5, **customer(5))  # another partner
    lost = register(seeded_db, "p01.rep1", **customer(6))
    approve_deal(seeded_db, actor_for(seeded_db, "channel"), lost.id, now=NOW)
    mark_lost(seeded_db, actor_for(seeded_db, "p01.rep1"), lost.id, "No budget", now=NOW)
    seeded_db.commit()
    p01 = partner_id(seeded_db, 1)
    assert won_revenue(seeded_db, p01, now=NOW) == Decimal("1000.30")
    assert won_revenue(seeded_db, p01, now=NOW + timedelta(days=2)) == Decimal("0.30")
    assert won_revenue(seeded_db, partner_id(seeded_db, 15), now=NOW) == Decimal("0.00")


def test_won_revenue_follows_a_corrected_final_amount(seeded_db):
    deal_id = won(seeded_db, "p01.rep1", "1000", days_ago=1)
    change_final_amount(seeded_db, actor_for(seeded_db, "channel"), deal_id, "900.55",
                        "Credit note", now=NOW)
    seeded_db.commit()
    assert won_revenue(seeded_db, partner_id(seeded_db, 1), now=NOW) == Decimal("900.55")


def test_won_deals_for_a_period_as_csv_and_xlsx_with_formulas_neutralised(seeded_db):
    evil = '=HYPERLINK("http://evil.example","Click")'
    inside = won(seeded_db, "p01.rep1", "1234.56", days_ago=20, **customer(1, evil))
    won(seeded_db, "p02.rep1", "99.00", days_ago=10, **customer(2, "+Plus Industries"))
    won(seeded_db, "p01.rep1", "5.00", days_ago=100, **customer(3))  # before the period
    start, end = (NOW - timedelta(days=30)).date(), NOW.date()
    finance = actor_for(seeded_db, "finance")

    rows = won_deals(seeded_db, finance, start, end)
    assert [(r.deal_id, r.final_amount) for r in rows][0] == (inside, Decimal("1234.56"))
    assert len(rows) == 2

    text = export_won_csv(seeded_db, finance, start, end).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:4] == ["Deal", "Partner", "Tier", "End customer"]
    assert [r[3] for r in table[1:]] == ["'" + evil, "'+Plus Industries"]
    assert [r[6] for r in table[1:]] == ["1234.56", "99.00"]

    book = load_workbook(io.BytesIO(export_won_xlsx(seeded_db, finance, start, end)))
    sheet = book.active
    assert sheet.title == f"Won {start:%Y-%m-%d} to {end:%Y-%m-%d}"
    assert [c.value for c in sheet[1]][:4] == ["Deal", "Partner", "Tier", "End customer"]
    cell = sheet.cell(row=2, column=4)
    assert cell.value == "'" + evil and cell.data_type == "s"
    assert sheet.cell(row=3, column=4).value == "'+Plus Industries"
    assert sheet.cell(row=2, column=7).value == pytest.approx(1234.56)
    assert sheet.cell(row=2, column=8).value.date() == (NOW - timedelta(days=20)).date()
    assert sheet.max_row == 3


def test_won_deals_come_in_pages_with_the_summary_of_all_of_them(seeded_db):
    amounts = ["10.10", "20.20", "30.30", "40.40", "50.50"]
    ids = [won(seeded_db, "p01.rep1", a, days_ago=30 - i, **customer(i))
           for i, a in enumerate(amounts)]
    won(seeded_db, "p02.rep1", "1.00", days_ago=40, **customer(9))  # before the period
    start, end = (NOW - timedelta(days=35)).date(), NOW.date()
    finance = actor_for(seeded_db, "finance")

    summary = won_summary(seeded_db, finance, start, end)
    assert (summary.count, summary.total) == (5, Decimal("151.50"))
    pages = [won_deals(seeded_db, finance, start, end, limit=2, offset=o) for o in (0, 2, 4, 6)]
    assert [[r.deal_id for r in page] for page in pages] == [ids[:2], ids[2:4], ids[4:], []]
    assert won_summary(seeded_db, finance, start, end, partner_id=partner_id(seeded_db, 2)) \
        == WonSummary(0, Decimal("0.00"))
    with pytest.raises(RuleViolation, match="before its start"):
        won_summary(seeded_db, finance, end, start)
    with pytest.raises(PermissionDenied):
        won_summary(seeded_db, actor_for(seeded_db, "p01.admin"), start, end)


def test_who_may_export_won_deals(seeded_db):
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    for username in ("finance", "channel", "admin", "exec"):
        export_won_csv(seeded_db, actor_for(seeded_db, username), start, end)
    for username in ("p01.admin", "p01.rep1", "analyst", "marketing"):
        with pytest.raises(PermissionDenied):
            export_won_xlsx(seeded_db, actor_for(seeded_db, username), start, end)
    with pytest.raises(RuleViolation) as exc:
        export_won_csv(seeded_db, actor_for(seeded_db, "finance"), end, start)
    assert exc.value.field == "end"
