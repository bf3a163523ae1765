"""Saved field mappings: a column a team's CRM export adds of its own (a custom `Partner__c`
or `Deal_Registration_Id__c` in Salesforce, a custom property in HubSpot) mapped once to the
field of ours it holds, or a standard field the team keeps under another name. The CRM file
import applies them to every file of that CRM from then on."""

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.errors import NotFound
from core.leads.importer import fold
from core.permissions import require
from core.validation import OneOf, RequiredText, as_model
from db.models import CrmFieldMapping
from db.types import utcnow

CRMS = {"salesforce": "Salesforce", "hubspot": "HubSpot", "direct": "Our columns"}
# Our fields a column may be mapped to.
FIELDS = {
    "registration_id": "Our deal registration id (the opportunity is that registration)",
    "partner": "Partner, by name or our id (the opportunity is that partner's deal)",
    "owner_email": "Owner's e-mail",
    "country": "Country (on the account or company file)",
    "website": "Website or domain (on the account or company file)",
    "account_name": "Company name (on the account or company file)",
    "amount": "Amount",
    "close_date": "Close date",
    "external_id": "External id",
}


class MappingIn(BaseModel):
    crm: OneOf(tuple(CRMS), unknown="Choose Salesforce, HubSpot or our columns.") = ""
    column: RequiredText(200, "Give the column's name as the export writes it.",
                         too_long="Keep the column's name to 200 characters.") = ""
    field: OneOf(tuple(FIELDS), unknown="Choose one of our fields.") = ""


@dataclass(frozen=True)
class MappingOut:
    id: int
    crm: str
    column: str
    field: str
    field_label: str
    updated_at: datetime


def saved_mappings(db: Session) -> dict[str, dict[str, str]]:
    """{crm: {folded column: our field}}."""
    out: dict[str, dict[str, str]] = {c: {} for c in CRMS}
    for m in db.scalars(select(CrmFieldMapping)):
        out.setdefault(m.crm, {})[m.column_key] = m.field
    return out


def list_mappings(db: Session, actor: Actor) -> list[MappingOut]:
    require(actor, "deal.import_direct")
    return [_out(m) for m in db.scalars(select(CrmFieldMapping).order_by(
        CrmFieldMapping.crm, CrmFieldMapping.column))]


def save_mapping(db: Session, actor: Actor, data: MappingIn | dict, *,
                 now: datetime | None = None) -> MappingOut:
    """Map a column (the same column mapped again: to the new field); audited."""
    require(actor, "deal.import_direct")
    data = as_model(MappingIn, data)
    now = now or utcnow()
    key = fold(data.column)
    m = db.scalar(select(CrmFieldMapping).where(CrmFieldMapping.crm == data.crm,
                                                CrmFieldMapping.column_key == key))
    before = {"column": m.column, "field": m.field} if m else None
    if m is None:
        m = CrmFieldMapping(crm=data.crm, column_key=key)
        db.add(m)
    m.column, m.field, m.updated_by_user_id, m.updated_at = data.column, data.field, \
        actor.user_id, now
    db.flush()
    audit.record(db, actor, "crm.mapping_save", "crm_field_mapping", m.id, before=before,
                 after={"crm": m.crm, "column": m.column, "field": m.field}, now=now)
    return _out(m)


def delete_mapping(db: Session, actor: Actor, mapping_id: int, *,
                   now: datetime | None = None) -> None:
    require(actor, "deal.import_direct")
    m = db.get(CrmFieldMapping, mapping_id)
    if m is None:
        raise NotFound("field mapping")
    audit.record(db, actor, "crm.mapping_delete", "crm_field_mapping", m.id,
                 before={"crm": m.crm, "column": m.column, "field": m.field},
                 now=now or utcnow())
    db.delete(m)
    db.flush()


def _out(m: CrmFieldMapping) -> MappingOut:
    return MappingOut(m.id, m.crm, m.column, m.field, FIELDS.get(m.field, m.field),
                      m.updated_at)
