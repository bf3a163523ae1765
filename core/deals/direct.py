"""Direct opportunities: the vendor's own pipeline, imported from the CRM as CSV.

The import is all or nothing: every row is checked first and any bad row is reported with its
line number, with nothing written. Rows are upserted by external id, tagged with the id of the
import that wrote them. An open direct opportunity that meets a pending partner registration
sends that registration to the desk.

A file (up to MAX_ROWS) is imported by `import_direct_file`: the rows are checked with no lock
held, then written in batches, each under the registration lock in a short transaction of its
own, so partners can register deals between them. When a batch fails, what the batches before
it wrote is taken back. `import_direct_opportunities` does the same in the caller's one
transaction, for a caller already inside a unit of work (the demo seed, tests)."""

import csv
import io
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, delete, event, exists, func, inspect, or_, select
from sqlalchemy.orm import Session

from core import audit, customers
from core.actor import Actor
from core.customers.matching import name_form, name_key
from core.deals import conflicts
from core.deals.records import (
    add_event,
    audited,
    change_status,
    serialize_registrations,
    snapshot,
)
from core.deals.status import PENDING, DealStatus
from core.errors import RuleViolation
from core.permissions import require
from core.validation import (
    Amount,
    Country,
    Date,
    Email,
    OneOf,
    RequiredText,
    Website,
    as_model,
)
from db.models import DealRegistration, DirectOpportunity, EndCustomer, EndCustomerKey
from db.session import unit_of_work
from db.types import utcnow

log = logging.getLogger("prm.direct_import")

MAX_ROWS = 50_000
BATCH_ROWS = 500  # rows written per transaction (and per hold of the registration lock)
STATUSES = {"open": "open", "won": "won", "lost": "lost", "closed won": "won",
            "closed lost": "lost"}
# Column names as CRMs export them -> our field. Matched after lower-casing and turning
# "_" and "-" into spaces.
COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("external id", "id", "opportunity id", "crm id"),
    "account_name": ("account name", "account", "company", "customer"),
    "website": ("website", "domain", "web site", "url"),
    "country": ("country", "country code", "billing country"),
    "name": ("opportunity name", "opportunity", "name"),
    "amount": ("amount", "value"),
    "close_date": ("close date", "expected close date", "closing date"),
    "owner_email": ("owner email", "owner", "opportunity owner email"),
    "status": ("status",),
}
EMPTY = "This column is empty."
REQUIRED_COLUMNS = ("external_id", "account_name", "country", "name", "amount", "close_date")
FIELDS = ["external_id", "end_customer_id", "account_name", "website", "domain", "country",
          "name", "amount", "close_date", "owner_email", "status", "partner_id",
          "registration_id"]
# What an import may change on an existing opportunity, and so what taking it back restores.
RESTORED = [*FIELDS, "account_name_form", "customer_key", "updated_at", "import_id"]

# progress(stage, done, total): "written" rows of the file so far, then "matched": rows whose
# open opportunities were checked against pending partner registrations.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RowError:
    line: int  # line in the file; the header is line 1
    field: str
    message: str


@dataclass(frozen=True)
class DirectImportReport:
    created: int
    updated: int
    unchanged: int
    errors: tuple[RowError, ...]
    sent_to_desk: tuple[int, ...]  # pending registrations now marked as conflicts
    protected_matches: tuple[int, ...]  # approved registrations the new rows collide with

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class DirectOpportunityOut:
    id: int
    external_id: str
    account_name: str
    domain: str | None
    country: str
    name: str
    amount: Decimal
    close_date: date
    owner_email: str | None
    status: str
    updated_at: datetime


class DirectRowIn(BaseModel):
    """One row of the CRM file; a message per bad column, in a CRM export's words."""

    external_id: RequiredText(100, EMPTY, too_long="Longer than 100 characters.") = ""
    account_name: RequiredText(200, EMPTY, too_long="Longer than 200 characters.") = ""
    website: Website(invalid="Not a website or domain, e.g. acme.com.",
                     too_long="Longer than 300 characters.") = ""
    country: Country(unknown="Not a country; use a code such as US or DE.") = ""
    name: RequiredText(200, EMPTY, too_long="Longer than 200 characters.") = ""
    amount: Amount("amount") = None
    close_date: Date("close date") = None
    owner_email: Email(optional=True) = ""  # optional column
    status: OneOf(STATUSES, unknown="Use open, won or lost.", fold=True, blank="open") = "open"
    # From a CRM's custom fields (core.crm.imports resolves them): whose deal this is.
    partner_id: int | None = None
    registration_id: int | None = None


# ---------------------------------------------------------------- import


def import_direct_opportunities(db: Session, actor: Actor, content: bytes, *,
                                now: datetime | None = None) -> DirectImportReport:
    """Check every row, then upsert them all by external id, or write nothing: all in the
    caller's transaction, which holds the registration lock until it ends."""
    require(actor, "deal.import_direct")
    now = now or utcnow()
    rows, errors = parse_csv(content)
    if errors:
        return DirectImportReport(0, 0, 0, tuple(errors), (), ())
    return upsert_direct_opportunities(db, actor, rows, now=now)


def upsert_direct_opportunities(db: Session, actor: Actor,
                                rows: list["DirectRowIn"] | list[dict], *,
                                now: datetime | None = None) -> DirectImportReport:
    """Rows (checked models, or mappings checked here: RuleViolation on "items.N.field" for
    the first bad one) upserted by external id, with the conflict check the file import runs,
    in the caller's transaction: the API's way in."""
    require(actor, "deal.import_direct")
    now = now or utcnow()
    checked = []
    for n, row in enumerate(rows):
        try:
            checked.append(as_model(DirectRowIn, row))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise RuleViolation(err["msg"].removeprefix("Value error, "),
                                field=f"items.{n}.{where}") from None
    serialize_registrations(db)
    written = _write_rows(db, actor, checked, now, str(uuid.uuid4()), _Undo())
    sent, protected = _flag_registrations(db, actor, written.opportunities, now)
    return written.report(sent, protected)


def import_direct_file(engine: Engine, actor: Actor, content: bytes, *,
                       now: datetime | None = None, progress: Progress | None = None,
                       batch_rows: int = BATCH_ROWS) -> DirectImportReport:
    """The page's import, in transactions of its own on `engine`: check every row with no
    lock held (a bad row: its line and problem reported, nothing written); write the rows in
    batches of `batch_rows`, each under the registration lock in a short transaction; then
    send the pending registrations the open rows meet to the desk, in batches too.

    All or nothing: when writing a batch fails, the batches already written are taken back
    (the rows created removed, the rows updated restored, the end customers, names and
    domains filed for them undone, unless a partner has claimed that customer since) and a
    RuleViolation on "file" says nothing was imported. Sending registrations to the desk
    comes after every row is in; when that stops, the rows stay, the RuleViolation says so,
    and importing the same file again finishes it."""
    require(actor, "deal.import_direct")
    now = now or utcnow()
    rows, errors = parse_csv(content)
    if errors:
        return DirectImportReport(0, 0, 0, tuple(errors), (), ())
    return write_in_batches(engine, actor, rows, now=now, progress=progress,
                            batch_rows=batch_rows)


def write_in_batches(engine: Engine, actor: Actor, rows: list["DirectRowIn"], *,
                     now: datetime | None = None, progress: Progress | None = None,
                     batch_rows: int = BATCH_ROWS) -> DirectImportReport:
    """Checked rows written as `import_direct_file` writes a file's: in batches, all or none,
    then the registrations they meet sent to the desk."""
    require(actor, "deal.import_direct")
    now = now or utcnow()
    import_id = str(uuid.uuid4())
    undo = _Undo(claims_before=_last_claims(engine))
    total = Written()
    try:
        for start in range(0, len(rows), batch_rows):
            batch = _Undo()
            with unit_of_work(engine, immediate=True) as db:
                serialize_registrations(db)
                written = _write_rows(db, actor, rows[start:start + batch_rows], now,
                                      import_id, batch)
            undo.add(batch)  # committed: a later failure takes it back
            total.add(written)
            if progress:
                progress("written", start + len(written.opportunities), len(rows))
    except BaseException as exc:
        # BaseException too: the page's rerun or stop (a click, a closed tab) is raised from
        # the progress callback between batches, and must not leave half a file behind.
        _take_back(engine, actor, import_id, undo, now)
        if not isinstance(exc, Exception):
            raise
        ref = uuid.uuid4().hex[:8]
        log.exception("direct import %s failed at row %d (ref %s)", import_id,
                      total.rows + 1, ref)
        raise RuleViolation(f"The import stopped (ref {ref}) and was taken back: nothing "
                            "was imported. Import the file again.", field="file") from exc
    try:
        sent, protected = _flag_in_batches(engine, actor, total.ids, now, progress, batch_rows)
    except Exception as exc:
        # The rows are in (and stay); only the desk step stopped. It can run again safely.
        ref = uuid.uuid4().hex[:8]
        log.exception("direct import %s: sending to the desk failed (ref %s)", import_id, ref)
        raise RuleViolation(f"All {total.rows} rows were imported, but sending the partner "
                            f"registrations they meet to the desk stopped (ref {ref}). Import "
                            "the same file again to finish that.", field="file") from exc
    return total.report(sent, protected)


@dataclass
class Written:
    """What writing rows did: counts, and the opportunities, in the file's order."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    opportunities: list[DirectOpportunity] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.ids)

    def add(self, other: "Written") -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.ids += other.ids

    def report(self, sent: Iterable[int], protected: Iterable[int]) -> DirectImportReport:
        return DirectImportReport(self.created, self.updated, self.unchanged, (),
                                  tuple(sent), tuple(protected))


@dataclass
class _Undo:
    """What an import's committed batches changed, to take back if a later one fails."""

    claims_before: tuple[int, int] = (0, 0)  # the last registration and direct opportunity
    created: list[int] = field(default_factory=list)  # opportunity ids
    updated: dict[int, dict] = field(default_factory=dict)  # opportunity id -> before
    customers: list[int] = field(default_factory=list)  # end customers created
    domains: dict[int, tuple] = field(default_factory=dict)  # customer -> (domain, updated_at)
    keys: list[tuple[int, str]] = field(default_factory=list)  # (customer, key) filed

    def add(self, other: "_Undo") -> None:
        self.created += other.created
        self.customers += other.customers
        self.keys += other.keys
        for key, value in other.updated.items():
            self.updated.setdefault(key, value)
        for key, value in other.domains.items():
            self.domains.setdefault(key, value)

    def watch(self, db: Session) -> Callable[[], None]:
        """Note the end customers, names and domains the session files; returns the call that
        stops watching."""

        def before_flush(session, _context, _instances):
            for obj in session.dirty:
                if isinstance(obj, EndCustomer) and obj.id not in self.domains:
                    state = inspect(obj)
                    changed = state.attrs.domain.history
                    if changed.has_changes():
                        was = changed.deleted[0] if changed.deleted else None
                        self.domains[obj.id] = (was, state.attrs.updated_at.loaded_value)

        def after_flush(session, _context):
            for obj in session.new:
                if isinstance(obj, EndCustomer):
                    self.customers.append(obj.id)
                elif isinstance(obj, EndCustomerKey):
                    self.keys.append((obj.end_customer_id, obj.key))

        event.listen(db, "before_flush", before_flush)
        event.listen(db, "after_flush", after_flush)

        def stop() -> None:
            event.remove(db, "before_flush", before_flush)
            event.remove(db, "after_flush", after_flush)
        return stop


def _write_rows(db: Session, actor: Actor, rows: list["DirectRowIn"], now: datetime,
                import_id: str, undo: _Undo) -> Written:
    """Upsert `rows` by external id in the caller's transaction, noting in `undo` what a
    take-back would need."""
    stop = undo.watch(db)
    try:
        existing = _existing(db, [r.external_id for r in rows])
        out = Written()
        for row in rows:
            opp = existing.get(row.external_id)
            before = {f: getattr(opp, f) for f in RESTORED} if opp is not None else {}
            outcome, opp = _upsert(db, actor, opp, row, now, import_id)
            if outcome == "created":
                out.created += 1
                undo.created.append(opp.id)
            elif outcome == "updated":
                out.updated += 1
                undo.updated.setdefault(opp.id, before)
            else:
                out.unchanged += 1
            out.opportunities.append(opp)
        db.flush()
    finally:
        stop()
    out.ids = [o.id for o in out.opportunities]
    return out


def _last_claims(engine: Engine) -> tuple[int, int]:
    """The newest registration and direct opportunity ids: a claim above them is newer."""
    with engine.connect() as conn:
        return (conn.scalar(select(func.max(DealRegistration.id))) or 0,
                conn.scalar(select(func.max(DirectOpportunity.id))) or 0)


def _take_back(engine: Engine, actor: Actor, import_id: str, undo: _Undo,
               now: datetime) -> None:
    """Undo what an import's committed batches wrote, in one transaction under the lock.
    A row another import has rewritten since is that import's and stays; so does an end
    customer (its names and domain) that a partner's registration or another opportunity
    claimed in the meantime."""
    with unit_of_work(engine, immediate=True) as db:
        serialize_registrations(db)
        ours = DirectOpportunity.import_id == import_id
        removed = 0
        for chunk in _chunks(undo.created):
            removed += db.execute(delete(DirectOpportunity).where(
                ours, DirectOpportunity.id.in_(chunk))).rowcount
        restored = 0
        for opp_id, before in undo.updated.items():
            opp = db.get(DirectOpportunity, opp_id)
            if opp is not None and opp.import_id == import_id:
                for name, value in before.items():
                    setattr(opp, name, value)
                restored += 1
        db.flush()
        touched = set(undo.customers) | set(undo.domains) | {c for c, _ in undo.keys}
        claimed = _claimed_since(db, touched, undo.claims_before)
        for customer_id, key in undo.keys:
            if customer_id not in claimed:
                db.execute(delete(EndCustomerKey).where(
                    EndCustomerKey.end_customer_id == customer_id, EndCustomerKey.key == key))
        for customer_id, (domain, updated_at) in undo.domains.items():
            customer = db.get(EndCustomer, customer_id)
            if customer is not None and customer_id not in claimed:
                customer.domain, customer.updated_at = domain, updated_at
        db.flush()
        gone = [c for c in undo.customers if c not in claimed and not _referenced(db, c)]
        for chunk in _chunks(gone):
            db.execute(delete(EndCustomer).where(EndCustomer.id.in_(chunk)))
        audit.record(db, actor, "direct_import.take_back", "direct_import", import_id,
                     after={"removed": removed, "restored": restored,
                            "end_customers_removed": len(gone)}, now=now)


def _claimed_since(db: Session, customers: set[int], claims_before: tuple[int, int]
                   ) -> set[int]:
    """Of these end customers, those a registration or another opportunity (not one the
    import created) points at that was filed after the import began."""
    last_deal, last_direct = claims_before
    out: set[int] = set()
    for chunk in _chunks(sorted(customers)):
        out.update(db.scalars(select(DealRegistration.end_customer_id).where(
            DealRegistration.end_customer_id.in_(chunk), DealRegistration.id > last_deal)))
        out.update(db.scalars(select(DirectOpportunity.end_customer_id).where(
            DirectOpportunity.end_customer_id.in_(chunk), DirectOpportunity.id > last_direct)))
    return out


def _referenced(db: Session, customer_id: int) -> bool:
    """Whether any row still points at this end customer (it then stays)."""
    return bool(db.scalar(select(
        exists().where(DealRegistration.end_customer_id == customer_id)
        | exists().where(DirectOpportunity.end_customer_id == customer_id)
        | exists().where(EndCustomerKey.end_customer_id == customer_id)
        | exists().where(EndCustomer.merged_into_id == customer_id))))


def _flag_in_batches(engine: Engine, actor: Actor, ids: list[int], now: datetime,
                     progress: Progress | None, batch_rows: int
                     ) -> tuple[list[int], list[int]]:
    sent: dict[int, None] = {}
    protected: dict[int, None] = {}
    done = 0
    for chunk in _chunks(ids, batch_rows):
        with unit_of_work(engine, immediate=True) as db:
            serialize_registrations(db)
            by_id = {o.id: o for o in db.scalars(select(DirectOpportunity).where(
                DirectOpportunity.id.in_(chunk)))}
            s, p = _flag_registrations(db, actor, [by_id[i] for i in chunk if i in by_id],
                                       now, already=sent)
        sent.update(dict.fromkeys(s))
        protected.update(dict.fromkeys(p))
        done += len(chunk)
        if progress:
            progress("matched", done, len(ids))
    return list(sent), list(protected)


def _chunks(values: list, size: int = 500) -> Iterable[list]:
    """Slices short enough for an IN list on both databases."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def parse_csv(content: bytes) -> tuple[list[DirectRowIn], list[RowError]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RuleViolation("Save the file as CSV in UTF-8 and upload it again.",
                            field="file") from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
        if not header:
            raise RuleViolation("The file is empty.", field="file")
        mapping = _columns(header)
        rows, errors, seen = [], [], {}
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(rows) + len(errors) >= MAX_ROWS:
                raise RuleViolation(f"Import at most {MAX_ROWS:,} rows at a time.",
                                    field="file")
            raw = {f: values[i] if i < len(values) else "" for f, i in mapping.items()}
            try:
                row = DirectRowIn.model_validate(raw)
            except ValidationError as e:
                errors += [RowError(line, str(err["loc"][0]) if err["loc"] else "",
                                    err["msg"].removeprefix("Value error, "))
                           for err in e.errors()]
                continue
            if row.external_id in seen:
                errors.append(RowError(line, "external_id", "The same external id is on line "
                                       f"{seen[row.external_id]} too."))
                continue
            seen[row.external_id] = line
            rows.append(row)
    except csv.Error as e:
        raise RuleViolation(f"The file is not valid CSV: {e}", field="file") from None
    if not rows and not errors:
        raise RuleViolation("The file has a header but no rows.", field="file")
    return rows, errors


def _columns(header: list[str]) -> dict[str, int]:
    names = [" ".join(h.lower().replace("e-mail", "email").replace("_", " ").replace("-", " ")
                      .split()) for h in header]
    mapping = {}
    for target, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in names:
                mapping[target] = names.index(alias)
                break
    missing = [f for f in REQUIRED_COLUMNS if f not in mapping]
    if missing:
        wanted = ", ".join(COLUMNS[f][0] for f in missing)
        raise RuleViolation(f"The file needs these columns: {wanted}.", field="file")
    return mapping


def _existing(db: Session, ids: list[str]) -> dict[str, DirectOpportunity]:
    out = {}
    for chunk in _chunks(ids):
        out.update({o.external_id: o for o in db.scalars(
            select(DirectOpportunity).where(DirectOpportunity.external_id.in_(chunk)))})
    return out


def _upsert(db: Session, actor: Actor, opp: DirectOpportunity | None, row: DirectRowIn,
            now: datetime, import_id: str) -> tuple[str, DirectOpportunity]:
    domain = customers.company_domain(row.website)
    customer = customers.find_or_create(db, actor, name=row.account_name, domain=domain,
                                        country=row.country, now=now)
    values = dict(external_id=row.external_id, end_customer_id=customer.id,
                  account_name=row.account_name,
                  account_name_form=name_form(name_key(row.account_name)),
                  website=row.website or None, domain=domain,
                  customer_key=customers.normalize_name(row.account_name), country=row.country,
                  name=row.name, amount=row.amount, close_date=row.close_date,
                  owner_email=row.owner_email or None, status=row.status,
                  # A tag, once a CRM's custom field set it, stays when a later upsert (the
                  # API's, a file without the field) does not give it.
                  partner_id=row.partner_id or (opp.partner_id if opp else None),
                  registration_id=row.registration_id or (opp.registration_id if opp
                                                          else None))
    if opp is None:
        opp = DirectOpportunity(**values, imported_at=now, updated_at=now, import_id=import_id)
        db.add(opp)
        db.flush()
        audit.record(db, actor, "direct_opportunity.create", "direct_opportunity", opp.id,
                     after=audit.snapshot(opp, FIELDS), now=now)
        return "created", opp
    before = audit.snapshot(opp, FIELDS)
    for key, value in values.items():
        setattr(opp, key, value)
    after = audit.snapshot(opp, FIELDS)
    if after == before:
        return "unchanged", opp
    opp.updated_at, opp.import_id = now, import_id
    audit.record(db, actor, "direct_opportunity.update", "direct_opportunity", opp.id,
                 before=before, after=after, now=now)
    return "updated", opp


def _flag_registrations(db: Session, actor: Actor, opps: list[DirectOpportunity],
                        now: datetime, *, already: Iterable[int] = ()
                        ) -> tuple[list[int], list[int]]:
    """Pending registrations that may be for an imported open opportunity's company go to
    the desk; approved ones are reported (their protection stands until the desk decides).
    `already`: registrations an earlier batch of the same import sent."""
    sent: dict[int, None] = dict.fromkeys(already)
    first_new = len(sent)
    protected: dict[int, None] = {}
    for opp in opps:
        if opp.status != "open":
            continue
        for found in conflicts.check(db, conflicts.claim_of_direct(opp)):
            deal = found.registration
            if deal is None or conflicts.partners_own(opp, deal):
                continue  # the vendor's own record of this partner's deal: no conflict
            status = DealStatus(deal.status)
            if status == DealStatus.APPROVED:
                protected[deal.id] = None
                continue
            if status not in PENDING or deal.id in sent:
                continue
            stronger = (conflicts.VERDICT_RANK[found.match.verdict]
                        > conflicts.VERDICT_RANK[deal.match_verdict])
            if not stronger and status != DealStatus.SUBMITTED:
                continue  # already with the desk for a match at least as strong
            before = snapshot(deal)
            if stronger:
                deal.match_verdict, deal.match_score = found.match.verdict, found.match.score
            if status == DealStatus.SUBMITTED:
                change_status(db, deal, actor, DealStatus.UNDER_REVIEW,
                              "The deal desk is reviewing it.", now=now)
            add_event(db, deal, actor, "status", f"Direct opportunity {opp.external_id} "
                      f"({opp.owner_email or 'direct sales'}) imported: "
                      f"{found.match.verdict} {found.match.score}, "
                      f"{'; '.join(found.match.reasons)}.", now=now, internal=True)
            audited(db, actor, "deal.conflict_direct", deal, before, now=now)
            sent[deal.id] = None
    return list(sent)[first_new:], list(protected)


# ---------------------------------------------------------------- reading


def list_direct_opportunities(db: Session, actor: Actor, *, search: str = "",
                              status: str | None = None, limit: int = 200, offset: int = 0,
                              ) -> tuple[list[DirectOpportunityOut], int]:
    require(actor, "deal.import_direct")
    q = select(DirectOpportunity)
    if status:
        q = q.where(DirectOpportunity.status == status)
    if search.strip():
        needle = search.strip().lower()
        q = q.where(or_(func.lower(DirectOpportunity.account_name).contains(needle,
                                                                            autoescape=True),
                        DirectOpportunity.domain.contains(needle, autoescape=True),
                        func.lower(DirectOpportunity.external_id).contains(needle,
                                                                           autoescape=True)))
    total = db.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = db.scalars(q.order_by(DirectOpportunity.close_date, DirectOpportunity.id)
                      .limit(limit).offset(offset))
    return [DirectOpportunityOut(o.id, o.external_id, o.account_name, o.domain, o.country,
                                 o.name, o.amount, o.close_date, o.owner_email, o.status,
                                 o.updated_at) for o in rows], total
