"""Exports that open ready to read (issue #14): CSV times in ISO form to the second; XLSX
with a frozen, filtered header, columns that fit, money and dates in number formats."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from core.exports import DATE_FORMAT, MONEY_FORMAT, TIME_FORMAT, to_csv, to_xlsx

HEADER = ["Deal", "Customer", "Closed on", "Final amount (USD)", "Updated"]
ROWS = [
    [301, "Northwind Traders Inc.", date(2026, 11, 2), Decimal("48000.50"),
     datetime(2026, 11, 28, 9, 30, 15, 123456, tzinfo=UTC)],
    [302, '=HYPERLINK("x")', date(2026, 11, 3), Decimal("1250.00"), None],
]


def test_csv_times_are_iso_to_the_second_and_dates_plain():
    lines = list(csv.reader(io.StringIO(to_csv(HEADER, ROWS).decode("utf-8-sig"))))
    assert lines[1] == ["301", "Northwind Traders Inc.", "2026-11-02", "48000.50",
                        "2026-11-28T09:30:15+00:00"]
    assert lines[2][1].startswith("'=") and lines[2][4] == ""


def test_xlsx_has_a_frozen_filtered_header_fitting_columns_and_number_formats():
    sheet = load_workbook(io.BytesIO(to_xlsx(HEADER, ROWS))).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:E3"
    assert sheet["A1"].font.bold
    widths = {c: sheet.column_dimensions[c].width for c in "ABCDE"}
    assert widths["B"] >= len("Northwind Traders Inc.")
    assert widths["D"] >= len("Final amount (USD)")
    assert (sheet["C2"].number_format, sheet["D2"].number_format,
            sheet["E2"].number_format) == (DATE_FORMAT, MONEY_FORMAT, TIME_FORMAT)
    assert sheet["E2"].value == datetime(2026, 11, 28, 9, 30, 15)  # UTC, to the second
    assert sheet["B3"].data_type == "s" and sheet["B3"].value.startswith("'=")


def test_an_empty_export_still_opens_with_its_header():
    sheet = load_workbook(io.BytesIO(to_xlsx(HEADER, []))).active
    assert [c.value for c in sheet[1]] == HEADER and sheet.auto_filter.ref == "A1:E1"
