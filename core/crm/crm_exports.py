"""Deal registrations and the leads partners accepted, as CSV files a CRM's import wizard reads
as they are, in Salesforce's or HubSpot's field names: for a channel team whose CRM has no
integration (one with an integration polls the API instead: core.crm.feeds).

Vendor-only ("crm.export"), on top of each record's own read permission and scope: deal
registrations need "deal.view" (so marketing, which does not read registrations, exports
leads only), leads "lead.manage" (what the vendor's lead list and its export need).

A file is UTF-8 without a byte-order mark (Salesforce's Data Loader reads a BOM as part of the
first column's name), "\\r\\n" line ends, one header row; text that a spreadsheet could run as
a formula is neutralised as in every other export (core.exports), and money is an exact
two-decimal figure ("50000.00")."""

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pycountry
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.deals.schemas import DealStage
from core.deals.status import CLOSED, DealStatus
from core.errors import RuleViolation
from core.exports import csv_value
from core.leads.records import contact_shown, scoped
from core.leads.status import HELD, LeadStatus
from core.permissions import can, require, scope
from db.models import DealRegistration, Lead, Partner
from db.types import CENT

FLAVORS = ("salesforce", "hubspot")
_PHONE = re.compile(r"\+?[0-9][0-9 ()./-]{3,40}")
# What may be exported, and the read permission each needs besides "crm.export".
KIND_ACTIONS = {"deals": "deal.view", "leads": "lead.manage"}
# The CRM object each file fills, as its file is named.
OBJECTS = {("deals", "salesforce"): "opportunities", ("deals", "hubspot"): "deals",
           ("leads", "salesforce"): "leads", ("leads", "hubspot"): "contacts"}
# Rows read from the database at a time: a million registrations never sit in memory as rows.
BATCH = 1000

# ---------------------------------------------------------------- deals

# Our stages onto Salesforce's standard opportunity stages; "commit" (the customer said yes,
# the paperwork is under way) is Salesforce's last open stage.
SALESFORCE_STAGES = {
    DealStage.PROSPECTING: "Prospecting",
    DealStage.QUALIFICATION: "Qualification",
    DealStage.PROPOSAL: "Proposal/Price Quote",
    DealStage.NEGOTIATION: "Negotiation/Review",
    DealStage.COMMIT: "Negotiation/Review",
}
# Our stages onto the internal stage ids of HubSpot's default deal pipeline.
HUBSPOT_STAGES = {
    DealStage.PROSPECTING: "appointmentscheduled",
    DealStage.QUALIFICATION: "qualifiedtobuy",
    DealStage.PROPOSAL: "presentationscheduled",
    DealStage.NEGOTIATION: "contractsent",
    DealStage.COMMIT: "contractsent",
}
# Closed registrations: won, or closed without a sale (lost, rejected, expired, withdrawn,
# merged into another registration), whatever stage they stopped at.
SALESFORCE_CLOSED = ("Closed Won", "Closed Lost")
HUBSPOT_CLOSED = ("closedwon", "closedlost")

SALESFORCE_DEAL_HEADER = (
    "Deal_Registration_Id__c", "Name", "StageName", "CloseDate", "Amount", "Type",
    "LeadSource", "Partner__c", "Account_Name__c", "Account_Website__c", "Account_Country__c",
    "Deal_Registration_Status__c", "Protection_Ends__c")
HUBSPOT_DEAL_HEADER = (
    "Deal Name", "Deal Stage", "Pipeline", "Amount", "Close Date", "Company Name",
    "Company Domain Name", "Country/Region", "deal_registration_id", "partner_name",
    "registration_status")


def deals_csv(db: Session, actor: Actor, flavor: str, *, status: str | None = None,
              updated_since: datetime | None = None) -> bytes:
    """The deal registrations the actor may see, in id order, as an import file of `flavor`:
    Salesforce opportunities (Data Loader, Opportunity object API names) or HubSpot deals.
    `status` keeps one registration status; `updated_since` those changed since then (a
    moment without a zone is UTC)."""
    _require(actor, "deals")
    row_of = _flavored(flavor, {"salesforce": _salesforce_deal, "hubspot": _hubspot_deal})
    header = SALESFORCE_DEAL_HEADER if flavor == "salesforce" else HUBSPOT_DEAL_HEADER
    D = DealRegistration
    q = scope(actor, select(D, Partner.name).join(Partner, Partner.id == D.partner_id), D)
    if status:
        q = q.where(D.status == _deal_status(status).value)
    if updated_since is not None:
        q = q.where(D.updated_at >= _aware(updated_since))
    rows = db.execute(q.order_by(D.id).execution_options(yield_per=BATCH))
    return _csv(header, (row_of(deal, partner) for deal, partner in rows))


def _salesforce_deal(d: DealRegistration, partner: str) -> list[Any]:
    won, lost = SALESFORCE_CLOSED
    return [d.id, deal_name(d, partner), _stage(d, SALESFORCE_STAGES, won, lost), _close_date(d),
            _amount(d), "New Customer", "Partner", partner, d.customer_name,
            d.customer_website, d.customer_country, d.status, _day(d.protection_ends_at)]


def _hubspot_deal(d: DealRegistration, partner: str) -> list[Any]:
    won, lost = HUBSPOT_CLOSED
    return [deal_name(d, partner), _stage(d, HUBSPOT_STAGES, won, lost), "default", _amount(d),
            _close_date(d), d.customer_name, d.customer_domain,
            country_name(d.customer_country), d.id, partner, d.status]


def deal_name(d: DealRegistration, partner: str) -> str:
    """Nothing but ASCII of ours between the names: no dash that a wizard reading the file in a
    legacy code page would garble."""
    return f"{d.customer_name} ({partner} deal registration #{d.id})"


def _stage(d: DealRegistration, open_stages: dict[DealStage, str], won: str, lost: str) -> str:
    status = DealStatus(d.status)
    if status == DealStatus.WON:
        return won
    if status in CLOSED:
        return lost
    return open_stages[DealStage(d.stage)]


def _close_date(d: DealRegistration) -> date:
    """The day it closed; an open registration (or a closed one without a day, such as an
    expired one) its expected close date: both CRMs require a close date."""
    if DealStatus(d.status) in CLOSED and d.closed_on is not None:
        return d.closed_on
    return d.expected_close_date


def _amount(d: DealRegistration) -> Decimal:
    """What was sold for a won deal, else what the partner expects."""
    amount = d.final_amount if d.status == DealStatus.WON and d.final_amount is not None \
        else d.estimated_value
    return amount.quantize(CENT)


def _deal_status(value: str) -> DealStatus:
    try:
        return DealStatus(value)
    except ValueError:
        raise RuleViolation("Choose a registration status from the list.",
                            field="status") from None


# ---------------------------------------------------------------- leads

# Salesforce's standard lead statuses and HubSpot's lead status and lifecycle stage values, for
# the leads a partner holds: it works an accepted one, turned a converted one into a deal
# registration, and dropped a disqualified one after accepting it.
SALESFORCE_LEAD_STATUS = {
    LeadStatus.ACCEPTED: "Working - Contacted",
    LeadStatus.CONVERTED: "Closed - Converted",
    LeadStatus.DISQUALIFIED: "Closed - Not Converted",
}
HUBSPOT_LEAD_STATUS = {
    LeadStatus.ACCEPTED: "IN_PROGRESS",
    LeadStatus.CONVERTED: "OPEN_DEAL",
    LeadStatus.DISQUALIFIED: "UNQUALIFIED",
}
HUBSPOT_LIFECYCLE = {LeadStatus.CONVERTED: "opportunity"}  # every other held lead: "lead"
# Salesforce refuses a lead without a last name or company; Web-to-Lead fills them so too.
NOT_PROVIDED = "[not provided]"

SALESFORCE_LEAD_HEADER = (
    "FirstName", "LastName", "Company", "Email", "Phone", "Title", "Website", "Country",
    "State", "PostalCode", "City", "Industry", "LeadSource", "Status", "Partner__c",
    "PRM_Lead_Id__c")
HUBSPOT_CONTACT_HEADER = (
    "First Name", "Last Name", "Email", "Phone Number", "Job Title", "Company Name",
    "Website URL", "Country/Region", "State/Region", "Postal Code", "City", "Lifecycle Stage",
    "Lead Status", "partner_name", "prm_lead_id")


def leads_csv(db: Session, actor: Actor, flavor: str, *,
              updated_since: datetime | None = None) -> bytes:
    """The leads a partner holds (core.leads.status.HELD: accepted, converted into a deal
    registration, or disqualified after accepting; never one only offered, rejected or back
    in the vendor's queue), in id order, as Salesforce leads or HubSpot contacts. A lead
    whose contact was erased is left out: there is no person left to import. Statuses:
    accepted "Working - Contacted" / IN_PROGRESS, converted "Closed - Converted" / OPEN_DEAL
    (lifecycle stage "opportunity"), disqualified "Closed - Not Converted" / UNQUALIFIED."""
    _require(actor, "leads")
    row_of = _flavored(flavor, {"salesforce": _salesforce_lead, "hubspot": _hubspot_contact})
    header = SALESFORCE_LEAD_HEADER if flavor == "salesforce" else HUBSPOT_CONTACT_HEADER
    q = scoped(actor, select(Lead, Partner.name)
               .outerjoin(Partner, Partner.id == Lead.partner_id)
               .where(Lead.status.in_([s.value for s in HELD]), Lead.erased_at.is_(None)))
    if updated_since is not None:
        q = q.where(Lead.updated_at >= _aware(updated_since))
    rows = db.execute(q.order_by(Lead.id).execution_options(yield_per=BATCH))
    return _csv(header, (row_of(lead, partner, contact_shown(actor, lead))
                         for lead, partner in rows))


def _salesforce_lead(x: Lead, partner: str | None, shown: bool) -> list[Any]:
    first, last, email, phone, title = _contact(x, shown)
    return [first, last or NOT_PROVIDED, x.company or NOT_PROVIDED, email, phone, title,
            x.website or x.domain, country_name(x.country), x.state, x.postal_code, x.city,
            x.industry, x.source, SALESFORCE_LEAD_STATUS[LeadStatus(x.status)], partner, x.id]


def _hubspot_contact(x: Lead, partner: str | None, shown: bool) -> list[Any]:
    first, last, email, phone, title = _contact(x, shown)
    status = LeadStatus(x.status)
    return [first, last, email, phone, title, x.company, x.website or x.domain,
            country_name(x.country), x.state, x.postal_code, x.city,
            HUBSPOT_LIFECYCLE.get(status, "lead"), HUBSPOT_LEAD_STATUS[status], partner, x.id]


def _contact(x: Lead, shown: bool) -> tuple[str | None, ...]:
    """First and last name, e-mail, phone and title; none of them where the actor may not see
    the contact (core.leads.records decides)."""
    if not shown:
        return None, None, None, None, None
    return x.first_name, x.last_name, x.email, PhoneCell(x.phone) if x.phone else None, x.title


class PhoneCell(str):
    """A phone number as we keep it (checked by phonenumbers): "+49 89 1234567" holds no
    formula, and an apostrophe before it would go into the CRM's phone field."""


# ---------------------------------------------------------------- shared


def kinds_for(actor: Actor) -> tuple[str, ...]:
    """What the actor may export ("deals", "leads"), for a page to offer only those."""
    if not can(actor, "crm.export"):
        return ()
    return tuple(kind for kind, action in KIND_ACTIONS.items() if can(actor, action))


def file_name(kind: str, flavor: str, day: date) -> str:
    """salesforce-opportunities-2026-11-29.csv, hubspot-contacts-2026-11-29.csv, ..."""
    return f"{flavor}-{OBJECTS[kind, flavor]}-{day:%Y-%m-%d}.csv"


def country_name(code: str | None) -> str | None:
    """The English (ISO 3166) name of a country code, as the app's country lists show it; the
    code itself when pycountry does not know it."""
    if not code:
        return None
    found = pycountry.countries.get(alpha_2=code.upper())
    return found.name if found else code


def _require(actor: Actor, kind: str) -> None:
    require(actor, "crm.export")
    require(actor, KIND_ACTIONS[kind])


def _flavored(flavor: str, builders: dict[str, Callable]) -> Callable:
    if flavor not in FLAVORS:
        raise RuleViolation(f"Choose the CRM: {' or '.join(FLAVORS)}.", field="flavor")
    return builders[flavor]


def _aware(moment: datetime) -> datetime:
    """A moment without a zone is read as UTC, as the API reads "changed since"."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _day(moment: datetime | None) -> date | None:
    return moment.astimezone(UTC).date() if moment else None


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """core.exports.to_csv writes a BOM for Excel; the import wizards get plain UTF-8. Each
    cell goes through core.exports.csv_value: dates ISO, None empty, formulas neutralised."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([str(v) if isinstance(v, PhoneCell) and _PHONE.fullmatch(v)
                      else csv_value(v) for v in row] for row in rows)
    return buf.getvalue().encode("utf-8")
