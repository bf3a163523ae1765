"""Statements as partners and finance read them: each role's reach (a partner never sees
another's statement, figures or files), and the PDF and workbook saying the ledger's totals."""

import io
import re
import zlib
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core.errors import NotFound, PermissionDenied
from core.incentives.calculation import calculate
from core.incentives.documents import statement_pdf, statement_xlsx
from core.incentives.statements import approve, get_statement, list_statements, pay
from tests.conftest import NOW, actor_for
from tests.incentives.helpers import SYSTEM, published, sale, volume_program, world

pytestmark = pytest.mark.usefixtures("backend")
D = Decimal


@pytest.fixture
def calculated(seeded_db):
    db = seeded_db
    w = world(db)
    published(db, volume_program(name="=HYPERLINK(\"x\") rebate"))
    sale(db, w, "p02", date(2026, 7, 10), "150000")
    sale(db, w, "p03", date(2026, 8, 10), "300000")
    calculate(db, SYSTEM, date(2026, 8, 1), now=NOW)
    return w


def test_each_role_reaches_only_what_it_may(seeded_db, calculated):
    db, w = seeded_db, calculated
    own = {r.partner_id for r in list_statements(db, actor_for(db, "p02.admin"))}
    assert own == {w["p02"]}
    # Asking for another partner's gives nothing, and its id is "not found".
    assert list_statements(db, actor_for(db, "p02.admin"), partner_id=w["p03"]) == []
    other = list_statements(db, SYSTEM, partner_id=w["p03"])[0].id
    for read in (get_statement, statement_pdf, statement_xlsx):
        with pytest.raises(NotFound):
            read(db, actor_for(db, "p02.admin"), other)
    with pytest.raises(PermissionDenied):
        list_statements(db, actor_for(db, "p02.rep1"))
    for username in ("admin", "channel", "marketing", "finance", "exec", "analyst"):
        assert len(list_statements(db, actor_for(db, username))) == 2
    for username in ("admin", "channel", "p03.admin"):
        with pytest.raises(PermissionDenied):
            approve(db, actor_for(db, username), other, expected=D("4500.00"), now=NOW)
    with pytest.raises(PermissionDenied):
        calculate(db, actor_for(db, "p03.admin"), date(2026, 8, 1), now=NOW)
    approve(db, actor_for(db, "finance"), other, expected=D("4500.00"), now=NOW)
    with pytest.raises(PermissionDenied):
        pay(db, actor_for(db, "admin"), other, {"amount": "1", "reference": "x"}, now=NOW)


def _pdf_text(data: bytes) -> str:
    """The text drawn on the PDF's pages (uncompressed streams: the statement is written
    without page compression so that it can be read back)."""
    chunks = re.findall(rb"\((.*?)\) Tj", data)
    if not chunks:
        chunks = [zlib.decompress(s) for s in re.findall(rb"stream\r?\n(.*?)endstream", data,
                                                         re.S)]
    return " ".join(c.decode("latin-1") for c in chunks)


@pytest.mark.usefixtures("calculated")
def test_the_documents_say_the_ledgers_totals(seeded_db):
    db = seeded_db
    p03 = actor_for(db, "p03.admin")
    statement = list_statements(db, p03)[0]
    approve(db, actor_for(db, "finance"), statement.id, expected=D("4500.00"), now=NOW)
    pay(db, actor_for(db, "finance"), statement.id, {"amount": "4000", "reference": "TR-9"},
        now=NOW)
    out = get_statement(db, p03, statement.id)
    assert sum(line.earned for line in out.lines) == out.row.earned == D("4500.00")

    name, data = statement_xlsx(db, p03, statement.id)
    assert name.startswith("incentive-statement-2026-Q3-") and name.endswith(".xlsx")
    book = load_workbook(io.BytesIO(data))
    summary = dict(book["Statement"].iter_rows(min_row=2, values_only=True))
    assert (summary["Earned"], summary["Paid"], summary["Approved, not yet paid"]) == (
        4500, 4000, 500)
    earnings = list(book["Earnings"].iter_rows(min_row=2, values_only=True))
    assert earnings[-1][0] == "Total" and earnings[-1][-1] == 4500
    assert earnings[0][0].startswith("'=HYPERLINK")  # a formula-looking name stays text
    ledger_rows = list(book["Ledger"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in ledger_rows] == ["Accrued", "Approved", "Paid"]
    assert [r[4] for r in ledger_rows] == [4500, 4500, 4000]

    name, data = statement_pdf(db, p03, statement.id)
    assert data.startswith(b"%PDF") and name.endswith(".pdf")
    text = _pdf_text(data)
    assert "Incentive statement" in text and "2026-Q3" in text
    assert "4,500.00 USD" in text and "500.00 USD" in text and "TR-9" in text


def test_home_says_what_waits_for_finance_and_for_the_partner(seeded_db, calculated):
    from core.home import waiting

    db = seeded_db

    def queue(username: str) -> dict[str, int]:
        return {w.label: w.count for w in waiting(db, actor_for(db, username), now=NOW)
                if "ncentive" in w.label}

    assert queue("finance") == {"Incentive statements waiting for approval": 2}
    statement = list_statements(db, actor_for(db, "p03.admin"))[0]
    approve(db, actor_for(db, "finance"), statement.id, expected=D("4500.00"), now=NOW)
    assert queue("finance") == {"Incentive statements waiting for approval": 1,
                                "Approved incentive statements to pay": 1}
    assert queue("p03.admin") == {"Incentive statements approved, payment to come": 1}
    assert queue("p02.admin") == {}
    assert queue("channel") == {}  # its programs are all published


def test_a_rep_follows_only_the_spiffs_that_name_it(seeded_db):
    from sqlalchemy import select as select_

    from core.incentives.statements import rep_spiffs
    from db.models import User
    from tests.incentives.helpers import spiff_program

    db = seeded_db
    w = world(db)
    published(db, spiff_program(w), effective_from=date(2026, 7, 1))
    rep = actor_for(db, "p02.rep1")
    email = db.scalar(select_(User.email).where(User.id == rep.user_id))
    for qty, who in ((3, email.upper()), (2, "someone@else.example"), (-1, email)):
        sale(db, w, "p02", date(2026, 8, 10), str(25 * qty), product="nx200", qty=qty, rep=who)
    sale(db, w, "p03", date(2026, 8, 10), "100", product="nx200", qty=4, rep=email)  # not its
    calculate(db, SYSTEM, date(2026, 8, 1), now=NOW)
    [mine] = rep_spiffs(db, rep)
    assert (mine.quarter, mine.program, mine.units, mine.earned, mine.status_label) == (
        "2026-Q3", "August SPIFF", 2, D("50.00"), "To review")
    assert rep_spiffs(db, actor_for(db, "p03.rep1")) == []
    with pytest.raises(PermissionDenied):
        rep_spiffs(db, actor_for(db, "p02.admin"))


def test_payments_join_the_scorecard(seeded_db, calculated):
    from sqlalchemy import select as select_

    from core.analytics import Period, scorecard
    from db.models import AnalyticsVersion

    db = seeded_db
    p03 = actor_for(db, "p03.admin")
    statement = list_statements(db, p03)[0]
    approve(db, actor_for(db, "finance"), statement.id, expected=D("4500.00"), now=NOW)
    version = db.scalar(select_(AnalyticsVersion.version).where(
        AnalyticsVersion.partner_id == p03.partner_id)) or 0
    pay(db, actor_for(db, "finance"), statement.id, {"amount": "4000", "reference": "T"},
        now=NOW)
    assert db.scalar(select_(AnalyticsVersion.version).where(
        AnalyticsVersion.partner_id == p03.partner_id)) > version
    card = scorecard(db, actor_for(db, "channel"), p03.partner_id,
                     Period(date(2026, 11, 1), date(2026, 11, 1)))
    assert card.kpi("incentives_paid").value == D("4000.00")
