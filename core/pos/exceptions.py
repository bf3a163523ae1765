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
# What a reason reads as on a page (core.pos.cleanse.REASONS, and "duplicate" from a check
# again); an unknown one reads as its code with spaces.
REASON_LABELS = {
    "missing_field": "Missing field", "bad_date": "Bad date", "future_date": "Future date",
    "bad_amount": "Bad amount", "sku_suggestion": "SKU suggestion",
    "unknown_sku": "Unknown SKU", "unknown_reseller": "Unknown reseller",
    "no_rate": "No currency rate", "outlier": "Outlier", "duplicate": "Duplicate",
}


def reason_label(reason: str) -> str:
    return REASON_LABELS.get(reason, reason.replace("_", " "))


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
                    file_id: int | None = None,
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
    if file_id is not None:
        q = q.where(PosException.file_id == file_id)
    total = db.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = db.execute(q.order_by(PosException.id).limit(limit)).all()
    return [ExceptionOut(e.id, e.file_id, name, e.row_number, e.partner_id, partner,
                         e.reason, e.detail, dict(e.raw), e.status)
            for e, name, partner in rows], total


@dataclass(frozen=True)
class ExceptionFilters:
    """The choices of the exceptions queue's filters: (value, label) of each reason, partner
    and file that has an exception in it, among those the actor may read."""

    reasons: list[tuple[str, str]]
    partners: list[tuple[int, str]]
    files: list[tuple[int, str]]


def exception_filters(db: Session, actor: Actor, *, status: str | None = OPEN,
                      partner_id: int | None = None) -> ExceptionFilters:
    """What the queue (of `status`; None: every status) can be narrowed to; with
    `partner_id`, the files are that partner's only."""
    require(actor, "pos.view")
    require_open_partner(db, actor)
    base = scope(actor, select(PosException.id), PosException)
    if status:
        base = base.where(PosException.status == status)
    ids = base.subquery()
    mine = PosException.id.in_(select(ids.c.id))
    reasons = db.scalars(select(PosException.reason).where(mine).distinct()).all()
    partners = db.execute(select(Partner.id, Partner.name).where(Partner.id.in_(
        select(PosException.partner_id).where(mine))).order_by(Partner.name, Partner.id)).all()
    files = select(PosFile.id, PosFile.file_name, PosFile.uploaded_at, Partner.name).join(
        Partner, Partner.id == PosFile.partner_id).where(PosFile.id.in_(
            select(PosException.file_id).where(mine)))
    if partner_id is not None:
        files = files.where(PosFile.partner_id == partner_id)
    files = db.execute(files.order_by(PosFile.uploaded_at.desc(), PosFile.id.desc())).all()
    return ExceptionFilters(
        sorted(((r, reason_label(r)) for r in reasons), key=lambda c: c[1]),
        [(int(i), n) for i, n in partners],
        [(int(i), f"{name} ({partner}, {at:%Y-%m-%d})") for i, name, at, partner in files])


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
    template remembers the spelling, and the row is checked again. Refused for a row whose
    reason is not a SKU suggestion (there is nothing to take)."""
    require(actor, "pos.exceptions")
    now = now or utcnow()
    [row] = _open_rows(db, [exception_id])
    _refuse_without_suggestion(db, [row])
    suggested = row.detail.removeprefix("Did you mean ").removesuffix("?")
    written = row.raw.get("sku", "")
    template = _template(db, actor, row)
    remember_sku(db, template, written, suggested)
    return fix_exceptions(db, actor, {row.id: {"sku": suggested}}, now=now)


def take_suggestions(db: Session, actor: Actor, exception_ids: list[int], *,
                     now: datetime | None = None) -> FixReport:
    """Take the SKU suggestions of several rows, all or none: refused, naming each row, when
    one of them has no suggestion."""
    require(actor, "pos.exceptions")
    now = now or utcnow()
    _refuse_without_suggestion(db, _open_rows(db, list(exception_ids)))
    fixed = still = 0
    for exception_id in exception_ids:
        done = take_suggestion(db, actor, exception_id, now=now)
        fixed, still = fixed + done.fixed, still + done.still_open
    return FixReport(fixed, still, f"{fixed} fixed, {still} still open.")


def _refuse_without_suggestion(db: Session, rows: list[PosException]) -> None:
    wrong = sorted((r for r in rows if r.reason != "sku_suggestion"),
                   key=lambda r: (r.file_id, r.row_number))
    if not wrong:
        return
    names = dict(db.execute(select(PosFile.id, PosFile.file_name).where(
        PosFile.id.in_({r.file_id for r in wrong}))).all())
    which = "; ".join(f"row {r.row_number} of {names.get(r.file_id, 'its file')} "
                      f"({_lower(reason_label(r.reason))})" for r in wrong)
    raise RuleViolation(f"Only a SKU suggestion can be taken, and {which} "
                        f"{'has' if len(wrong) == 1 else 'have'} none: correct the fields "
                        "instead.", field="take")


def _lower(label: str) -> str:
    return label[:1].lower() + label[1:]


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

