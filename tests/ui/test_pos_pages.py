"""The POS pages through AppTest: "Send POS data" names unmapped fields by the labels of its
mapping boxes (and asks a distributor for its reseller column), and "POS exceptions" shows
readable headers with the editable fields first, filters whose choices come from core, and
a "take suggestion" on a row without one refused with core's message, nothing written."""

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.pos import FIELDS
from db.models import PosException, PosLine
from tests.pages import button, open_page, texts, use_database, widget
from tests.pos.helpers import csv_file, pos_world, row, send

EDITOR = "exception_editor:None:None:None"  # pages/pos_exceptions.py, no filter chosen


@pytest.fixture
def pos_db(seeded, database_url):
    """The POS test world (p40 a distributor) with two open exceptions: a SKU suggestion
    (the file's row 2) and a bad date (row 3)."""
    with Session(seeded) as db:
        world = pos_world(db)
        send(db, world, row(invoice="S1", sku="nx_100"), row(invoice="B1", day="banana"))
        db.commit()
    use_database(database_url)
    return seeded, world


def warnings(at) -> list[str]:
    return [w.value for w in at.warning]


def test_unmapped_fields_are_named_by_their_labels_and_a_distributor_needs_its_reseller(
        pos_db):
    _, world = pos_db
    header = ("Invoice No;Line;Inv Date;Part Number;Qty;Unit Price;Currency;Extended Amount;"
              "End User;Country;Zip")  # no date the guess knows, no reseller column
    data = csv_file("A1;1;03/11/2026;NX-100;1;1.000,00;EUR;1.000,00;Acme;DE;80331",
                    header=header)
    at = open_page("pages/pos_upload.py", "finance")
    widget(at.selectbox, "Submitting partner").set_value(world["distributor"])
    at.file_uploader[0].set_value(("report.csv", data, "text/csv"))
    at.run()
    assert warnings(at) == [f"Map these first: Invoice date, {FIELDS['reseller']}"]
    widget(at.selectbox, "Submitting partner").set_value(world["p02"]).run()  # a reseller
    assert warnings(at) == ["Map these first: Invoice date"]
    widget(at.selectbox, "Invoice date").set_value("Inv Date").run()
    assert warnings(at) == []


def test_the_exceptions_grid_reads_in_words_with_its_fields_first_and_filters(pos_db):
    at = open_page("pages/pos_exceptions.py", "finance")
    [editor] = at.data_editor
    order = list(editor.proto.column_order)
    assert order[:3] == ["reason", "take", "reseller"] and "id" not in order
    assert order[2:2 + len(FIELDS)] == list(FIELDS)
    labels = {c: spec.get("label") for c, spec in json.loads(editor.proto.columns).items()}
    assert {c: labels[c] for c in ("reason", "take", "invoice_date", "detail", "row")} == {
        "reason": "Reason", "take": "Take suggestion", "invoice_date": "Invoice date",
        "detail": "Detail", "row": "Row"}
    assert list(editor.value["reason"]) == ["SKU suggestion", "Bad date"]
    reason = widget(at.selectbox, "Reason")
    assert reason.options == ["Bad date", "SKU suggestion"]
    assert widget(at.selectbox, "File").options[0].startswith("report.csv (")
    assert len(widget(at.selectbox, "Partner").options) == 1
    reason.set_value("bad_date").run()
    assert list(at.data_editor[0].value["reason"]) == ["Bad date"]
    assert "1 open that match the filters." in texts(at)


def test_taking_a_suggestion_a_row_has_not_is_refused_with_cores_message(pos_db):
    engine, _ = pos_db
    at = open_page("pages/pos_exceptions.py", "finance")
    at.session_state[EDITOR] = {"edited_rows": {1: {"take": True}}, "added_rows": [],
                                "deleted_rows": []}  # the bad-date row's box ticked
    at.run()
    button(at, "Save and check again").click().run()
    shown = [e.value.replace("\\", "") for e in at.error]  # markdown escapes taken off
    assert shown == ["Only a SKU suggestion can be taken, and row 3 of report.csv (bad date) "
                     "has none: correct the fields instead."]
    with Session(engine) as db:
        assert set(db.scalars(select(PosException.status))) == {"open"}
        assert db.scalar(select(func.count()).select_from(PosLine)) == 0
