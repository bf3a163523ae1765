"""Bad files: a wrong encoding read as Windows-1252, a file that is not a spreadsheet, an
empty file, one over the size limit, 10,000-character cells, formula-looking cells kept as
text: a clear error, or rows cleaned as far as they go, and nothing half-written."""

import pytest
from sqlalchemy import func, select

from core.pos import TableError, import_pos
from core.settings import get_settings
from db.models import PosException, PosFile, PosLine
from tests.conftest import NOW
from tests.pos.helpers import HEADER, SYSTEM, pos_world, row, send

pytestmark = pytest.mark.usefixtures("backend")


@pytest.fixture
def world(seeded_db):
    found = pos_world(seeded_db)
    seeded_db.commit()
    return found


def written(db) -> int:
    return sum(db.scalar(select(func.count()).select_from(m))
               for m in (PosFile, PosLine, PosException))


@pytest.mark.parametrize(("data", "words"), [
    (b"", "empty"),
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "not a CSV or XLSX"),
    (b"PK\x03\x04" + b"\x00" * 100, "damaged"),
])
def test_a_file_that_is_not_a_table_is_refused_and_nothing_written(seeded_db, world, data,
                                                                   words):
    with pytest.raises(TableError, match=words):
        import_pos(seeded_db, SYSTEM, world["distributor"], "x.csv", data, now=NOW)
    assert written(seeded_db) == 0


def test_a_file_over_the_limit_is_refused(seeded_db, world, monkeypatch):
    monkeypatch.setenv("PRM_POS_MAX_MB", "1")
    get_settings.cache_clear()
    try:
        big = (HEADER + "\n" + (row() + "\n") * 20_000).encode()
        with pytest.raises(TableError, match="larger than 1 MB"):
            import_pos(seeded_db, SYSTEM, world["distributor"], "big.csv", big, now=NOW)
    finally:
        get_settings.cache_clear()
    assert written(seeded_db) == 0


def test_windows_1252_long_and_formula_looking_cells(seeded_db, world):
    text = "\n".join([HEADER, row(invoice="W1", customer="Müller & Söhne"),
                      row(invoice="W2", customer="=HYPERLINK(\"http://x\")"),
                      row(invoice="W3", customer="x" * 10_000)]) + "\n"
    report = import_pos(seeded_db, SYSTEM, world["distributor"], "w.csv",
                        text.encode("cp1252"), now=NOW)
    assert report.clean == 3
    names = dict(seeded_db.execute(select(PosLine.invoice_number,
                                          PosLine.end_customer_name)).all())
    assert names["W1"] == "Müller & Söhne"
    assert names["W2"] == "=HYPERLINK(\"http://x\")"  # kept as text (exports neutralise it)
    assert len(names["W3"]) == 200


def test_a_10000_character_invoice_number_is_kept_to_its_width_and_deduplicated(seeded_db,
                                                                               world):
    report = send(seeded_db, world, row(invoice="A" * 10_000), row(invoice="OK"))
    assert (report.rows, report.clean) == (2, 2)
    assert len(seeded_db.scalar(select(PosLine.invoice_number).where(
        PosLine.invoice_number != "OK"))) == 60
    again = send(seeded_db, world, row(invoice="A" * 10_000))
    assert again.duplicates == 1
