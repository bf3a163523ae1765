"""A sell-through file read into a frame of text: CSV (UTF-8 with or without BOM, UTF-16 with
BOM, or Windows-1252; comma, semicolon, tab or bar) or XLSX (its first sheet), every cell kept
as the file wrote it. Anything else is a TableError with a message a person can act on."""

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass

import pandas as pd

from core.settings import get_settings

CELL_MAX = 1_000  # a cell longer than this is cut (a field is never that long)


class TableError(Exception):
    """The file cannot be read as a table."""


@dataclass(frozen=True)
class Sheet:
    frame: pd.DataFrame  # text cells, the header's names as columns
    digest: str  # the file's SHA-256
    size: int


def read_sheet(data: bytes, file_name: str = "") -> Sheet:
    limit = get_settings().pos_max_mb * 1024 * 1024
    if not data:
        raise TableError("The file is empty.")
    if len(data) > limit:
        raise TableError(f"The file is larger than {get_settings().pos_max_mb} MB.")
    digest = hashlib.sha256(data).hexdigest()
    frame = _xlsx(data) if data[:4] == b"PK\x03\x04" else _csv(data)
    if frame.empty and not len(frame.columns):
        raise TableError("The file has no header row.")
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.fillna("").astype(str)
    for column in frame.columns:
        if len(frame) and frame[column].str.len().max() > CELL_MAX:  # rare: cut only then
            frame[column] = frame[column].str.slice(0, CELL_MAX)
    return Sheet(frame, digest, len(data))


def _text(data: bytes) -> tuple[str, bytes | None]:
    """The file's text, and its bytes without a BOM when they are that text in UTF-8."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), None
    if b"\x00" in data[:4096]:
        raise TableError("This is not a CSV or XLSX file (it holds binary data).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), None
    return text, data[3:] if data.startswith(b"\xef\xbb\xbf") else data


def _csv(data: bytes) -> pd.DataFrame:
    text, utf8 = _text(data)
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t", "|"), key=first.count)
    if first.count(delimiter) == 0 and len(first) > 200:
        raise TableError("This does not look like a table: no separator in its first line.")
    # UTF-8 (most files) goes to the parser as its bytes, which it reads as they are; a
    # StringIO of the text was a copy at four bytes a character, encoded back by the parser.
    source = io.StringIO(text) if utf8 is None else io.BytesIO(utf8)
    del text
    try:
        return pd.read_csv(source, sep=delimiter, dtype=str, keep_default_na=False,
                           quoting=csv.QUOTE_MINIMAL, engine="c",
                           encoding="utf-8" if utf8 is not None else None)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise TableError(f"The file could not be read as CSV: {str(exc)[:160]}") from None


def _xlsx(data: bytes) -> pd.DataFrame:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if not any(n.startswith("xl/") for n in archive.namelist()):
                raise TableError("This zip file is not an XLSX workbook.")
        return pd.read_excel(io.BytesIO(data), dtype=str, engine="openpyxl",
                             keep_default_na=False)
    except zipfile.BadZipFile:
        raise TableError("The file is damaged: not a readable XLSX workbook.") from None
    except (ValueError, KeyError) as exc:
        raise TableError(f"The workbook could not be read: {str(exc)[:160]}") from None
