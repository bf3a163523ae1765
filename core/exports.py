"""CSV and XLSX exports with spreadsheet formula injection neutralised."""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
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


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], *,
            sheet_title: str = "Export") -> bytes:
    """One sheet, header in bold. Text that looks like a formula is written as text with the
    same leading apostrophe as in CSV; a timezone-aware time is written as naive UTC (Excel
    has no zones)."""
    # Imported here: openpyxl is slow to import and only exports need it.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title[:31])

    def cell(value: Any):
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        out = WriteOnlyCell(ws, value=safe_cell(value))
        if isinstance(value, str):
            out.data_type = "s"  # never "f": text is never run as a formula
        return out

    bold = Font(bold=True)
    head = [cell(name) for name in header]
    for c in head:
        c.font = bold
    ws.append(head)
    for row in rows:
        ws.append([cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
