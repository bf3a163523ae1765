"""POS data in the browser: finance sends a messy sell-through file for the distributor p09
(American dates, amounts with thousands separators, one GBP line, a reseller in capitals,
one column mapped by hand), checks it (nothing written), imports it, then fixes its two
exceptions in the POS exceptions table: takes the SKU suggestion of one row and types a
real date into the other. Both become clean lines, shown in POS lines; the demo's ten
exceptions stay open, untouched. Then finance runs the quarter's incentive calculation, and
p01's admin (the file's reseller) downloads its statement: its total is the ledger's, grown by
what the file's lines earned under the demo's volume rebate."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import func, select

from core.incentives.periods import quarter_of
from core.pos import FIELDS
from db.models import (
    CurrencyRate,
    IncentiveEntry,
    IncentiveStatement,
    Partner,
    PosException,
    PosFile,
    PosLine,
    Product,
    User,
)
from db.session import make_engine, unit_of_work
from tests.e2e.helpers import choose, fresh_page, go, open_first_row, sign_in_as, wait_idle

FILE = "sell-through-rios-e2e.csv"
HEADER = ["Invoice No", "Line", "Inv Date", "Part Number", "Qty", "Unit Price", "Currency",
          "Ext Price", "Reseller", "End User", "Country", "Zip"]
US = "%m/%d/%Y"  # the file's dates, as p09 writes them
SUGGESTED, UNDATED = "E2E-7090", "E2E-7091"  # the rows that cannot be cleaned as sent
# The POS exceptions editor's columns, in order (pages/pos_exceptions.py).
EDITOR = ["reason", "take", *FIELDS, "detail", "partner", "file", "row"]


def demo(app_server) -> tuple[int, str, str, list[tuple[str, Decimal]], Fraction]:
    """p09's partner (id, name), p01's partner (the reseller), a few catalog products (SKU, list
    price) and the GBP rate."""
    engine = make_engine(app_server.database_url)
    with unit_of_work(engine) as db:
        p09_id, p09 = db.execute(select(Partner.id, Partner.name).join(
            User, User.partner_id == Partner.id).where(User.username == "p09.admin")).one()
        reseller = db.scalar(select(Partner.name).join(
            User, User.partner_id == Partner.id).where(User.username == "p01.admin"))
        products = [tuple(p) for p in db.execute(
            select(Product.sku, Product.list_price).where(Product.active)
            .order_by(Product.id).limit(6))]
        gbp = db.scalar(select(CurrencyRate.rate).where(CurrencyRate.currency == "GBP")
                        .order_by(CurrencyRate.valid_on.desc()))
    engine.dispose()
    return p09_id, p09, reseller, products, Fraction(gbp)


def last_day(before: date, wanted) -> date:
    day = before
    while not wanted(day):
        day -= timedelta(days=1)
    return day


def messy_file(reseller: str, products, gbp: Fraction, today: date
               ) -> tuple[bytes, Decimal, date, date]:
    """Ten rows as a distributor writes them: eight clean, one SKU written loosely, one date
    that is not a date. Returns the file, the clean rows' amount in dollars, the date of the
    SKU row (one that reads only one way: its day is over 12) and the date to type for the
    undated row (one that also reads as an earlier European date, both in the past: only
    the file's format tells which it is)."""
    rows, total = [], Decimal(0)
    for i in range(8):
        sku, price = products[i % len(products)]
        qty = (1, 2, 3, 5)[i % 4]
        currency = "GBP" if i == 3 else "USD"
        unit = (price * Decimal("0.9") / (Decimal(gbp.numerator) / gbp.denominator)
                if currency == "GBP" else price * Decimal("0.9")).quantize(Decimal("0.01"))
        extended = unit * qty
        cents = Fraction(int(extended * 100)) * (gbp if currency == "GBP" else 1)
        total += Decimal(int(cents + Fraction(1, 2))) / 100  # half up, as the import rounds
        rows.append([f"E2E-70{i:02d}", "1", (today - timedelta(days=2 + 3 * i)).strftime(US),
                     sku, str(qty), f"${unit:,.2f}", currency, f"{extended:,.2f}",
                     reseller.upper() if i == 5 else reseller, f"E2E Customer {i}", "US",
                     "10001"])
    sku, price = products[0]
    suggested_on = last_day(today - timedelta(days=1), lambda d: d.day > 12)
    typed_on = last_day(today - timedelta(days=2), lambda d: d.day < d.month)
    rows.append([SUGGESTED, "1", suggested_on.strftime(US), sku.lower().replace("-", " "), "1",
                 f"{price:,.2f}", "USD", f"{price:,.2f}", reseller, "E2E Customer 8", "US",
                 "10001"])
    rows.append([UNDATED, "1", "end of the month", sku, "1", f"{price:,.2f}", "USD",
                 f"{price:,.2f}", reseller, "E2E Customer 9", "US", "10001"])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode(), total, suggested_on, typed_on


def metric(page: Page, label: str):
    return page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    ).get_by_test_id("stMetricValue")


def cell(page: Page, column: str, row: int):
    """A cell of the exceptions editor (drawn on a canvas: its cells are in the page, hidden,
    for assistive technology)."""
    return page.get_by_test_id("stDataFrame").first.get_by_test_id(
        f"glide-cell-{EDITOR.index(column)}-{row}")


def walk(page: Page, start: tuple[int, int], end: tuple[int, int]) -> None:
    """Move the grid's selected cell from `start` to `end` ((row, column index) each) with
    the arrow keys, one step at a time: each key waits for the grid to have drawn the
    last one (the grid scrolls along, so the selected cell is always in the page)."""
    (row, col), (to_row, to_col) = start, end
    while (row, col) != (to_row, to_col):
        if row != to_row:
            step = 1 if to_row > row else -1
            row += step
            page.keyboard.press("ArrowDown" if step > 0 else "ArrowUp")
        else:
            step = 1 if to_col > col else -1
            col += step
            page.keyboard.press("ArrowRight" if step > 0 else "ArrowLeft")
        expect(page.get_by_test_id(f"glide-cell-{col}-{row}")).to_have_attribute(
            "aria-selected", "true")


def rerun_after(page: Page, action, timeout: float = 5_000) -> bool:
    """Do `action` (an edit in the grid) and wait for the rerun it causes to end; False
    when none began within `timeout` ms. The grid sends its edits to the server 150 ms
    after the last one: a button pressed sooner runs without the edit."""
    page.evaluate("""() => {
        const app = document.querySelector("[data-testid='stApp']");
        window.prmStateChanges = 0;
        window.prmObserver?.disconnect();
        window.prmObserver = new MutationObserver(seen => {
            window.prmStateChanges += seen.length;
        });
        window.prmObserver.observe(app, {attributeFilter: ["data-test-script-state"]});
    }""")
    action()
    try:
        page.wait_for_function("() => window.prmStateChanges > 0", timeout=timeout)
    except PlaywrightTimeout:
        return False
    wait_idle(page)
    return True


def type_in_cell(page: Page, text: str, attempts: int = 3) -> None:
    """Type `text` into the grid's selected cell: Enter opens its editor, Enter keeps what
    was typed. An edit the grid drops (rarely, under load: no rerun follows) is typed
    again, as a person would on seeing the old value still there."""
    editor = page.get_by_test_id("portal").get_by_role("textbox")
    for _ in range(attempts):
        page.keyboard.press("Enter")
        expect(editor).to_be_focused()
        if editor.input_value() == text:  # kept after all
            page.keyboard.press("Escape")
            expect(editor).to_have_count(0)
            return
        page.keyboard.press("ControlOrMeta+a")
        page.keyboard.type(text)
        # The editor sizes itself by a copy of what it holds: once the copy reads the
        # text, the editor has it (not only its text box), and Enter keeps it.
        expect(page.get_by_test_id("portal").locator(".gdg-growing-entry > div")
               ).to_have_text(text)
        kept = rerun_after(page, lambda: page.keyboard.press("Enter"))
        expect(editor).to_have_count(0)
        if kept:
            return
    raise AssertionError(f"the grid never kept {text!r}")


def file_state(app_server, partner_id: int, invoices: list[str]):
    """The file's record (if any), its invoices' clean lines and what became of their
    exceptions, and the other open exceptions."""
    engine = make_engine(app_server.database_url)
    with unit_of_work(engine) as db:
        sent = db.scalar(select(PosFile).where(PosFile.file_name == FILE))
        sent = (sent.rows, sent.clean, sent.exceptions, sent.duplicates) if sent else None
        lines = {n: (d, s) for n, d, s in db.execute(
            select(PosLine.invoice_number, PosLine.invoice_date, Product.sku)
            .join(Product, Product.id == PosLine.product_id)
            .where(PosLine.partner_id == partner_id, PosLine.invoice_number.in_(invoices)))}
        ours = dict(db.execute(select(PosException.dedupe_key, PosException.status)
                               .join(PosFile, PosFile.id == PosException.file_id)
                               .where(PosFile.file_name == FILE)).all())
        others = db.scalar(select(func.count()).select_from(PosException)
                           .join(PosFile, PosFile.id == PosException.file_id)
                           .where(PosFile.file_name != FILE, PosException.status == "open"))
    engine.dispose()
    return sent, lines, ours, others


def accrued(app_server, partner_name: str, quarter) -> tuple[int | None, Decimal]:
    """The partner's statement of the quarter (its id, or None) and what the ledger accrued
    on it."""
    engine = make_engine(app_server.database_url)
    with unit_of_work(engine) as db:
        statement = db.scalar(select(IncentiveStatement.id).join(
            Partner, Partner.id == IncentiveStatement.partner_id).where(
            Partner.name == partner_name, IncentiveStatement.starts_on == quarter.starts_on))
        total = db.scalar(select(func.sum(IncentiveEntry.amount)).where(
            IncentiveEntry.statement_id == statement, IncentiveEntry.kind == "accrue"))
    engine.dispose()
    return statement, total or Decimal("0.00")


def test_a_messy_file_is_checked_imported_and_its_exceptions_fixed_then_paid_on(
        browser, app_server, tmp_path):
    p09_id, p09, reseller, products, gbp = demo(app_server)
    data, clean_amount, suggested_on, typed_on = messy_file(reseller, products, gbp,
                                                            date.today())
    invoices = [f"E2E-70{i:02d}" for i in range(8)] + [SUGGESTED, UNDATED]
    upload = tmp_path / FILE
    upload.write_bytes(data)
    assert file_state(app_server, p09_id, invoices)[3] == 10  # the demo's, all open

    finance = fresh_page(browser, app_server)
    sign_in_as(finance, "finance")
    go(finance, "Send POS data")
    choose(finance, "Submitting partner", p09)
    finance.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(upload)
    wait_idle(finance)
    # "Inv Date" is no header the guess knows: the only field to map by hand.
    expect(finance.get_by_text("Guessed from the headers: check each field.")).to_be_visible()
    expect(finance.get_by_text("Map these first: Invoice date")).to_be_visible()
    choose(finance, "Invoice date", "Inv Date")
    expect(finance.get_by_text("Map these first")).to_have_count(0)
    wait_idle(finance)  # the rerun that drew it is under way: let it end
    expect(finance.get_by_label("Remember this mapping for this partner")).to_be_checked()

    finance.get_by_role("button", name="Check it (writes nothing)").click()
    expect(metric(finance, "Rows")).to_have_text("10")
    expect(metric(finance, "Clean")).to_have_text("8")
    expect(metric(finance, "Exceptions")).to_have_text("2")
    expect(metric(finance, "Duplicates")).to_have_text("0")
    expect(finance.get_by_text("bad date 1 · sku suggestion 1")).to_be_visible()
    wait_idle(finance)
    assert file_state(app_server, p09_id, invoices)[:3] == (None, {}, {})  # nothing written

    finance.get_by_role("button", name="Import", exact=True).click()
    expect(finance.get_by_text(
        f"Imported: 8 clean lines (${clean_amount:,.2f}), 2 exceptions, 0 duplicates.")
    ).to_be_visible()
    wait_idle(finance)
    sent, lines, ours, others = file_state(app_server, p09_id, invoices)
    assert sent == (10, 8, 2, 0)
    assert sorted(lines) == invoices[:8]
    assert ours == {f"{SUGGESTED}|1": "open", f"{UNDATED}|1": "open"}

    # The exceptions table lists the open ones; finance narrows it to the file's two.
    go(finance, "POS exceptions")
    expect(finance.get_by_text("12 open.")).to_be_visible()
    choose(finance, "File", FILE)
    expect(finance.get_by_text("2 open that match the filters.")).to_be_visible()
    take_row, date_row = 0, 1
    # (Only the cells in view are in the page: the reason comes first, the file's fields
    # after it.)
    for row, reason in ((take_row, "SKU suggestion"), (date_row, "Bad date")):
        expect(cell(finance, "reason", row)).to_have_text(reason)
    save = finance.get_by_role("button", name="Save and check again")
    expect(save).to_be_disabled()  # nothing changed yet

    # Select the first cell, then walk to the row's "Take" box: the space bar ticks it. (The
    # hidden copy of the cells is not redrawn for an edit: the button, enabled, tells.)
    grid = finance.get_by_test_id("stDataFrame").first
    box = grid.bounding_box()
    finance.mouse.click(box["x"] + 20, box["y"] + 35 + 17)  # under the 35 px header
    expect(cell(finance, "reason", 0)).to_have_attribute("aria-selected", "true")
    take = (take_row, EDITOR.index("take"))
    if take != (0, 0):
        walk(finance, (0, 0), take)
    for _ in range(3):  # a press the grid drops (no rerun, the button still off): again
        if rerun_after(finance, lambda: finance.keyboard.press("Space")) or save.is_enabled():
            break
    expect(save).to_be_enabled()  # the page has the change
    # On to the other row's date, and type one in the file's format.
    walk(finance, take, (date_row, EDITOR.index("invoice_date")))
    expect(cell(finance, "invoice_number", take_row)).to_have_text(SUGGESTED)
    expect(cell(finance, "invoice_number", date_row)).to_have_text(UNDATED)
    expect(cell(finance, "invoice_date", date_row)).to_have_text("end of the month")
    type_in_cell(finance, typed_on.strftime(US))
    save.click()
    expect(finance.get_by_text("2 fixed, 0 still open.")).to_be_visible()
    # The file has no open row left, so the filter offers it no more: the demo's ten remain.
    expect(finance.get_by_text("10 open.")).to_be_visible()
    wait_idle(finance)

    # The file's ten rows are clean lines now, the demo's ten exceptions still open.
    sent, lines, ours, others = file_state(app_server, p09_id, invoices)
    assert sorted(lines) == sorted(invoices)
    assert ours == {f"{SUGGESTED}|1": "fixed", f"{UNDATED}|1": "fixed"}
    assert others == 10

    # POS lines shows the row whose SKU suggestion was taken, as the catalog's SKU.
    go(finance, "POS lines")
    table = finance.get_by_test_id("stDataFrame")
    # The newest invoices first, a few hundred lines: find it with the table's search
    # (once it has counted the match, Enter goes to it and the table scrolls there).
    table.hover()
    table.get_by_role("button", name="Search").click()
    finance.keyboard.type(f"{SUGGESTED}/1")
    expect(finance.get_by_text("1 result", exact=True)).to_be_visible()
    finance.keyboard.press("Enter")
    row = table.get_by_role("row", include_hidden=True).filter(has_text=f"{SUGGESTED}/1")
    expect(row).to_contain_text(suggested_on.isoformat())
    expect(row).to_contain_text(products[0][0])
    expect(row).to_contain_text(reseller)

    # Both fixed rows are dated as the file meant: its dates are American.
    assert lines[SUGGESTED] == (suggested_on, products[0][0])
    assert lines[UNDATED] == (typed_on, products[0][0]), (
        f"typed {typed_on.strftime(US)} (the file's American format) but the line is dated "
        f"{lines[UNDATED][0]}")

    # Finance runs the incentive calculation of the quarter the file's first lines are in.
    quarter = quarter_of(date.today() - timedelta(days=2))
    _, before = accrued(app_server, reseller, quarter)
    go(finance, "Incentive statements")
    if quarter != quarter_of(date.today()):
        choose(finance, "Quarter", quarter.label)
    again = "to date" if quarter == quarter_of(date.today()) else "again"
    finance.get_by_role("button", name=f"Calculate {quarter.label} {again}").click()
    expect(finance.get_by_text(f"{quarter.label}: ")).to_be_visible()
    wait_idle(finance)
    statement, after = accrued(app_server, reseller, quarter)
    assert statement is not None and after > before  # the file's sales earned a rebate

    # p01's admin opens its statement and downloads it: the total is the ledger's.
    partner = fresh_page(browser, app_server)
    sign_in_as(partner, "p01.admin")
    go(partner, "Incentive statements")
    if quarter != quarter_of(date.today()):
        choose(partner, "Quarter", quarter.label)
    open_first_row(partner)
    expect(partner.get_by_role("heading", name=f"{reseller}: {quarter.label}")).to_be_visible()
    with partner.expect_download() as info:
        partner.get_by_role("button", name="Statement XLSX").click()
    book = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    earnings = list(book["Earnings"].iter_rows(min_row=2, values_only=True))
    assert earnings[-1][0] == "Total"
    assert Decimal(str(earnings[-1][-1])).quantize(Decimal("0.01")) == after
    summary = dict(book["Statement"].iter_rows(min_row=2, values_only=True))
    assert (summary["Partner"], summary["Quarter"]) == (reseller, quarter.label)
