"""The exceptions queue: rows a file could not clean, with their reason. Vendor ops (admin,
finance) correct the fields and save: the corrected rows are checked again by the same rules
(core.pos.cleanse) and become clean lines, or stay with their new reason. A SKU suggestion
taken is remembered in the submitter's template, so the next file is clean. A partner admin
reads its own exceptions; nobody else's."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.errors import NotFound, RuleViolation
from core.permissions import require, scope
from core.pos.catalog import existing_keys, load_catalog
from core.pos.cleanse import Rules, cleanse
from core.pos.importer import write_lines
from core.pos.mapping import FIELDS
from core.pos.templates import aliases_of, remember_sku, save_template
from core.standing import require_open_partner
from db.models import Partner, PosException, PosFile, PosTemplate
from db.types import utcnow

OPEN = "open"


@dataclass(frozen=True)
class ExceptionOut:
    id: int
    file_id: int
    file_name: str
    row_number: int
    partner_id: int
    partner_name: str
    reason: str
    detail: str
    raw: dict[str, str]
    status: str


def list_exceptions(db: Session, actor: Actor, *, status: str | None = OPEN,
                    partner_id: int | None = None, reason: str | None = None,
                    limit: int = 500) -> tuple[list[ExceptionOut], int]:
    require(actor, "pos.view")
    require_open_partner(db, actor)
    q = scope(actor, select(PosException, PosFile.file_name, Partner.name)
              .join(PosFile, PosFile.id == PosException.file_id)
              .join(Partner, Partner.id == PosException.partner_id), PosException)
    if status:
        q = q.where(PosException.status == status)
    if partner_id is not None:
        q = q.where(PosException.partner_id == partner_id)
    if reason:
        q = q.where(PosException.reason == reason)
    total = db.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = db.execute(q.order_by(PosException.id).limit(limit)).all()
    return [ExceptionOut(e.id, e.file_id, name, e.row_number, e.partner_id, partner,
                         e.reason, e.detail, dict(e.raw), e.status)
            for e, name, partner in rows], total


@dataclass(frozen=True)
class FixReport:
    fixed: int
    still_open: int
    message: str


def fix_exceptions(db: Session, actor: Actor, edits: Mapping[int, Mapping[str, str]], *,
                   now: datetime | None = None) -> FixReport:
    """Save corrected fields of open exceptions ({exception id: {field: text}}) and check
    them again: the clean ones become lines (and are marked fixed), the others keep their
    corrections with the reason they fail for now."""
    require(actor, "pos.exceptions")
    now = now or utcnow()
    rows = _open_rows(db, list(edits))
    fixed = still = 0
    for (partner_id, _), group in _by_file(rows).items():
        f, s = _recheck(db, actor, partner_id, group, edits, now)
        fixed, still = fixed + f, still + s
    audit.record(db, actor, "pos.exceptions_fix", "pos_exception", None,
                 after={"ids": sorted(edits), "fixed": fixed, "still_open": still}, now=now)
    return FixReport(fixed, still, f"{fixed} fixed, {still} still open.")


def take_suggestion(db: Session, actor: Actor, exception_id: int, *,
                    now: datetime | None = None) -> FixReport:
    """Take a SKU suggestion: the row's SKU becomes the one suggested, the submitter's
    template remembers the spelling, and the row is checked again."""
    require(actor, "pos.exceptions")
    now = now or utcnow()
    [row] = _open_rows(db, [exception_id])
    if row.reason != "sku_suggestion":
        raise RuleViolation("This exception has no SKU suggestion.", field="sku")
    suggested = row.detail.removeprefix("Did you mean ").removesuffix("?")
    written = row.raw.get("sku", "")
    template = _template(db, actor, row)
    remember_sku(db, template, written, suggested)
    return fix_exceptions(db, actor, {row.id: {"sku": suggested}}, now=now)


def dismiss_exception(db: Session, actor: Actor, exception_id: int, note: str, *,
                      now: datetime | None = None) -> None:
    require(actor, "pos.exceptions")
    [row] = _open_rows(db, [exception_id])
    if not (note or "").strip():
        raise RuleViolation("Say why the row is dismissed.", field="note")
    row.status, row.note = "dismissed", note.strip()[:1000]
    row.resolved_by_label, row.resolved_at = actor.label, now or utcnow()
    audit.record(db, actor, "pos.exception_dismiss", "pos_exception", row.id,
                 after={"note": row.note}, partner_id=row.partner_id, now=now)


def _open_rows(db: Session, ids: list[int]) -> list[PosException]:
    rows = list(db.scalars(select(PosException).where(PosException.id.in_(ids))
                           .with_for_update()))
    if len(rows) != len(set(ids)):
        raise NotFound("exception")
    if any(r.status != OPEN for r in rows):
        raise RuleViolation("Only open exceptions are corrected.", field="status")
    return rows


def _by_file(rows: list[PosException]) -> dict[tuple[int, int], list[PosException]]:
    """The rows by (submitter, file): each file's rows are read in that file's conventions."""
    out: dict[tuple[int, int], list[PosException]] = {}
    for r in rows:
        out.setdefault((r.partner_id, r.file_id), []).append(r)
    return out


def _latest(db: Session, partner_id: int) -> PosTemplate | None:
    return db.scalar(select(PosTemplate).where(PosTemplate.partner_id == partner_id)
                     .order_by(PosTemplate.updated_at.desc(), PosTemplate.id.desc()))


def _template(db: Session, actor: Actor, row: PosException) -> PosTemplate:
    """Where the submitter's confirmed spellings are kept: its latest template, or a new
    one (with no columns) when it has none yet."""
    return _latest(db, row.partner_id) or save_template(db, actor, row.partner_id, {},
                                                        name="confirmed spellings")


def _recheck(db: Session, actor: Actor, partner_id: int, rows: list[PosException],
             edits: Mapping[int, Mapping[str, str]], now: datetime) -> tuple[int, int]:
    partner = db.get(Partner, partner_id)
    for r in rows:
        unknown = set(edits.get(r.id, {})) - set(FIELDS)
        if unknown:
            raise RuleViolation(f"Not fields of a POS line: {', '.join(sorted(unknown))}.")
        r.raw = {**r.raw, **{f: str(v or "").strip()[:1000]
                             for f, v in edits.get(r.id, {}).items()}}
    frame = pd.DataFrame([{f: r.raw.get(f, "") for f in FIELDS} for r in rows])
    skus, resellers = aliases_of(db, partner_id)
    # Read as the file was: the date format and decimal mark its import used.
    kept = rows[0].raw
    template = _latest(db, partner_id)
    date_format = kept.get("_date_format") or (template.date_format if template else None)
    comma = kept.get("_decimal_comma")
    decimal = (comma == "True") if comma in ("True", "False") else (
        template.decimal_comma if template else None)
    rules = Rules(partner_id, partner.partner_type == "distributor", "fix", date_format,
                  decimal, skus, resellers)
    own = {r.dedupe_key for r in rows}
    cleaned = cleanse(frame, {f: f for f in FIELDS}, load_catalog(db, now.date()), rules,
                      lambda keys, invoices: existing_keys(db, partner_id, keys, invoices)
                      - own)
    by_position = {i: r for i, r in enumerate(rows)}
    failed = {e["row_number"] - 2: e for e in cleaned.exceptions}
    clean = cleaned.lines.copy()
    done = set(clean["row_number"] - 2) if len(clean) else set()
    for i, r in by_position.items():
        if i in failed:
            r.reason, r.detail = failed[i]["reason"], failed[i]["detail"]
        elif i not in done:  # its invoice and line are on a clean line already
            r.reason, r.detail = "duplicate", "Another line has this invoice number and line."
    if len(clean):
        positions = clean["row_number"] - 2
        clean["row_number"] = [by_position[i].row_number for i in positions]
        for i in positions:
            r = by_position[i]
            r.status, r.resolved_by_label, r.resolved_at = "fixed", actor.label, now
        files = {by_position[i].file_id for i in positions}
        for file_id in files:
            part = clean[[by_position[i].file_id == file_id for i in positions]]
            write_lines(db, actor, partner_id, file_id, part, now)
    db.flush()
    return len(clean), len(rows) - len(clean)

