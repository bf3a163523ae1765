"""Leads in: one by the form, the duplicate check both the form and the import use, and a
company name corrected.

A lead is a duplicate of any lead already kept, whatever its status, with the same contact
e-mail, the same source id (the CRM's), or, when it has no e-mail, the same contact name at the
same normalized company in the same country. Several contacts at one company are separate
leads. An erased lead's keys are gone, so the same person comes in again."""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.errors import RuleViolation
from core.funds.activities import funded_ids
from core.leads import fields
from core.leads.records import LeadOut, lead_out, load_lead
from core.permissions import require
from db import locks
from db.models import Lead, ProductLine
from db.types import utcnow

INTAKE_LOCK = "leads:intake"  # two imports (or a form and an import) check keys in turn
KEYS = ("email_key", "source_id", "person_key")
CHUNK = 500  # keys per IN list
AUDITED = ("company", "website", "first_name", "last_name", "email", "phone", "country",
           "state", "postal_code", "industry", "product_line_id", "source", "campaign",
           "source_id", "fund_request_id")


class DuplicateLead(RuleViolation):
    def __init__(self, lead_id: int, why: str) -> None:
        super().__init__(f"This lead is already in (lead #{lead_id}): same {why}.",
                         field="email" if why == "e-mail" else "company")
        self.lead_id = lead_id


def product_lines(db: Session) -> dict[str, int]:
    """Active product lines by lower-cased name."""
    return {name.lower(): pid for pid, name in db.execute(
        select(ProductLine.id, ProductLine.name).where(ProductLine.active)).tuples()}


def existing_keys(db: Session, values: Iterable[Mapping[str, Any]]) -> dict[str, dict]:
    """{key kind: {key: lead id}} of the leads kept that share a key with these values."""
    found: dict[str, dict] = {k: {} for k in KEYS}
    for kind in KEYS:
        wanted = sorted({v[kind] for v in values if v.get(kind)})
        column = getattr(Lead, kind)
        for i in range(0, len(wanted), CHUNK):
            found[kind].update(db.execute(select(column, func.min(Lead.id))
                                          .where(column.in_(wanted[i:i + CHUNK]))
                                          .group_by(column)).tuples().all())
    return found


def duplicate_of(values: Mapping[str, Any], known: Mapping[str, Mapping]) -> tuple[int, str] | None:
    """(lead id, why) when the values repeat a known key, else None."""
    if values.get("email_key") and values["email_key"] in known["email_key"]:
        return known["email_key"][values["email_key"]], "e-mail"
    if values.get("source_id") and values["source_id"] in known["source_id"]:
        return known["source_id"][values["source_id"]], "source id"
    if not values.get("email_key") and values.get("person_key") and \
            values["person_key"] in known["person_key"]:
        return known["person_key"][values["person_key"]], "name at the same company"
    return None


def row_of(values: Mapping[str, Any], actor: Actor, now: datetime,
           import_id: str | None = None) -> dict[str, Any]:
    """The leads table's row for checked values."""
    return {**{k: values[k] for k in (
        "company", "company_from_domain", "company_key", "website", "domain", "first_name",
        "last_name", "email", "phone", "title", "country", "state", "postal_code", "city",
        "region", "industry", "industry_key", "company_size", "product_line_id", "source",
        "campaign", "notes", "email_key", "source_id", "person_key", "fund_request_id")},
        "status": "new", "offers": 0, "import_id": import_id, "created_at": now,
        "updated_at": now, "created_by_user_id": actor.user_id}


def create_lead(db: Session, actor: Actor, data: Mapping[str, Any], *,
                now: datetime | None = None) -> LeadOut:
    """A lead from the form: each bad field named (ValidationError-like RuleViolation per
    field), a duplicate refused with the lead it repeats; audited. Waits in the vendor queue."""
    require(actor, "lead.manage")
    now = now or utcnow()
    values, errors = fields.check(data, product_lines(db),
                                  funded_ids(db, [data.get("fund_activity")]))
    if errors:
        raise RuleViolation(errors[0].message, field=errors[0].field)
    locks.hold(db, INTAKE_LOCK)
    dup = duplicate_of(values, existing_keys(db, [values]))
    if dup is not None:
        raise DuplicateLead(*dup)
    lead = Lead(**row_of(values, actor, now))
    db.add(lead)
    db.flush()
    audit.record(db, actor, "lead.create", "lead", lead.id,
                 after={k: getattr(lead, k) for k in AUDITED}, now=now)
    return lead_out(db, actor, lead)


def rename_company(db: Session, actor: Actor, lead_id: int, company: str, *,
                   now: datetime | None = None) -> LeadOut:
    """Correct a lead's company (one named from its domain, say); audited."""
    require(actor, "lead.manage")
    lead = load_lead(db, actor, lead_id)
    values, errors = fields.check({"company": company, "country": lead.country}, {})
    errors = [e for e in errors if e.field == "company"]
    if errors or not values.get("company"):
        raise RuleViolation(errors[0].message if errors else "Give the company's name.",
                            field="company")
    before = {"company": lead.company}
    lead.company, lead.company_from_domain = values["company"], False
    lead.company_key = values["company_key"]
    lead.person_key = fields.person_key(lead.first_name, lead.last_name, lead.company,
                                        lead.country) if lead.erased_at is None else None
    db.flush()
    audit.record(db, actor, "lead.rename_company", "lead", lead.id, before=before,
                 after={"company": lead.company}, now=now or utcnow())
    return lead_out(db, actor, lead)


MAX_BATCH = 500  # leads one API call creates


def create_leads(db: Session, actor: Actor, items: list[Mapping[str, Any]], *,
                 now: datetime | None = None) -> list[tuple[int, bool]]:
    """Leads from an integration, all or none: a bad field of any item refuses them all
    (RuleViolation on "items.N.field"); an item that repeats a lead kept (or an earlier item)
    is not added again. Returns (lead id, created) per item, in order: the lead created, or
    the one it repeats, so a CRM that sends the same leads again learns their ids."""
    require(actor, "lead.manage")
    if not 1 <= len(items) <= MAX_BATCH:
        raise RuleViolation(f"Send from 1 to {MAX_BATCH} leads at a time.", field="items")
    now = now or utcnow()
    lines = product_lines(db)
    activities = funded_ids(db, [i.get("fund_activity") for i in items])
    checked = []
    for n, item in enumerate(items):
        values, errors = fields.check(item, lines, activities)
        if errors:
            raise RuleViolation(errors[0].message, field=f"items.{n}.{errors[0].field}")
        checked.append(values)
    locks.hold(db, INTAKE_LOCK)
    known = existing_keys(db, checked)
    out: list[tuple[int, bool]] = []
    for values in checked:
        dup = duplicate_of(values, known)
        if dup is not None:
            out.append((dup[0], False))
            continue
        lead = Lead(**row_of(values, actor, now))
        db.add(lead)
        db.flush()
        audit.record(db, actor, "lead.create", "lead", lead.id,
                     after={k: getattr(lead, k) for k in AUDITED}, now=now)
        out.append((lead.id, True))
        for kind in KEYS:  # a later item repeating this one names this lead
            if values.get(kind):
                known[kind].setdefault(values[kind], lead.id)
    return out
