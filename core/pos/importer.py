"""A sell-through file in: read, mapped (the submitter's template, else the guess), cleansed
(core.pos.cleanse), and written in the caller's transaction: the raw file kept by content
hash, its clean lines and its exceptions in bulk, the registrations its lines confirm, one
audit event with the counts. A dry run counts exactly the same and writes nothing."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import islice

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core import audit, events
from core.actor import Actor
from core.customers import normalize_name
from core.errors import NotFound, RuleViolation
from core.permissions import can, require
from core.pos.catalog import existing_keys, load_catalog
from core.pos.cleanse import Cleaned, Rules, cleanse
from core.pos.events import PosLinesAdded
from core.pos.mapping import guess_mapping, unmapped
from core.pos.reading import read_sheet
from core.pos.templates import aliases_of, save_template, template_for
from core.uploads import store_by_hash
from db.models import DealRegistration, EndCustomer, Partner, PosException, PosFile, PosLine
from db.types import cents_to_decimal, utcnow

AREA = "pos"
WRITE_BATCH = 5_000
WRITE_PART = 100_000  # lines whose columns are lists at once
CONFIRMING = ("approved", "won")


class UnmappedColumns(RuleViolation):
    def __init__(self, missing: list[str]):
        super().__init__("These fields have no column in the file: " + ", ".join(missing)
                         + ". Map them (and save the template) first.", field="mapping")
        self.missing = missing


@dataclass(frozen=True)
class PosImportReport:
    rows: int
    clean: int
    exceptions: int
    duplicates: int
    by_reason: dict[str, int]
    clean_amount: Decimal
    file_id: int | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False

    def as_json(self) -> dict:
        return {"rows": self.rows, "clean": self.clean, "exceptions": self.exceptions,
                "duplicates": self.duplicates, "by_reason": dict(sorted(self.by_reason.items())),
                "clean_amount": f"{self.clean_amount:.2f}"}


def submitter(db: Session, actor: Actor, partner_id: int) -> Partner:
    """The partner whose file it is: a partner admin only its own; vendor ops any."""
    require(actor, "pos.upload")
    partner = db.get(Partner, partner_id) if isinstance(partner_id, int) else None
    if partner is None or not can(actor, "pos.upload", partner):
        raise NotFound("partner")
    return partner


def suggested_mapping(db: Session, actor: Actor, partner_id: int, headers: list[str]
                      ) -> tuple[dict[str, str], str | None]:
    """The mapping a file with these headers would be read with: the submitter's template
    that fits (and its name), else the guess."""
    partner = submitter(db, actor, partner_id)
    saved = template_for(db, partner.id, None, headers)
    if saved is not None:
        return dict(saved.mapping), saved.name
    return guess_mapping(headers), None


def import_and_remember(db: Session, actor: Actor, partner_id: int, file_name: str,
                        data: bytes, mapping: dict[str, str], *, remember: bool,
                        now: datetime | None = None) -> PosImportReport:
    """A page's import: with `remember`, the mapping is saved as the submitter's template
    first (in the same transaction)."""
    if remember:
        save_template(db, actor, submitter(db, actor, partner_id).id, mapping, now=now)
    return import_pos(db, actor, partner_id, file_name, data, mapping=mapping, now=now)


def import_pos(db: Session, actor: Actor, partner_id: int, file_name: str, data: bytes, *,
               template: str | None = None, mapping: dict[str, str] | None = None,
               dry_run: bool = False, now: datetime | None = None) -> PosImportReport:
    now = now or utcnow()
    partner = submitter(db, actor, partner_id)
    sheet = read_sheet(data, file_name)
    headers = list(sheet.frame.columns)
    saved = template_for(db, partner.id, template, headers)
    used = dict(mapping or (saved.mapping if saved else guess_mapping(headers)))
    used = {f: h for f, h in used.items() if h in headers}
    distributor = partner.partner_type == "distributor"
    if missing := unmapped(used, distributor=distributor):
        raise UnmappedColumns(missing)
    skus, resellers = aliases_of(db, partner.id)
    rules = Rules(partner.id, distributor, sheet.digest,
                  saved.date_format if saved else None,
                  saved.decimal_comma if saved else None, skus, resellers)
    catalog = load_catalog(db, now.date())
    cleaned = cleanse(sheet.frame, used, catalog, rules,
                      lambda keys, invoices: _known_keys(db, partner.id, keys, invoices))
    report = _report(cleaned, used, dry_run)
    if dry_run:
        return report
    pos_file = PosFile(partner_id=partner.id, file_name=(file_name or "upload")[:200],
                       sha256=sheet.digest, size=sheet.size,
                       template_id=saved.id if saved else None, rows=report.rows,
                       clean=report.clean, exceptions=report.exceptions,
                       duplicates=report.duplicates, clean_amount=report.clean_amount,
                       uploaded_by_user_id=actor.user_id, uploaded_by_label=actor.label,
                       uploaded_at=now)
    db.add(pos_file)
    db.flush()
    store_by_hash(AREA, data)
    confirmed = write_lines(db, actor, partner.id, pos_file.id, cleaned.lines, now)
    write_exceptions(db, partner.id, pos_file.id, cleaned.exceptions, now)
    audit.record(db, actor, "pos.import", "pos_file", pos_file.id, after={
        "file_sha256": sheet.digest, "partner_id": partner.id, **report.as_json(),
        "confirmed_registrations": confirmed}, partner_id=partner.id, now=now)
    return PosImportReport(**{**report.__dict__, "file_id": pos_file.id})


def _known_keys(db: Session, partner_id: int, keys: list[str],
                invoices: list[str]) -> set[str]:
    """existing_keys, without its look-ups by invoice number (one query a few hundred
    invoices) when the submitter has no line yet: its first file finds only its exceptions'
    keys, as it would have."""
    if db.scalar(select(PosLine.id).where(PosLine.partner_id == partner_id).limit(1)) is None:
        invoices = []
    return existing_keys(db, partner_id, keys, invoices)


def _report(cleaned: Cleaned, mapping: dict[str, str], dry_run: bool) -> PosImportReport:
    return PosImportReport(cleaned.rows, len(cleaned.lines), len(cleaned.exceptions),
                           cleaned.duplicates, cleaned.by_reason(),
                           cents_to_decimal(cleaned.clean_cents), None, mapping, dry_run)


LINE_COLUMNS = ("file_id", "row_number", "partner_id", "reseller_id", "seller_id",
                "invoice_number", "invoice_line", "invoice_date", "product_id",
                "product_line_id", "quantity", "unit_price", "currency", "extended_amount",
                "amount", "end_customer_name", "end_customer_country", "postal_code",
                "rep_email", "end_customer_id", "outlier", "created_at")


def write_lines(db: Session, actor: Actor, partner_id: int, file_id: int,
                lines: pd.DataFrame, now: datetime) -> int:
    """Clean lines in bulk, with their end customers matched by normalized name and country
    (one read for the file); returns how many registrations the lines confirmed.

    Written as plain tuples (amounts already in cents, as the Money columns keep them), a
    line costing a tuple, not an ORM row or a bound type: COPY on PostgreSQL, the driver's
    own executemany on SQLite. The frame's columns are turned into lists whole (a part of
    WRITE_PART lines at a time), never read cell by cell."""
    if not len(lines):
        return 0
    n = len(lines)
    names = lines["end_customer_name"].tolist()
    countries = lines["end_customer_country"].tolist()
    customers = _end_customers(db, names, countries)
    ids = lines["reseller_id"].to_numpy(dtype=object)
    reseller = [None if none else int(r) for r, none in zip(ids, pd.isna(ids), strict=True)]
    seller = [r if r is not None else partner_id for r in reseller]
    customer = [customers.get(k) for k in zip(names, countries, strict=True)]
    del names, countries
    sqlite = db.get_bind().dialect.name == "sqlite"
    stamp = _driver_time(db, now)
    days = lines["invoice_date"].tolist()
    product_lines = lines["product_line_id"].astype(int).tolist()

    def rows(start: int, stop: int):
        part, k = lines.iloc[start:stop], stop - start
        return zip([file_id] * k, part["row_number"].astype(int).tolist(), [partner_id] * k,
                   reseller[start:stop], seller[start:stop], part["invoice_number"].tolist(),
                   part["invoice_line"].tolist(),
                   _sqlite_dates(days[start:stop]) if sqlite else days[start:stop],
                   part["product_id"].astype(int).tolist(), product_lines[start:stop],
                   part["quantity"].astype(int).tolist(),
                   part["unit_price"].astype(int).tolist(), part["currency"].tolist(),
                   part["extended_amount"].astype(int).tolist(),
                   part["amount"].astype(int).tolist(), part["end_customer_name"].tolist(),
                   [c or None for c in part["end_customer_country"].tolist()],
                   [p or None for p in part["postal_code"].tolist()],
                   [e or None for e in part["rep_email"].tolist()], customer[start:stop],
                   [False] * k, [stamp] * k, strict=True)

    parts = [(i, min(i + WRITE_PART, n)) for i in range(0, n, WRITE_PART)]
    cursor = db.connection().connection.cursor()
    try:
        if sqlite:
            statement = (f"INSERT INTO pos_lines ({', '.join(LINE_COLUMNS)}) VALUES "
                         f"({', '.join(['?'] * len(LINE_COLUMNS))})")
            for start, stop in parts:
                batch = rows(start, stop)
                while chunk := list(islice(batch, WRITE_BATCH)):
                    cursor.executemany(statement, chunk)
        else:
            with cursor.copy(f"COPY pos_lines ({', '.join(LINE_COLUMNS)}) FROM STDIN") as copy:
                for start, stop in parts:
                    for row in rows(start, stop):
                        copy.write_row(row)
    finally:
        cursor.close()
    sold = {(seller[i], customer[i], product_lines[i]) for i in range(n)
            if customer[i] is not None}
    confirmed = confirm_deals(db, sold, now)
    months = sorted({d.replace(day=1) for d in set(days)})
    events.publish(db, PosLinesAdded(actor=actor, at=now,
                                     partner_ids=tuple(sorted(set(seller) | {partner_id})),
                                     months=tuple(months), file_id=file_id))
    return confirmed


def _sqlite_dates(days: list[date]) -> list[str]:
    """The dates as the sqlite3 driver's adapter writes them (ISO), once per distinct day."""
    text = {d: d.isoformat() for d in set(days)}
    return [text[d] for d in days]


def _driver_time(db: Session, now: datetime):
    """`now` as the UTC columns keep it: naive UTC on SQLite, aware on PostgreSQL."""
    if db.get_bind().dialect.name == "sqlite":
        return now.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return now


def _end_customers(db: Session, names: list[str],
                   countries: list[str]) -> dict[tuple[str, str], int]:
    """(name, country) of the lines -> the end customer of that normalized name and country
    (the first by id); each distinct name normalized once."""
    pairs = {(n, c) for n, c in zip(names, countries, strict=True) if n and c}
    normalized = {n: normalize_name(n) for n in {n for n, _ in pairs}}
    keys: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for n, c in pairs:
        keys.setdefault((normalized[n], c), []).append((n, c))
    found: dict[tuple[str, str], int] = {}
    wanted = sorted({k for k, _ in keys})
    for i in range(0, len(wanted), 900):
        for cid, key, country in db.execute(
                select(EndCustomer.id, EndCustomer.normalized_name, EndCustomer.country)
                .where(EndCustomer.normalized_name.in_(wanted[i:i + 900]),
                       EndCustomer.merged_into_id.is_(None)).order_by(EndCustomer.id)):
            for pair in keys.get((key, country), ()):
                found.setdefault(pair, cid)
    return found


def confirm_deals(db: Session, sold: set[tuple[int, int, int]], now: datetime) -> int:
    """A line sold by the partner that registered the deal, for the same end customer and
    product line (`sold`: (seller, end customer, product line) each), confirms the
    (approved or won) registration."""
    if not sold:
        return 0
    customers = sorted({c for _, c, _ in sold})
    confirmed = 0
    for i in range(0, len(customers), 900):
        deals = db.scalars(select(DealRegistration).where(
            DealRegistration.end_customer_id.in_(customers[i:i + 900]),
            DealRegistration.status.in_(CONFIRMING),
            DealRegistration.pos_confirmed_at.is_(None)))
        for deal in deals:
            if any((deal.partner_id, deal.end_customer_id, line) in sold
                   for line in deal.product_line_ids or ()):
                deal.pos_confirmed_at = now
                confirmed += 1
    db.flush()
    return confirmed


def write_exceptions(db: Session, partner_id: int, file_id: int, exceptions: list[dict],
                     now: datetime) -> None:
    rows = [{"file_id": file_id, "partner_id": partner_id, "status": "open", "note": "",
             "created_at": now, "line_id": None, "resolved_by_label": None,
             "resolved_at": None, **e} for e in exceptions]
    for i in range(0, len(rows), WRITE_BATCH):
        db.execute(insert(PosException).execution_options(render_nulls=True),
                   rows[i:i + WRITE_BATCH])

