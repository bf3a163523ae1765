"""The what-if: a program's changed terms replayed over past quarters beside the terms in
force, per partner and in total, computed by hand; and nothing written."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.errors import PermissionDenied, RuleViolation
from core.incentives.programs import get_program
from core.incentives.whatif import what_if
from db.models import IncentiveEntry, IncentiveStatement
from tests.conftest import NOW, actor_for
from tests.incentives.helpers import SYSTEM, published, sale, volume_program, world

pytestmark = pytest.mark.usefixtures("backend")
D = Decimal


def test_a_richer_first_band_replayed_over_two_quarters(seeded_db):
    db = seeded_db
    w = world(db)
    program = published(db, volume_program())
    sale(db, w, "p02", date(2026, 4, 10), "150000")  # Q2
    sale(db, w, "p03", date(2026, 8, 10), "300000")  # Q3
    sale(db, w, "p03", date(2026, 10, 2), "900000")  # Q4, not complete: not replayed
    sale(db, w, "p04", date(2026, 1, 10), "900000")  # Q1: outside the two quarters
    proposal = get_program(db, SYSTEM, program).form | {
        "brackets": [{"threshold": "100000", "rate_percent": "4"},
                     {"threshold": "250000", "rate_percent": "3"}]}
    entries = db.scalar(select(func.count()).select_from(IncentiveEntry))

    result = what_if(db, actor_for(db, "finance"), program, proposal, quarters=2, now=NOW)

    assert result.quarters == ("2026-Q2", "2026-Q3")
    by_partner = {r.partner_id: (r.before, r.after) for r in result.partners}
    # p02: 50,000 above 100,000 at 2% = 1,000 -> at 4% = 2,000.
    # p03: 150,000 x 2% + 50,000 x 3% = 4,500 -> 150,000 x 4% + 1,500 = 7,500.
    assert by_partner == {w["p02"]: (D("1000.00"), D("2000.00")),
                          w["p03"]: (D("4500.00"), D("7500.00"))}
    assert [(q.quarter, q.before, q.after) for q in result.by_quarter] == [
        ("2026-Q2", D("1000.00"), D("2000.00")), ("2026-Q3", D("4500.00"), D("7500.00"))]
    assert (result.before_total, result.after_total) == (D("5500.00"), D("9500.00"))
    assert result.partners[0].partner_id == w["p03"]  # the biggest change first
    assert db.scalar(select(func.count()).select_from(IncentiveEntry)) == entries
    assert db.scalar(select(func.count()).select_from(IncentiveStatement)) == 0


def test_what_if_checks_its_input_and_its_reader(seeded_db):
    db = seeded_db
    world(db)
    program = published(db, volume_program())
    form = get_program(db, SYSTEM, program).form
    with pytest.raises(RuleViolation, match="higher than the one before"):
        what_if(db, SYSTEM, program, form | {"brackets": [
            {"threshold": "5", "rate_percent": "1"}, {"threshold": "5", "rate_percent": "2"}]},
            now=NOW)
    with pytest.raises(RuleViolation, match="1 to 8"):
        what_if(db, SYSTEM, program, form, quarters=9, now=NOW)
    for username in ("p02.admin", "p02.rep1", "marketing"):
        with pytest.raises(PermissionDenied):
            what_if(db, actor_for(db, username), program, form, now=NOW)
