"""A sell-through file in: read, mapped (the submitter's template, else the guess), cleansed
(core.pos.cleanse), and written in the caller's transaction: the raw file kept by content
hash, its clean lines and its exceptions in bulk, the registrations its lines confirm, one
audit event with the counts. A dry run counts exactly the same and writes nothing."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

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
from db.models import DealRegistration, EndCustomer, Partner, PosException, PosFile
from db.types import cents_to_decimal, utcnow

AREA = "pos"
WRITE_BATCH = 5_000
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
                      lambda keys, invoices: existing_keys(db, partner.id, keys, invoices))
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

    Written as the driver's own executemany of plain tuples (amounts already in cents, as
    the Money columns keep them): a line costs a tuple, not an ORM row or a bound type."""
    if not len(lines):
        return 0
    n = len(lines)
    customers = _end_customers(db, lines)
    reseller = [None if r is None or pd.isna(r) else int(r) for r in lines["reseller_id"]]
    seller = [r if r is not None else partner_id for r in reseller]
    customer = [customers.get(k) for k in zip(lines["end_customer_name"],
                                              lines["end_customer_country"], strict=True)]
    stamp = _driver_time(db, now)
    columns = ([file_id] * n, lines["row_number"].astype(int).tolist(), [partner_id] * n,
               reseller, seller, lines["invoice_number"].tolist(),
               lines["invoice_line"].tolist(), lines["invoice_date"].tolist(),
               lines["product_id"].astype(int).tolist(),
               lines["product_line_id"].astype(int).tolist(),
               lines["quantity"].astype(int).tolist(), lines["unit_price"].astype(int).tolist(),
               lines["currency"].tolist(), lines["extended_amount"].astype(int).tolist(),
               lines["amount"].astype(int).tolist(), lines["end_customer_name"].tolist(),
               [c or None for c in lines["end_customer_country"]],
               [p or None for p in lines["postal_code"]],
               [e or None for e in lines["rep_email"]], customer, [False] * n, [stamp] * n)
    rows = list(zip(*columns, strict=True))
    mark = "?" if db.get_bind().dialect.name == "sqlite" else "%s"
    statement = (f"INSERT INTO pos_lines ({', '.join(LINE_COLUMNS)}) VALUES "
                 f"({', '.join([mark] * len(LINE_COLUMNS))})")
    cursor = db.connection().connection.cursor()
    try:
        for i in range(0, n, WRITE_BATCH):
            cursor.executemany(statement, rows[i:i + WRITE_BATCH])
    finally:
        cursor.close()
    sold = {(seller[i], customer[i], int(lines["product_line_id"].iat[i])) for i in range(n)
            if customer[i] is not None}
    confirmed = confirm_deals(db, sold, now)
    months = sorted({d.replace(day=1) for d in set(lines["invoice_date"])})
    events.publish(db, PosLinesAdded(actor=actor, at=now,
                                     partner_ids=tuple(sorted(set(seller) | {partner_id})),
                                     months=tuple(months), file_id=file_id))
    return confirmed


def _driver_time(db: Session, now: datetime):
    """`now` as the UTC columns keep it: naive UTC on SQLite, aware on PostgreSQL."""
    if db.get_bind().dialect.name == "sqlite":
        return now.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return now


def _end_customers(db: Session, lines: pd.DataFrame) -> dict[tuple[str, str], int]:
    pairs = {(n, c) for n, c in zip(lines["end_customer_name"], lines["end_customer_country"],
                                    strict=True) if n and c}
    keys = {(normalize_name(n), c): (n, c) for n, c in pairs}
    found: dict[tuple[str, str], int] = {}
    names = sorted({k for k, _ in keys})
    for i in range(0, len(names), 900):
        for cid, key, country in db.execute(
                select(EndCustomer.id, EndCustomer.normalized_name, EndCustomer.country)
                .where(EndCustomer.normalized_name.in_(names[i:i + 900]),
                       EndCustomer.merged_into_id.is_(None)).order_by(EndCustomer.id)):
            if (key, country) in keys:
                found.setdefault(keys[(key, country)], cid)
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

