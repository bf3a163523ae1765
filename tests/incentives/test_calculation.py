"""The quarter's calculation from clean POS lines: every program's figures as worked out by
hand, eligibility, idempotence, late lines posting only the difference, and the ledger's
invariants after each step."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from core.errors import RuleViolation
from core.incentives import ledger
from core.incentives.calculation import calculate
from core.incentives.statements import approve, get_statement, list_statements, pay
from db.models import IncentiveEntry
from tests.conftest import NOW
from tests.incentives.helpers import (
    SYSTEM,
    growth_program,
    published,
    sale,
    spiff_program,
    volume_program,
    world,
)

pytestmark = pytest.mark.usefixtures("backend")
D = Decimal
Q3 = date(2026, 8, 15)


def earned(db, partner_id) -> dict[str, Decimal]:
    rows = list_statements(db, SYSTEM, partner_id=partner_id, starts_on=date(2026, 7, 1))
    if not rows:
        return {}
    out: dict[str, Decimal] = {}
    for line in get_statement(db, SYSTEM, rows[0].id).lines:  # a SPIFF's reps added up
        out[line.program] = out.get(line.program, D("0.00")) + line.earned
    return out


@pytest.fixture
def w(seeded_db):
    return world(seeded_db)


def test_volume_growth_and_spiff_as_worked_out_by_hand(seeded_db, w):
    db = seeded_db
    published(db, volume_program())
    published(db, growth_program())
    published(db, spiff_program(w), effective_from=date(2026, 7, 1))
    sale(db, w, "p02", date(2025, 8, 1), "100000")      # p02 a year earlier
    sale(db, w, "p02", date(2026, 7, 1), "120000")      # +20%: growth 20,000
    sale(db, w, "p03", date(2026, 9, 30), "260000")     # no sales a year earlier
    sale(db, w, "p04", date(2025, 7, 2), "100000")
    sale(db, w, "p04", date(2026, 8, 2), "109999.99")   # a cent short of 10% growth
    sale(db, w, "p04", date(2026, 10, 1), "500000")     # the next quarter: not counted
    for day, qty, rep in ((date(2026, 8, 1), 3, "A@x.example"), (date(2026, 8, 31), 2,
                          "a@x.example"), (date(2026, 8, 15), -1, "a@x.example"),
                          (date(2026, 7, 31), 4, "a@x.example"), (date(2026, 9, 1), 5,
                          "a@x.example"), (date(2026, 8, 10), 2, "b@x.example"),
                          (date(2026, 8, 11), 1, None)):
        sale(db, w, "p02", day, str(25 * qty), product="nx200", qty=qty, rep=rep)

    run = calculate(db, SYSTEM, Q3, now=NOW)

    # p02 sold 120,000 + 16 NX-200 units at 25 (all in the quarter) = 120,400:
    # volume (120,400 - 100,000) x 2% = 408.00; growth 20,400 x 5% = 1,020.00 (20.4%);
    # SPIFF: 4 units for a, 2 for b, 1 unnamed inside August = 7 x 25.
    assert earned(db, w["p02"]) == {"Volume rebate": D("408.00"), "Growth rebate": D("1020.00"),
                                    "August SPIFF": D("175.00")}
    # p03: 150,000 x 2% + 10,000 x 3% = 3,300; growth from a zero base: 260,000 x 5%.
    assert earned(db, w["p03"]) == {"Volume rebate": D("3300.00"),
                                    "Growth rebate": D("13000.00")}
    # p04: 9,999.99 above 100,000 at 2% = 200.00 (199.9998); growth 9.99999%: nothing.
    assert earned(db, w["p04"]) == {"Volume rebate": D("200.00")}
    assert run.entries == 8 and run.net_amount == D("18103.00")
    assert ledger.check(db).ok


def test_spiff_pays_each_named_rep_for_units_in_its_window(seeded_db, w):
    db = seeded_db
    program = published(db, spiff_program(w), effective_from=date(2026, 7, 1))
    for day, qty, rep in ((date(2026, 8, 1), 3, "A@x.example"), (date(2026, 8, 31), 2,
                          "a@x.example"), (date(2026, 8, 15), -1, "a@x.example"),
                          (date(2026, 7, 31), 4, "a@x.example"), (date(2026, 9, 1), 5,
                          "a@x.example"), (date(2026, 8, 10), 2, "b@x.example"),
                          (date(2026, 8, 11), 1, None)):
        sale(db, w, "p02", day, str(25 * qty), product="nx200", qty=qty, rep=rep)
    calculate(db, SYSTEM, Q3, now=NOW)
    statement = list_statements(db, SYSTEM, partner_id=w["p02"])[0]
    by_rep = {line.rep_email: line.earned for line in get_statement(db, SYSTEM,
                                                                     statement.id).lines
              if line.program_id == program}
    # a: 3 (first day) + 2 (last day) - 1 returned = 4; July 31st and September 1st are out.
    assert by_rep == {"a@x.example": D("100.00"), "b@x.example": D("50.00"), "": D("25.00")}


def test_eligibility_by_tier_and_certified_users(seeded_db, w):
    db = seeded_db
    gold = w["tiers"]["Gold"]
    published(db, volume_program(eligible_tier_ids=[gold]))
    published(db, volume_program(name="Certified rebate", min_certified_users=50))
    sale(db, w, "p02", date(2026, 7, 5), "200000")  # Silver
    sale(db, w, "p03", date(2026, 7, 5), "200000")  # Gold
    calculate(db, SYSTEM, Q3, now=NOW)
    assert earned(db, w["p02"]) == {}
    assert earned(db, w["p03"]) == {"Volume rebate": D("2000.00")}  # nobody has 50 certified


def test_running_twice_posts_nothing_and_late_lines_post_the_difference(seeded_db, w):
    db = seeded_db
    published(db, volume_program())
    sale(db, w, "p03", date(2026, 7, 10), "260000")
    first = calculate(db, SYSTEM, Q3, now=NOW)
    assert (first.entries, first.net_amount) == (1, D("3300.00"))
    assert calculate(db, SYSTEM, Q3, now=NOW).entries == 0

    statement = list_statements(db, SYSTEM, partner_id=w["p03"])[0]
    approve(db, SYSTEM, statement.id, expected=D("3300.00"), now=NOW)
    pay(db, SYSTEM, statement.id, {"amount": "3300", "reference": "TR-1"}, now=NOW)
    sale(db, w, "p03", date(2026, 9, 30), "10000")  # reported late: 10,000 more at 3%
    late = calculate(db, SYSTEM, Q3, now=NOW)
    assert (late.entries, late.net_amount) == (1, D("300.00"))
    amounts = db.scalars(select(IncentiveEntry.amount).where(
        IncentiveEntry.statement_id == statement.id).order_by(IncentiveEntry.id)).all()
    assert amounts == [D("3300.00"), D("3300.00"), D("3300.00"), D("300.00")]  # history kept
    row = list_statements(db, SYSTEM, partner_id=w["p03"])[0]
    assert (row.earned, row.approved, row.paid, row.status) == (
        D("3600.00"), D("3300.00"), D("3300.00"), "to review")

    sale(db, w, "p03", date(2026, 9, 30), "-70000")  # a credit note: back to 200,000
    down = calculate(db, SYSTEM, Q3, now=NOW)
    assert down.net_amount == D("-1600.00")  # 3,600 -> 2,000
    approve(db, SYSTEM, statement.id, expected=D("-1300.00"), now=NOW)
    row = list_statements(db, SYSTEM, partner_id=w["p03"])[0]
    assert (row.approved, row.owed) == (D("2000.00"), D("-1300.00"))
    with pytest.raises(RuleViolation, match="recovered"):
        pay(db, SYSTEM, statement.id, {"amount": "100", "reference": "TR-2"}, now=NOW)
    pay(db, SYSTEM, statement.id, {"amount": D("-1300"), "reference": "CN-1"}, now=NOW)
    row = list_statements(db, SYSTEM, partner_id=w["p03"])[0]
    assert (row.paid, row.status) == (D("2000.00"), "settled")
    assert ledger.check(db).ok


def test_approval_and_payment_refuse_what_does_not_add_up(seeded_db, w):
    db = seeded_db
    published(db, volume_program())
    sale(db, w, "p03", date(2026, 7, 10), "150000")
    calculate(db, SYSTEM, Q3, now=NOW)
    statement = list_statements(db, SYSTEM, partner_id=w["p03"])[0]
    with pytest.raises(RuleViolation, match="changed since you opened it"):
        approve(db, SYSTEM, statement.id, expected=D("999.00"), now=NOW)
    with pytest.raises(RuleViolation, match="approved and unpaid"):
        pay(db, SYSTEM, statement.id, {"amount": "1", "reference": "X"}, now=NOW)
    approve(db, SYSTEM, statement.id, expected=D("1000.00"), now=NOW)
    with pytest.raises(RuleViolation, match="Nothing"):
        approve(db, SYSTEM, statement.id, expected=D("0"), now=NOW)
    with pytest.raises(RuleViolation, match="at most"):
        pay(db, SYSTEM, statement.id, {"amount": "1000.01", "reference": "X"}, now=NOW)
    pay(db, SYSTEM, statement.id, {"amount": "400", "reference": "part 1"}, now=NOW)
    pay(db, SYSTEM, statement.id, {"amount": "600", "reference": "part 2"}, now=NOW)
    assert list_statements(db, SYSTEM, partner_id=w["p03"])[0].status == "settled"
    assert ledger.check(db).ok


def test_a_quarter_not_begun_is_refused(seeded_db, w):
    with pytest.raises(RuleViolation, match="not begun"):
        calculate(seeded_db, SYSTEM, date(2027, 1, 1), now=NOW)


def test_the_ledger_refuses_changes_and_the_check_finds_a_forged_entry(seeded_db, w):
    db = seeded_db
    published(db, volume_program())
    sale(db, w, "p03", date(2026, 7, 10), "150000")
    calculate(db, SYSTEM, Q3, now=NOW)
    entry = db.scalar(select(func.max(IncentiveEntry.id)))
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(text("UPDATE incentive_ledger SET amount = 1 WHERE id = :i"),
                   {"i": entry})
    statement = list_statements(db, SYSTEM, partner_id=w["p03"])[0]
    db.add(IncentiveEntry(statement_id=statement.id, partner_id=w["p03"], kind="approve",
                          amount=D("5000.00"), actor_label="forger",
                          at=NOW))
    db.flush()
    problems = ledger.check(db).problems
    assert any("approval" in p and "5000.00" in p for p in problems)
