"""Programs: drafts, publication from this quarter or a later one, terms that never reach
back into a quarter already over."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from core.errors import PermissionDenied, RuleViolation
from core.incentives.calculation import calculate
from core.incentives.programs import (
    create_program,
    get_program,
    list_programs,
    publish,
    retire,
    update_program,
)
from core.incentives.statements import get_statement, list_statements
from tests.conftest import NOW, actor_for
from tests.incentives.helpers import SYSTEM, sale, spiff_program, volume_program, world

pytestmark = pytest.mark.usefixtures("backend")
D = Decimal


def test_a_change_published_for_next_quarter_leaves_this_one_alone(seeded_db):
    db = seeded_db
    w = world(db)
    channel = actor_for(db, "channel")
    program = create_program(db, channel, volume_program(), now=NOW)
    assert program.status == "draft" and program.in_force is None
    with pytest.raises(RuleViolation, match="already over"):
        publish(db, channel, program.id, date(2026, 7, 1), now=NOW)
    publish(db, channel, program.id, date(2026, 10, 1), now=NOW)  # this quarter (Q4)
    update_program(db, channel, program.id, volume_program(brackets=[
        {"threshold": "0", "rate_percent": "10"}]), now=NOW)
    # Saved, not yet published: the calculation still uses the published terms.
    sale(db, w, "p03", date(2026, 10, 5), "150000")
    calculate(db, SYSTEM, date(2026, 10, 5), now=NOW)
    statement = list_statements(db, SYSTEM, partner_id=w["p03"])[0]
    assert statement.earned == D("1000.00")
    publish(db, channel, program.id, date(2027, 1, 1), note="10% flat from 2027", now=NOW)
    calculate(db, SYSTEM, date(2026, 10, 5), now=NOW)
    assert list_statements(db, SYSTEM, partner_id=w["p03"])[0].earned == D("1000.00")
    line = get_statement(db, SYSTEM, statement.id).lines[0]
    assert line.rule.startswith("2% from 100,000.00 USD; 3% from 250,000.00 USD")
    assert get_program(db, channel, program.id).in_force_from == date(2027, 1, 1)
    with pytest.raises(RuleViolation, match="later quarter"):
        publish(db, channel, program.id, date(2026, 10, 1), now=NOW)


def test_input_is_checked_beside_its_field(seeded_db):
    db = seeded_db
    w = world(db)
    admin = actor_for(db, "admin")
    cases = [(volume_program(brackets=[]), "brackets"),
             (volume_program(brackets=[{"threshold": "10", "rate_percent": "101"}]),
              "brackets"),
             (spiff_program(w, ends_on=None), "ends_on"),
             (spiff_program(w, product_ids=[]), "product_ids"),
             (spiff_program(w, product_ids=[999_999]), "product_ids"),
             (volume_program(name=""), "name"),
             (volume_program(starts_on="31/31/2026"), "starts_on")]
    for data, field in cases:
        with pytest.raises((RuleViolation, ValueError)) as err:
            create_program(db, admin, data, now=NOW)
        text = str(err.value)
        assert field in getattr(err.value, "field", "") or field in text, (field, text)
    create_program(db, admin, volume_program(), now=NOW)
    with pytest.raises(RuleViolation, match="Another program"):
        create_program(db, admin, volume_program(), now=NOW)


def test_retiring_closes_the_window_and_who_may_keep_programs(seeded_db):
    db = seeded_db
    w = world(db)
    admin = actor_for(db, "admin")
    program = create_program(db, admin, spiff_program(w, ends_on=date(2027, 6, 30)), now=NOW)
    with pytest.raises(RuleViolation, match="Only a published"):
        retire(db, admin, program.id, date(2026, 12, 31), now=NOW)
    publish(db, admin, program.id, date(2026, 10, 1), now=NOW)
    out = retire(db, admin, program.id, date(2026, 12, 31),
                 now=datetime(2026, 11, 27, tzinfo=UTC))
    assert (out.status, out.ends_on) == ("retired", date(2026, 12, 31))
    assert [p.name for p in list_programs(db, actor_for(db, "finance"))] == ["August SPIFF"]
    for username in ("finance", "marketing", "p02.admin"):
        with pytest.raises(PermissionDenied):
            create_program(db, actor_for(db, username), volume_program(name="X"), now=NOW)
    with pytest.raises(PermissionDenied):
        list_programs(db, actor_for(db, "p02.admin"))
