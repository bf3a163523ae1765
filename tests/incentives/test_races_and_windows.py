"""What moves under a calculation: four calculations of one quarter at once post its earnings
once; a plan computed before new POS lines arrived is computed again when posted; the daily
job; a window or a terms change that is saved but not published never reaches a quarter;
growth across the turn of the year; the what-if's "before" taken quarter by quarter; a
payment waiting for a lowered approval."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import RuleViolation
from core.incentives import calculation, ledger
from core.incentives.calculation import calculate, plan, post
from core.incentives.jobs import plan_quarters, run
from core.incentives.programs import get_program, publish, retire, update_program
from core.incentives.statements import approve, list_statements, pay
from core.incentives.whatif import what_if
from db.models import IncentiveEntry, IncentiveRun
from db.session import unit_of_work
from tests.conftest import NOW, actor_for
from tests.funds.test_overdraw import PeakConnections, racing  # noqa: F401 - a fixture
from tests.incentives.helpers import (
    SYSTEM,
    growth_program,
    published,
    sale,
    volume_program,
    world,
)

pytestmark = pytest.mark.usefixtures("backend")
D = Decimal
Q3 = date(2026, 8, 15)


def earned(db, partner_id, starts_on=date(2026, 7, 1)) -> Decimal:
    rows = list_statements(db, SYSTEM, partner_id=partner_id, starts_on=starts_on)
    return rows[0].earned if rows else D("0.00")


def test_four_calculations_at_once_post_the_quarter_once(seeded, racing, monkeypatch):  # noqa: F811
    with unit_of_work(seeded) as db:
        w = world(db)
        published(db, volume_program())
        sale(db, w, "p03", date(2026, 7, 10), "260000")
    real = ledger.accrued

    def slow_accrued(*args, **kwargs):  # widen the gap between reading and posting
        found = real(*args, **kwargs)
        time.sleep(0.05)
        return found
    monkeypatch.setattr(calculation.ledger, "accrued", slow_accrued)
    start = threading.Barrier(4)

    def one(_):
        start.wait(timeout=60)
        with unit_of_work(racing, immediate=True) as db:
            return calculate(db, SYSTEM, Q3, now=NOW).entries

    peak = PeakConnections(racing)
    with ThreadPoolExecutor(max_workers=4) as pool:
        posted = sorted(pool.map(one, range(4)))
    assert peak.stop() > 1, "the calculations did not overlap"
    assert posted == [0, 0, 0, 1]
    with Session(seeded) as db:
        assert earned(db, w["p03"]) == D("3300.00")
        assert db.scalar(select(func.count()).select_from(IncentiveRun)) == 4
        assert ledger.check(db).ok


def test_a_plan_that_new_lines_overtook_is_computed_again_when_posted(seeded_db):
    db = seeded_db
    w = world(db)
    published(db, volume_program())
    sale(db, w, "p03", date(2026, 7, 10), "260000")
    planned = plan(db, SYSTEM, Q3, now=NOW)
    sale(db, w, "p03", date(2026, 7, 11), "10000")  # arrives while the plan waits
    out = post(db, SYSTEM, planned, now=NOW)
    assert out.net_amount == D("3600.00")  # 3,300 + 10,000 at 3%, not the plan's 3,300


def test_the_daily_job_does_this_quarter_and_the_last_and_then_nothing(seeded_db):
    db = seeded_db
    w = world(db)
    published(db, volume_program())
    sale(db, w, "p03", date(2026, 9, 30), "110000")   # the previous quarter (Q3)
    sale(db, w, "p03", date(2026, 10, 1), "120000")   # this one (Q4)
    first = run(db, NOW, plan_quarters(db, NOW))
    assert first.startswith("2026-Q3: 1 accrual(s)") and "2026-Q4: 1 accrual(s)" in first
    assert (earned(db, w["p03"]), earned(db, w["p03"], date(2026, 10, 1))) == (
        D("200.00"), D("400.00"))
    assert run(db, NOW, plan_quarters(db, NOW)).count("nothing changed") == 2


def test_a_saved_but_unpublished_change_reaches_no_quarter(seeded_db):
    db = seeded_db
    w = world(db)
    admin = actor_for(db, "admin")
    program = published(db, volume_program())
    sale(db, w, "p03", date(2026, 7, 10), "150000")
    calculate(db, SYSTEM, Q3, now=NOW)
    statement = list_statements(db, SYSTEM, partner_id=w["p03"])[0].id
    approve(db, SYSTEM, statement, expected=D("1000.00"), now=NOW)
    pay(db, SYSTEM, statement, {"amount": "1000", "reference": "TR-1"}, now=NOW)
    # The working copy moves its window past the quarter and doubles the rate: saved only.
    form = get_program(db, admin, program).form
    update_program(db, admin, program, form | {"starts_on": date(2027, 1, 1), "brackets": [
        {"threshold": "100000", "rate_percent": "4"}]}, now=NOW)
    assert calculate(db, SYSTEM, Q3, now=NOW).entries == 0
    assert list_statements(db, SYSTEM, partner_id=w["p03"])[0].status == "settled"


def test_retiring_mid_quarter_counts_the_sales_until_the_last_day(seeded_db):
    db = seeded_db
    w = world(db)
    admin = actor_for(db, "admin")
    program = published(db, volume_program())
    sale(db, w, "p03", date(2026, 11, 20), "150000")
    sale(db, w, "p03", date(2026, 11, 30), "90000")  # after the last day
    retire(db, admin, program, date(2026, 11, 26), now=NOW)
    calculate(db, SYSTEM, date(2026, 11, 1), now=datetime(2026, 12, 31, tzinfo=UTC))
    assert earned(db, w["p03"], date(2026, 10, 1)) == D("1000.00")  # 50,000 above at 2%


def test_growth_over_the_same_quarter_across_the_turn_of_the_year(seeded_db):
    db = seeded_db
    w = world(db)
    published(db, growth_program())
    sale(db, w, "p03", date(2025, 2, 28), "100000")  # 2025-Q1
    sale(db, w, "p03", date(2025, 12, 31), "500000")  # 2025-Q4: not the base of 2026-Q1
    sale(db, w, "p03", date(2026, 1, 1), "130000")  # 2026-Q1: 30% up on 2025-Q1
    calculate(db, SYSTEM, date(2026, 2, 1), now=NOW)
    assert earned(db, w["p03"], date(2026, 1, 1)) == D("1500.00")  # 30,000 x 5%


def test_the_what_ifs_before_is_what_was_in_force_in_each_quarter(seeded_db):
    db = seeded_db
    w = world(db)
    program = published(db, volume_program())  # 2% / 3% since 2025
    sale(db, w, "p03", date(2026, 8, 10), "150000")
    # A richer first band published for next year does not change what Q3 earned.
    admin = actor_for(db, "admin")
    form = get_program(db, admin, program).form
    update_program(db, admin, program, form | {"brackets": [
        {"threshold": "100000", "rate_percent": "5"}]}, now=NOW)
    publish(db, admin, program, date(2027, 1, 1), now=NOW)
    result = what_if(db, admin, program, form, quarters=1, now=NOW)
    assert (result.before_total, result.after_total) == (D("1000.00"), D("1000.00"))


def test_a_lowered_approval_comes_before_any_payment(seeded_db):
    db = seeded_db
    w = world(db)
    published(db, volume_program())
    sale(db, w, "p03", date(2026, 7, 10), "150000")
    calculate(db, SYSTEM, Q3, now=NOW)
    statement = list_statements(db, SYSTEM, partner_id=w["p03"])[0].id
    approve(db, SYSTEM, statement, expected=D("1000.00"), now=NOW)
    sale(db, w, "p03", date(2026, 7, 11), "-40000")  # a credit note: 110,000 earns 200
    calculate(db, SYSTEM, Q3, now=NOW)
    with pytest.raises(RuleViolation, match="at most what is approved and unpaid: \\$200.00"):
        pay(db, SYSTEM, statement, {"amount": "1000", "reference": "TR-1"}, now=NOW)
    pay(db, SYSTEM, statement, {"amount": "200", "reference": "TR-1"}, now=NOW)
    with pytest.raises(RuleViolation, match="approve that first"):
        pay(db, SYSTEM, statement, {"amount": "1", "reference": "TR-2"}, now=NOW)
    approve(db, SYSTEM, statement, expected=D("-800.00"), now=NOW)
    row = list_statements(db, SYSTEM, partner_id=w["p03"])[0]
    assert (row.earned, row.approved, row.paid, row.status) == (
        D("200.00"), D("200.00"), D("200.00"), "settled")
    assert db.scalar(select(func.count()).select_from(IncentiveEntry)) == 5
    assert ledger.check(db).ok
