"""CSV and XLSX exports with spreadsheet formula injection neutralised."""

import csv
import io
import itertools
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@")
FORMULA_PREFIXES = (*FORMULA_STARTS, "\t", "\r", "\n")
# A spreadsheet skips blanks before a formula (" =1+1" runs too) and may read ";" and "|" as
# separators (a part split off at ";" may start a formula; "|" calls a program in DDE).
BLANKS = " \t\r\n"
SEPARATORS = (";", "|")


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet could run as a formula gets a leading apostrophe: text that
    starts with = + - @ (after any spaces, tabs or line breaks) or with a tab or line break,
    and text that holds a ";" or a "|"."""
    if isinstance(value, str) and (value.startswith(FORMULA_PREFIXES)
                                   or value.lstrip(BLANKS).startswith(FORMULA_STARTS)
                                   or any(sep in value for sep in SEPARATORS)):
        return "'" + value
    return value


def csv_value(value: Any) -> Any:
    """A value as a CSV cell: times in ISO 8601 UTC to the second (2026-11-28T09:30:00+00:00),
    dates as 2026-11-28, nothing for None, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return safe_cell(value)


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")


MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def _format_of(value: Any) -> str | None:
    if isinstance(value, datetime):
        return TIME_FORMAT
    if isinstance(value, date):
        return DATE_FORMAT
    if isinstance(value, Decimal):
        return MONEY_FORMAT
    return None


def _width(name: str, sample: Any) -> float:
    """A column wide enough for its header and for the first row's value (at most 60)."""
    fmt = _format_of(sample)
    shown = {TIME_FORMAT: 19, DATE_FORMAT: 10, MONEY_FORMAT: 14}.get(
        fmt, len(str(sample)) if sample is not None else 0)
    return min(max(len(name), shown, 8) + 2, 60)


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], *,
            sheet_title: str = "Export") -> bytes:
    """One sheet: the header in bold, frozen and with filters; columns as wide as their header
    and first value; money, dates and times in number formats. Text that looks like a
    formula is written as text with the same leading apostrophe as in CSV; a timezone-aware
    time is written as naive UTC (Excel has no zones)."""
    return to_xlsx_sheets([(sheet_title, header, rows)])


def to_xlsx_sheets(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]
                   ) -> bytes:
    """Several sheets (title, header, rows), each written as `to_xlsx` writes its one."""
    # Imported here: openpyxl is slow to import and only exports need it.
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for title, header, rows in sheets:
        _write_sheet(wb.create_sheet(title=title[:31]), header, rows)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _write_sheet(ws: Any, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    rows = iter(rows)
    first = next(rows, None)
    for n, name in enumerate(header, 1):  # widths go before the first row in write-only
        sample = first[n - 1] if first is not None and n <= len(first) else None
        ws.column_dimensions[get_column_letter(n)].width = _width(name, sample)
    ws.freeze_panes = "A2"

    def cell(value: Any):
        if isinstance(value, datetime):  # to the second, as shown
            if value.tzinfo is not None:
                value = value.astimezone(UTC).replace(tzinfo=None)
            value = value.replace(microsecond=0)
        out = WriteOnlyCell(ws, value=safe_cell(value))
        if isinstance(value, str):
            out.data_type = "s"  # never "f": text is never run as a formula
        elif fmt := _format_of(value):
            out.number_format = fmt
        return out

    bold = Font(bold=True)
    head = [cell(name) for name in header]
    for c in head:
        c.font = bold
    ws.append(head)
    count = 0
    for row in itertools.chain([first] if first is not None else [], rows):
        ws.append([cell(v) for v in row])
        count += 1
    if header:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
