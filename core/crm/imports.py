"""Direct opportunities from a CRM's own exports: a Salesforce Account export and Opportunity
export (joined by AccountId), a HubSpot companies export and deals export (joined by the
company's domain, or its record id when the deal names one), or the project's own
direct-opportunity columns. Each file is recognised by its headers.

Opportunities and deals are the rows; account and company files only supply the company's
name, website and country. A row is rejected with its reason (its company not in the files,
a country that cannot be read, a bad amount...) and the others are upserted by external id
with the conflict check every direct opportunity runs. A saved field mapping (core.crm
mappings) reads what a team's CRM adds of its own: a custom `Partner__c` or
`Deal_Registration_Id__c`, a HubSpot property.

Lines are numbered as a spreadsheet shows them (the header is line 1)."""

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.crm.mappings import saved_mappings
from core.customers.identity import country_code, registrable_domain
from core.deals import direct
from core.errors import RuleViolation
from core.leads.importer import Table, TableError, fold, read_table
from core.permissions import require
from db.models import DealRegistration, Partner
from db.session import unit_of_work
from db.types import utcnow

KEPT_ERRORS = 1_000
ROW_KINDS = ("salesforce_opportunities", "hubspot_deals", "direct")
KIND_LABELS = {
    "salesforce_accounts": "Salesforce Account export",
    "salesforce_opportunities": "Salesforce Opportunity export",
    "hubspot_companies": "HubSpot companies export",
    "hubspot_deals": "HubSpot deals export",
    "direct": "direct opportunities (our columns)",
}
LABELS = {"external_id": "External id", "account_name": "Account name", "website": "Website",
          "country": "Country", "name": "Opportunity name", "amount": "Amount",
          "close_date": "Close date", "owner_email": "Owner e-mail", "status": "Stage"}

# Our field -> the folded headers each export writes it under, first found wins.
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "salesforce_opportunities": {
        "external_id": ("id",), "account_ref": ("accountid",), "name": ("name",),
        "status": ("stagename",), "amount": ("amount",), "close_date": ("closedate",),
        "is_closed": ("isclosed",), "is_won": ("iswon",),
        "owner_email": ("owneremail",),
    },
    "salesforce_accounts": {
        "id": ("id",), "account_name": ("name",), "website": ("website",),
        "country": ("billingcountrycode", "billingcountry", "billingaddress",
                    "shippingcountrycode", "shippingcountry", "shippingaddress"),
    },
    "hubspot_deals": {
        "external_id": ("recordid", "dealid", "hsobjectid"), "name": ("dealname",),
        "status": ("dealstage",), "amount": ("amount",), "close_date": ("closedate",),
        "company_domain": ("companydomainname", "associatedcompanydomain",
                           "associatedcompanydomainname", "companydomain", "domain"),
        "company_ids": ("associatedcompanyids", "associatedcompanyid",
                        "associatedcompanyidsprimary", "associatedcompanyidprimary"),
        "owner_email": ("dealowneremail", "owneremail"),
    },
    "hubspot_companies": {
        "id": ("recordid", "companyid", "hsobjectid"), "account_name": ("companyname", "name"),
        "domain": ("companydomainname", "domain"), "website": ("websiteurl", "website"),
        "country": ("countryregion", "country", "countrycode"),
    },
    "direct": {f: tuple(fold(a) for a in aliases) for f, aliases in direct.COLUMNS.items()},
}
COUNTRY_COLUMNS = COLUMNS["salesforce_accounts"]["country"]
WON = {"closedwon", "won"}
LOST = {"closedlost", "lost"}
_ISO_MOMENT = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]")


class CrmFileError(RuleViolation):
    """A file that cannot be read or is none of the exports this import knows."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


@dataclass(frozen=True)
class CrmFile:
    name: str
    kind: str
    table: Table
    columns: dict[str, int]  # our field -> column index


@dataclass(frozen=True)
class RowError:
    file: str
    line: int
    message: str


@dataclass(frozen=True)
class Prepared:
    """The rows the files give: the good ones checked, the others with their reason."""

    files: tuple[tuple[str, str], ...]  # (name, kind)
    rows: list[direct.DirectRowIn]
    origins: list[tuple[str, int]]  # each good row's (file, line)
    rejected: list[RowError]

    @property
    def count(self) -> int:
        return len(self.rows) + len(self.rejected)


@dataclass(frozen=True)
class CrmImportReport:
    rows: int
    imported: int
    updated: int
    unchanged: int
    rejected: int
    errors: tuple[RowError, ...]
    files: tuple[tuple[str, str], ...] = ()
    sent_to_desk: tuple[int, ...] = ()
    protected_matches: tuple[int, ...] = ()
    dry_run: bool = False
    preview: tuple[dict, ...] = field(default=(), repr=False)

    def as_json(self, errors: int = 20) -> dict[str, Any]:
        """The command line's one line of JSON."""
        return {"rows": self.rows, "imported": self.imported, "updated": self.updated,
                "unchanged": self.unchanged, "rejected": self.rejected,
                "errors": [{"file": e.file, "line": e.line, "message": e.message}
                           for e in self.errors[:errors]]}


# ---------------------------------------------------------------- files


def recognise(name: str, data: bytes, mappings: Mapping[str, Mapping[str, str]]) -> CrmFile:
    """The file read and told apart by its headers, with its saved mapping applied."""
    try:
        table = read_table(data)
    except TableError as exc:
        raise CrmFileError(f"{name}: {exc}") from None
    keys = [fold(h) for h in table.headers]
    kind = _kind_of(set(keys), list(table.headers))
    if kind is None:
        raise CrmFileError(f"{name}: not a Salesforce Account or Opportunity export, a HubSpot "
                           "companies or deals export, or a file with the direct-opportunity "
                           "columns (external id, account name, country, name, amount, close "
                           "date).")
    columns: dict[str, int] = {}
    for ours, names in COLUMNS[kind].items():
        at = next((keys.index(n) for n in names if n in keys), None)
        if at is not None:
            columns[ours] = at
    for key, ours in mappings.get(crm_of(kind), {}).items():
        if key in keys:
            columns[ours] = keys.index(key)
    return CrmFile(name, kind, table, columns)


def crm_of(kind: str) -> str:
    return kind.split("_")[0] if kind != "direct" else "direct"


def _kind_of(keys: set[str], headers: list[str]) -> str | None:
    if {"accountid", "stagename"} <= keys:
        return "salesforce_opportunities"
    if {"dealname", "dealstage"} <= keys:
        return "hubspot_deals"
    try:  # our columns before the account rules: "id, name, website" is ours too
        direct._columns(headers)
        return "direct"
    except RuleViolation:
        pass
    if {"id", "name"} <= keys and keys & {*COUNTRY_COLUMNS, "website", "industry",
                                          "accountnumber"}:
        return "salesforce_accounts"
    if keys & {"recordid", "companyid"} and keys & {"companyname", "companydomainname"}:
        return "hubspot_companies"
    return None


# ---------------------------------------------------------------- companies


@dataclass(frozen=True)
class Company:
    name: str
    website: str
    country: str  # as the file writes it: a name, a code, or an address's


@dataclass
class Companies:
    """The accounts and companies of every file, by the keys rows join on."""

    by_account_id: dict[str, Company] = field(default_factory=dict)
    by_domain: dict[str, Company] = field(default_factory=dict)
    by_record_id: dict[str, Company] = field(default_factory=dict)
    salesforce: bool = False
    hubspot: bool = False

    def add(self, f: CrmFile) -> None:
        for row in f.table.rows:
            company = Company(_cell(row, f, "account_name"), _website_of(row, f),
                              _country_text(row, f))
            ref = _cell(row, f, "id")
            if f.kind == "salesforce_accounts":
                self.salesforce = True
                if ref:
                    self.by_account_id[salesforce_key(ref)] = company
                continue
            self.hubspot = True
            if ref:
                self.by_record_id[ref] = company
            for text in (_cell(row, f, "domain"), _cell(row, f, "website")):
                domain = registrable_domain(text) if text else None
                if domain:
                    self.by_domain.setdefault(domain, company)


def _cell(row: list[str], f: CrmFile, ours: str) -> str:
    at = f.columns.get(ours)
    return row[at].strip() if at is not None else ""


def _website_of(row: list[str], f: CrmFile) -> str:
    return _cell(row, f, "website") or _cell(row, f, "domain")


def _country_text(row: list[str], f: CrmFile) -> str:
    """The country as written: the mapped or first country column that has one, reading an
    address column (Salesforce writes compound addresses as JSON in one cell) for its code or
    country."""
    if f.kind == "salesforce_accounts":
        keys = [fold(h) for h in f.table.headers]
        chosen = f.columns.get("country")
        order = ([chosen] if chosen is not None else []) + \
            [keys.index(c) for c in COUNTRY_COLUMNS if c in keys]
        for at in order:
            text = _from_address(row[at].strip())
            if text:
                return text
        return ""
    return _from_address(_cell(row, f, "country"))


def _from_address(text: str) -> str:
    if not text.startswith("{"):
        return text
    try:
        address = json.loads(text)
    except ValueError:
        return text
    if not isinstance(address, dict):
        return ""
    return str(address.get("countryCode") or address.get("country") or "").strip()


def salesforce_id18(ref: str) -> str:
    """A Salesforce record id as its 18 characters: a report exports the 15-character id
    (case-sensitive), Data Loader the 18-character one, whose last three letters encode the
    case of the first fifteen."""
    ref = ref.strip()
    if len(ref) == 15 and ref.isalnum():
        suffix = ""
        for start in (0, 5, 10):
            bits = sum(1 << i for i, c in enumerate(ref[start:start + 5]) if "A" <= c <= "Z")
            suffix += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits]
        ref += suffix
    return ref


def salesforce_key(ref: str) -> str:
    """The key both forms of an id join on: the 18 characters, upper-cased (safe, since the
    suffix keeps the case)."""
    return salesforce_id18(ref).upper()


# ---------------------------------------------------------------- rows


def prepare(db: Session, files: Sequence[tuple[str, bytes]],
            mappings: Mapping[str, Mapping[str, str]] | None = None) -> Prepared:
    """Every file recognised (CrmFileError for the first that is not), the rows joined to
    their companies and checked."""
    mappings = saved_mappings(db) if mappings is None else mappings
    read = [recognise(name, data, mappings) for name, data in files]
    too_many = sum(len(f.table.rows) for f in read if f.kind in ROW_KINDS) - direct.MAX_ROWS
    if too_many > 0:
        raise CrmFileError(f"The files hold more than {direct.MAX_ROWS:,} opportunities: "
                           "import them in parts.")
    companies = Companies()
    for f in read:
        if f.kind in ("salesforce_accounts", "hubspot_companies"):
            companies.add(f)
    resolver = _Resolver(db)
    rows, origins, rejected, seen = [], [], [], {}
    for f in read:
        if f.kind not in ROW_KINDS:
            continue
        for row, line in zip(f.table.rows, f.table.lines, strict=True):
            raw, problem = _raw(row, f, companies)
            checked = None
            if problem is None:
                checked, problem = _checked(raw, resolver)
            if problem is None and checked.external_id in seen:
                first = seen[checked.external_id]
                problem = f"The same external id is on line {first[1]} of {first[0]} too."
            if problem is not None:
                rejected.append(RowError(f.name, line, problem))
                continue
            seen[checked.external_id] = (f.name, line)
            rows.append(checked)
            origins.append((f.name, line))
    return Prepared(tuple((f.name, f.kind) for f in read), rows, origins, rejected)


def _raw(row: list[str], f: CrmFile, companies: Companies) -> tuple[dict, str | None]:
    """The row as the direct-opportunity fields (text), or why it has no company."""
    raw = {k: _cell(row, f, k) for k in ("external_id", "name", "amount", "owner_email",
                                          "registration_id", "partner")}
    raw["close_date"] = _day(_cell(row, f, "close_date"))
    if f.kind == "direct":
        raw |= {k: _cell(row, f, k) for k in ("account_name", "website", "country", "status")}
        return raw, None
    if f.kind == "salesforce_opportunities":
        raw["external_id"] = salesforce_id18(raw["external_id"])
        raw["status"] = _salesforce_status(row, f)
        company, problem = _salesforce_account(row, f, companies)
    else:
        raw["status"] = _stage(_cell(row, f, "status"))
        company, problem = _hubspot_company(row, f, companies)
    if company is None:
        return raw, problem
    if "@" not in raw["owner_email"]:
        raw["owner_email"] = ""  # HubSpot's "Deal owner" is a name
    raw |= {"account_name": company.name, "website": company.website}
    if not company.country:
        return raw, f"The company {company.name!r} has no country in its export."
    raw["country"] = country_code(company.country) or ""
    if not raw["country"]:
        return raw, f"The company's country {company.country!r} cannot be read."
    return raw, None


def _salesforce_account(row, f, companies) -> tuple[Company | None, str | None]:
    ref = _cell(row, f, "account_ref")
    if not ref:
        return None, "The opportunity names no account (AccountId is empty)."
    if not companies.salesforce:
        return None, "No Salesforce Account export was given to find the account in."
    company = companies.by_account_id.get(salesforce_key(ref))
    return (company, None) if company else (None, f"Account {ref} is not in the Account "
                                                  "export.")


def _hubspot_company(row, f, companies) -> tuple[Company | None, str | None]:
    if not companies.hubspot:
        return None, "No HubSpot companies export was given to find the company in."
    for ref in re.split(r"[;,\s]+", _cell(row, f, "company_ids")):  # named: it, first
        if ref and ref in companies.by_record_id:
            return companies.by_record_id[ref], None
    given = _cell(row, f, "company_domain")
    domain = registrable_domain(given) if given else None
    if domain and domain in companies.by_domain:
        return companies.by_domain[domain], None
    if given:
        return None, f"No company with the domain {given!r} is in the companies export."
    return None, "The deal names no company domain to find its company by."


def _salesforce_status(row, f) -> str:
    closed, won = _cell(row, f, "is_closed").lower(), _cell(row, f, "is_won").lower()
    if closed in ("true", "1", "false", "0"):
        if closed in ("false", "0"):
            return "open"
        return "won" if won in ("true", "1") else "lost"
    return _stage(_cell(row, f, "status"))


def _stage(text: str) -> str:
    key = fold(text)
    return "won" if key in WON else "lost" if key in LOST else "open"


def _day(text: str) -> str:
    """A date from an ISO moment ("2026-12-31T00:00:00.000Z", "2026-12-31 00:00") or as
    written."""
    found = _ISO_MOMENT.match(text)
    return found.group(1) if found else text


class _Resolver:
    """Partners and registrations a mapped custom field names, each looked up once."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self.partners: dict[str, int | None] = {}
        self.registrations: dict[str, tuple[int, int] | None] = {}

    def partner(self, text: str) -> int | None:
        if text not in self.partners:
            p = Partner
            found = self.db.scalar(select(p.id).where(p.id == int(text))) \
                if _an_id(text) else None
            self.partners[text] = found or self.db.scalar(
                select(p.id).where(func.lower(p.name) == text.lower()).order_by(p.id).limit(1))
        return self.partners[text]

    def registration(self, text: str) -> tuple[int, int] | None:
        key = text.lstrip("#")
        if key not in self.registrations:
            d = DealRegistration
            self.registrations[key] = self.db.execute(
                select(d.id, d.partner_id).where(d.id == int(key))).first() \
                if _an_id(key) else None
        return self.registrations[key]


def _an_id(text: str) -> bool:
    """Digits that can be a record id ("²" is a digit to str.isdigit, not to int)."""
    return text.isascii() and text.isdigit() and len(text) <= 9


def _checked(raw: dict, resolver: _Resolver) -> tuple[direct.DirectRowIn | None, str | None]:
    partner_text, registration_text = raw.pop("partner"), raw.pop("registration_id")
    partner_id = registration_id = None
    if registration_text:
        found = resolver.registration(registration_text)
        if found is None:
            return None, f"No deal registration {registration_text!r} is ours."
        registration_id, partner_id = found
    if partner_text:
        partner_id = resolver.partner(partner_text)
        if partner_id is None:
            return None, f"No partner is named {partner_text!r}."
    try:
        row = direct.DirectRowIn.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        label = LABELS.get(str(err["loc"][0]) if err["loc"] else "", "Row")
        return None, f"{label}: {err['msg'].removeprefix('Value error, ')}"
    return row.model_copy(update={"partner_id": partner_id,
                                  "registration_id": registration_id}), None


# ---------------------------------------------------------------- import


Progress = Callable[[str, int, int], None]


def _dry_run(engine: Engine, actor: Actor, rows: list, now: datetime
             ) -> direct.DirectImportReport:
    """What writing the rows would count, batch by batch, each rolled back: the write lock
    is held for a batch at a time, as a real import holds it (a row's count depends on its
    own external id only, so the batches add up to one run's)."""
    created = updated = unchanged = 0
    for start in range(0, len(rows), direct.BATCH_ROWS):
        with unit_of_work(engine, immediate=True) as db:
            done = direct.upsert_direct_opportunities(
                db, actor, rows[start:start + direct.BATCH_ROWS], now=now)
            db.rollback()
        created, updated, unchanged = (created + done.created, updated + done.updated,
                                       unchanged + done.unchanged)
    return direct.DirectImportReport(created, updated, unchanged, (), (), ())


def import_crm_files(engine: Engine, actor: Actor, files: Sequence[tuple[str, bytes]], *,
                     dry_run: bool = False, now: datetime | None = None,
                     progress: Progress | None = None) -> CrmImportReport:
    """Read the files (CrmFileError: nothing written), then upsert the good rows by external
    id, in batches (all of them or, when writing stops, none), and send the pending
    registrations they meet to the desk. A dry run writes them in one transaction and rolls
    it back, so it counts exactly as a real run would."""
    require(actor, "deal.import_direct")
    now = now or utcnow()
    with unit_of_work(engine) as db:
        prepared = prepare(db, files)
    if not prepared.rows:
        written = direct.DirectImportReport(0, 0, 0, (), (), ())
    elif dry_run:
        written = _dry_run(engine, actor, prepared.rows, now)
    else:
        written = direct.write_in_batches(engine, actor, prepared.rows, now=now,
                                          progress=progress)
    report = CrmImportReport(
        prepared.count, written.created, written.updated, written.unchanged,
        len(prepared.rejected), tuple(prepared.rejected[:KEPT_ERRORS]), prepared.files,
        written.sent_to_desk, written.protected_matches, dry_run,
        tuple(r.model_dump(mode="json") for r in prepared.rows[:20]))
    if not dry_run:
        with unit_of_work(engine) as db:
            audit.record(db, actor, "direct_import.crm", "direct_import", None, after={
                "files": [{"name": n, "kind": k} for n, k in prepared.files],
                **report.as_json(errors=0)}, now=now)
    return report

