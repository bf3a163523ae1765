"""Direct opportunities: the vendor's own pipeline, imported from the CRM as CSV.

The import is all or nothing: every row is checked first and any bad row is reported with its
line number, with nothing written. Rows are upserted by external id. An open direct
opportunity that meets a pending partner registration sends that registration to the desk."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, or_, select
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
from core.validation import Amount, Country, Date, Email, OneOf, RequiredText, Website
from db.models import DirectOpportunity
from db.types import utcnow

MAX_ROWS = 50_000
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
          "name", "amount", "close_date", "owner_email", "status"]


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


# ---------------------------------------------------------------- import


def import_direct_opportunities(db: Session, actor: Actor, content: bytes, *,
                                now: datetime | None = None) -> DirectImportReport:
    """Check every row, then upsert them all by external id, or write nothing."""
    require(actor, "deal.import_direct")
    now = now or utcnow()
    rows, errors = parse_csv(content)
    if errors:
        return DirectImportReport(0, 0, 0, tuple(errors), (), ())
    serialize_registrations(db)
    existing = _existing(db, [r.external_id for r in rows])
    created = updated = unchanged = 0
    touched: list[DirectOpportunity] = []
    for row in rows:
        outcome, opp = _upsert(db, actor, existing.get(row.external_id), row, now)
        created += outcome == "created"
        updated += outcome == "updated"
        unchanged += outcome == "unchanged"
        touched.append(opp)
    db.flush()
    sent, protected = _flag_registrations(db, actor, touched, now)
    return DirectImportReport(created, updated, unchanged, (), tuple(sent), tuple(protected))


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
    for field, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in names:
                mapping[field] = names.index(alias)
                break
    missing = [f for f in REQUIRED_COLUMNS if f not in mapping]
    if missing:
        wanted = ", ".join(COLUMNS[f][0] for f in missing)
        raise RuleViolation(f"The file needs these columns: {wanted}.", field="file")
    return mapping


def _existing(db: Session, ids: list[str]) -> dict[str, DirectOpportunity]:
    out = {}
    for start in range(0, len(ids), 500):  # keep IN lists short for both databases
        chunk = ids[start:start + 500]
        out.update({o.external_id: o for o in db.scalars(
            select(DirectOpportunity).where(DirectOpportunity.external_id.in_(chunk)))})
    return out


def _upsert(db: Session, actor: Actor, opp: DirectOpportunity | None, row: DirectRowIn,
            now: datetime) -> tuple[str, DirectOpportunity]:
    domain = customers.company_domain(row.website)
    customer = customers.find_or_create(db, actor, name=row.account_name, domain=domain,
                                        country=row.country, now=now)
    values = dict(external_id=row.external_id, end_customer_id=customer.id,
                  account_name=row.account_name,
                  account_name_form=name_form(name_key(row.account_name)),
                  website=row.website or None, domain=domain,
                  customer_key=customers.normalize_name(row.account_name), country=row.country,
                  name=row.name, amount=row.amount, close_date=row.close_date,
                  owner_email=row.owner_email or None, status=row.status)
    if opp is None:
        opp = DirectOpportunity(**values, imported_at=now, updated_at=now)
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
    opp.updated_at = now
    audit.record(db, actor, "direct_opportunity.update", "direct_opportunity", opp.id,
                 before=before, after=after, now=now)
    return "updated", opp


def _flag_registrations(db: Session, actor: Actor, opps: list[DirectOpportunity],
                        now: datetime) -> tuple[list[int], list[int]]:
    """Pending registrations that may be for an imported open opportunity's company go to
    the desk; approved ones are reported (their protection stands until the desk decides)."""
    sent: dict[int, None] = {}
    protected: dict[int, None] = {}
    for opp in opps:
        if opp.status != "open":
            continue
        for found in conflicts.check(db, conflicts.claim_of_direct(opp)):
            deal = found.registration
            if deal is None:
                continue
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
    return list(sent), list(protected)


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
        q = q.where(or_(func.lower(DirectOpportunity.account_name).contains(needle),
                        DirectOpportunity.domain.contains(needle),
                        func.lower(DirectOpportunity.external_id).contains(needle)))
    total = db.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = db.scalars(q.order_by(DirectOpportunity.close_date, DirectOpportunity.id)
                      .limit(limit).offset(offset))
    return [DirectOpportunityOut(o.id, o.external_id, o.account_name, o.domain, o.country,
                                 o.name, o.amount, o.close_date, o.owner_email, o.status,
                                 o.updated_at) for o in rows], total
