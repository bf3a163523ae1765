"""Leads from a CRM export (CSV or XLSX): read the table, guess which column is which from the
headers (Salesforce's and HubSpot's export names among others), check every row, and add the
good ones that are not duplicates in one transaction.

Rows are numbered as a spreadsheet shows them: the header is line 1, the first data row line 2.
A row with a bad field is rejected with each reason (line, field, message); a row that repeats
a lead already kept, or one earlier in the same file, is a duplicate; the rest are imported.
rows = imported + duplicates + rejected. A dry run counts the same and writes nothing."""

import csv
import hashlib
import io
import re
import uuid
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import puremagic
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.funds.activities import funded_ids
from core.leads import fields
from core.leads.intake import (
    INTAKE_LOCK,
    KEYS,
    duplicate_of,
    existing_keys,
    product_lines,
    row_of,
)
from core.permissions import require
from db import locks
from db.models import Lead
from db.types import utcnow

MAX_BYTES = 200 * 1024 * 1024
WRITE_BATCH = 2_000
KEPT_ERRORS = 1_000  # row errors a report keeps (the CLI prints the first 20)
Progress = Callable[[int, int], None]  # (rows checked, rows)

# Our field -> header names as exports spell them, folded (lower case, letters and digits).
ALIASES: dict[str, tuple[str, ...]] = {
    "company": ("company", "companyname", "account", "accountname", "organization",
                "organisation", "associatedcompany", "associatedcompanyname", "employer",
                "company / account", "companyaccount"),
    "website": ("website", "websiteurl", "companywebsite", "web", "url", "domain",
                "companydomain", "companydomainname", "associatedcompanydomain"),
    "first_name": ("firstname", "first", "givenname", "forename"),
    "last_name": ("lastname", "last", "surname", "familyname"),
    "email": ("email", "emailaddress", "workemail", "businessemail", "contactemail"),
    "phone": ("phone", "phonenumber", "mobile", "mobilephone", "mobilephonenumber",
              "telephone", "workphone", "businessphone"),
    "title": ("title", "jobtitle", "position"),
    "country": ("country", "countryregion", "countrycode", "countryname", "mailingcountry",
                "billingcountry", "address country"),
    "state": ("state", "stateregion", "stateprovince", "province", "stateorprovince",
              "mailingstate", "billingstate", "county", "mailingstateprovince",
              "billingstateprovince"),
    "postal_code": ("postalcode", "zip", "zipcode", "postcode", "postalzipcode",
                    "mailingpostalcode", "billingpostalcode", "zip/postal code",
                    "mailingzippostalcode", "billingzippostalcode"),
    "city": ("city", "town", "mailingcity", "billingcity"),
    "industry": ("industry", "sector", "companyindustry"),
    "company_size": ("numberofemployees", "employees", "companysize", "noofemployees",
                     "employeecount", "size"),
    "product_line": ("productline", "productlineofinterest", "productinterest", "product",
                     "productofinterest", "interest"),
    "source": ("leadsource", "source", "originalsource", "originalsourcetype", "latestsource"),
    "campaign": ("campaign", "campaignname", "utmcampaign", "leadcampaign"),
    "source_id": ("id", "leadid", "recordid", "contactid", "sourceid", "externalid", "crmid",
                  "salesforceid", "hubspotid"),
    "notes": ("notes", "note", "description", "comments", "message"),
    "fund_activity": ("fundactivity", "fundrequest", "fundrequestid", "mdfactivity",
                      "mdfrequest", "mdfrequestid", "mdfid", "fundedactivity"),
}
_FOLD = re.compile(r"[^a-z0-9]+")
NEEDED = "The file needs a country column and a column for the e-mail, the company or the " \
         "website"


class TableError(Exception):
    """The file is not a table this import reads, or lacks a column it needs."""


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: list[list[str]]  # data rows (blank ones left out), each padded to the headers
    lines: list[int]  # each row's line (the header's is 1)
    digest: str  # sha256 of the file


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str


@dataclass(frozen=True)
class ImportReport:
    rows: int
    imported: int
    duplicates: int
    rejected: int
    errors: tuple[RowError, ...]  # the first KEPT_ERRORS
    lead_ids: tuple[int, ...] = ()
    import_id: str | None = None
    dry_run: bool = False
    preview: tuple[dict, ...] = field(default=(), repr=False)  # the first good rows' values

    def as_json(self, errors: int = 20) -> dict[str, Any]:
        """The command line's one line of JSON."""
        return {"rows": self.rows, "imported": self.imported, "duplicates": self.duplicates,
                "rejected": self.rejected,
                "errors": [{"line": e.line, "field": e.field, "message": e.message}
                           for e in self.errors[:errors]]}


# ---------------------------------------------------------------- reading


def read_table(data: bytes) -> Table:
    """A CSV (UTF-8 with or without BOM, UTF-16 with BOM, or Windows-1252; comma, semicolon,
    tab or bar) or an XLSX workbook's first sheet. TableError for anything else."""
    if len(data) > MAX_BYTES:
        raise TableError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(b"PK\x03\x04"):
        records = _xlsx_records(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise TableError("This is an old Excel (.xls) file: save it as .xlsx or CSV.")
    else:
        records = _csv_records(_text_of(data))
    return _table(records, digest)


def _text_of(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise TableError("The file starts as UTF-16 text but is cut short or broken: "
                             "save it again.") from None
    head = data[:8192]
    if b"\x00" in head:
        raise TableError(f"This is not a spreadsheet or CSV file ({_kind(data)}).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise TableError("The file is not UTF-8 or Windows-1252 text: save it as CSV UTF-8 "
                         "and import it again.") from None


def _kind(data: bytes) -> str:
    try:
        return puremagic.from_string(data[:8192], mime=True) or "unknown content"
    except puremagic.PureError:
        return "binary content"


def _csv_records(text: str) -> list[list[str]]:
    sample = text[:16384]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    # A cell as long as the file: the row's length rule refuses it, not the reader.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    try:
        return list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as exc:
        raise TableError(f"The CSV file cannot be read: {exc}.") from None


def _xlsx_records(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    # A truncated or broken workbook fails as a bad zip, or as broken XML (a SyntaxError) only
    # when its sheet is read.
    unreadable = (InvalidFileException, zipfile.BadZipFile, KeyError, IndexError, OSError,
                  ValueError, SyntaxError)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except unreadable as exc:
        raise TableError(f"This is not an Excel workbook we can read ({exc.__class__.__name__})."
                         ) from None
    try:
        sheet = book.worksheets[0]
        return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    except unreadable as exc:
        raise TableError(f"This Excel workbook cannot be read ({exc.__class__.__name__}): save "
                         "it again as .xlsx or CSV.") from None
    finally:
        book.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _table(records: list[list[str]], digest: str) -> Table:
    header_at = next((i for i, r in enumerate(records) if any(c.strip() for c in r)), None)
    if header_at is None:
        return Table((), [], [], digest)
    headers = tuple(c.strip() for c in records[header_at])
    width = len(headers)
    rows, lines = [], []
    for i, record in enumerate(records[header_at + 1:], start=header_at + 2):
        if not any(c.strip() for c in record):
            continue
        rows.append((record + [""] * (width - len(record)))[:max(width, 1)])
        lines.append(i)
    return Table(headers, rows, lines, digest)


# ---------------------------------------------------------------- mapping


def fold(header: str) -> str:
    return _FOLD.sub("", header.lower())


def guess_mapping(headers: tuple[str, ...] | list[str]) -> dict[str, int]:
    """{field: column index} for the headers that name one of our fields (each header at most
    once, each field from its first matching column)."""
    folded = [fold(h) for h in headers]
    out: dict[str, int] = {}
    for name, aliases in ALIASES.items():
        wanted = {fold(a) for a in aliases}
        for i, f in enumerate(folded):
            if f in wanted and i not in out.values():
                out[name] = i
                break
    return out


def check_mapping(mapping: Mapping[str, int], width: int) -> None:
    """TableError unless the mapping names columns of the table and the ones needed."""
    for name, index in mapping.items():
        if name not in ALIASES or not 0 <= index < width:
            raise TableError(f"The column mapping names no column for {name!r}.")
    if "country" not in mapping or not ({"email", "company", "website"} & mapping.keys()):
        raise TableError(f"{NEEDED}; found none for "
                         f"{'the country' if 'country' not in mapping else 'any of those'}.")


# ---------------------------------------------------------------- importing


def import_leads(db: Session, actor: Actor, table: Table, mapping: Mapping[str, int] | None = None,
                 *, dry_run: bool = False, now: datetime | None = None,
                 progress: Progress | None = None) -> ImportReport:
    """Check every row, then add the good ones that are not duplicates, in the caller's
    transaction (a dry run writes nothing). One audit event for the whole file."""
    require(actor, "lead.manage")
    if not table.headers:  # an empty file: read, and nothing in it
        return ImportReport(0, 0, 0, 0, (), dry_run=dry_run)
    now = now or utcnow()
    mapping = dict(guess_mapping(table.headers) if mapping is None else mapping)
    check_mapping(mapping, len(table.headers))
    lines_by_name = product_lines(db)
    errors: list[RowError] = []
    rejected = 0
    good: list[tuple[int, dict]] = []
    columns = list(mapping.items())
    at = mapping.get("fund_activity")
    activities = funded_ids(db, (row[at] for row in table.rows)) if at is not None else set()
    for n, (row, line) in enumerate(zip(table.rows, table.lines, strict=True), start=1):
        values, row_errors = fields.check({f: row[i] for f, i in columns}, lines_by_name,
                                          activities)
        if row_errors:
            rejected += 1
            if len(errors) < KEPT_ERRORS:
                errors.extend(RowError(line, e.field, e.message) for e in row_errors)
        else:
            good.append((line, values))
        if progress is not None and n % 1000 == 0:
            progress(n, len(table.rows))
    locks.hold(db, INTAKE_LOCK)
    fresh, duplicates = _without_duplicates(db, good)
    report = ImportReport(len(table.rows), len(fresh), duplicates, rejected,
                          tuple(errors[:KEPT_ERRORS]), dry_run=dry_run,
                          preview=tuple(v for v in fresh[:20]))
    if progress is not None:
        progress(len(table.rows), len(table.rows))
    if dry_run or not table.rows:
        return report
    import_id = str(uuid.uuid4())
    rows = [row_of(v, actor, now, import_id) for v in fresh]
    # NULLs written as such: the ORM otherwise leaves a None's column out of the row, and rows
    # with other None columns (no phone, no state) cannot share one executemany: a statement
    # a row or two at a time. The columns left None have no default, so the rows are the same.
    write = insert(Lead).execution_options(render_nulls=True)
    for i in range(0, len(rows), WRITE_BATCH):
        db.execute(write, rows[i:i + WRITE_BATCH])
    ids = tuple(db.scalars(select(Lead.id).where(Lead.import_id == import_id)
                           .order_by(Lead.id))) if rows else ()
    # Audited even when no row was new (a file imported again): it was brought in.
    audit.record(db, actor, "lead.import", "lead_import", None, after={
        "file_sha256": table.digest, "import_id": import_id, **report.as_json(errors=0)},
        now=now)
    return ImportReport(report.rows, report.imported, report.duplicates, report.rejected,
                        report.errors, ids, import_id, False, report.preview)


def _without_duplicates(db: Session, good: list[tuple[int, dict]]) -> tuple[list[dict], int]:
    """The rows that repeat no kept lead and no earlier row, and how many did."""
    known = existing_keys(db, [v for _, v in good])
    fresh, duplicates = [], 0
    for _, values in good:
        if duplicate_of(values, known) is not None:
            duplicates += 1
            continue
        fresh.append(values)
        for kind in KEYS:  # later rows of the file repeat this one
            if values.get(kind):
                known[kind].setdefault(values[kind], 0)
    return fresh, duplicates
