"""The exceptions queue's filters (reason, partner, file: choices from core, within the
actor's scope) and "take suggestion" refused, naming the row, on a row that has none."""

import pytest
from sqlalchemy import func, select

from core.errors import RuleViolation
from core.pos.exceptions import (
    exception_filters,
    list_exceptions,
    take_suggestion,
    take_suggestions,
)
from db.models import PosException, PosLine
from tests.conftest import NOW, actor_for
from tests.pos.helpers import SYSTEM, pos_world, row, send

pytestmark = pytest.mark.usefixtures("backend")


def open_by_invoice(db) -> dict[str, int]:
    return {e.raw["invoice_number"]: e.id for e in list_exceptions(db, SYSTEM)[0]}


def lines(db) -> int:
    return db.scalar(select(func.count()).select_from(PosLine))


def test_taking_a_suggestion_a_row_does_not_have_is_refused_and_writes_nothing(seeded_db):
    world = pos_world(seeded_db)
    send(seeded_db, world, row(invoice="S1", sku="nx_100"), row(invoice="B1", day="banana"))
    found = open_by_invoice(seeded_db)
    before = lines(seeded_db)
    with pytest.raises(RuleViolation, match=r"row 3 of report\.csv \(bad date\) has none"
                       ) as refused:
        take_suggestion(seeded_db, SYSTEM, found["B1"], now=NOW)
    assert refused.value.field == "take"
    # Several at once: all or none, so the row that has one is not taken either.
    with pytest.raises(RuleViolation, match="Only a SKU suggestion can be taken"):
        take_suggestions(seeded_db, SYSTEM, [found["S1"], found["B1"]], now=NOW)
    assert lines(seeded_db) == before
    assert set(seeded_db.scalars(select(PosException.status))) == {"open"}
    done = take_suggestions(seeded_db, SYSTEM, [found["S1"]], now=NOW)
    assert (done.fixed, done.still_open) == (1, 0)
    assert lines(seeded_db) == before + 1


def test_the_filters_offer_what_the_queue_holds_and_narrow_it(seeded_db):
    world = pos_world(seeded_db)
    send(seeded_db, world, row(invoice="S1", sku="nx_100"), row(invoice="B1", day="banana"),
         row(invoice="B2", day="pear"))
    finance = actor_for(seeded_db, "finance")
    choices = exception_filters(seeded_db, finance)
    assert choices.reasons == [("bad_date", "Bad date"), ("sku_suggestion", "SKU suggestion")]
    assert [p for p, _ in choices.partners] == [world["distributor"]]
    [(file_id, label)] = choices.files
    assert label.startswith("report.csv (")
    assert exception_filters(seeded_db, finance, partner_id=world["p02"]).files == []
    rows, total = list_exceptions(seeded_db, finance, reason="bad_date", file_id=file_id)
    assert total == 2 and {r.raw["invoice_number"] for r in rows} == {"B1", "B2"}
    assert list_exceptions(seeded_db, finance, file_id=file_id + 1000)[1] == 0
    # A partner admin's choices are its own exceptions' only.
    other = exception_filters(seeded_db, actor_for(seeded_db, "p03.admin"))
    assert (other.reasons, other.partners, other.files) == ([], [], [])
