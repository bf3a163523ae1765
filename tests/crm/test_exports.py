"""CRM exports: deal registrations and accepted leads as CSV in Salesforce's and HubSpot's
field names, read back as an import wizard reads them: the headers exactly, a won deal closed
won at its final amount, an open one at its mapped stage, our ids in the custom fields,
formula-looking names neutralised, only leads a partner holds, and the vendor's teams only."""

import csv
import io
from datetime import timedelta

import pytest

from core.crm.crm_exports import (
    HUBSPOT_CONTACT_HEADER,
    HUBSPOT_DEAL_HEADER,
    HUBSPOT_STAGES,
    SALESFORCE_DEAL_HEADER,
    SALESFORCE_LEAD_HEADER,
    SALESFORCE_STAGES,
    deals_csv,
    file_name,
    kinds_for,
    leads_csv,
)
from core.deals import approve_deal, reject_deal
from core.deals.schemas import DealStage
from core.errors import PermissionDenied, RuleViolation
from core.leads import accept_lead, assign_lead, disqualify_lead
from tests.conftest import NOW, actor_for
from tests.deals.test_deals import register
from tests.deals.test_deals_export import customer, won
from tests.leads.helpers import new_lead, partner_of
from tests.pages import open_page, texts, use_database

pytestmark = pytest.mark.usefixtures("backend")

EVIL = '=HYPERLINK("http://evil.example","Click")'


def read(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows as an import wizard reads the file: UTF-8, no BOM, CRLF."""
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == data.count(b"\n")
    reader = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    return list(reader.fieldnames), list(reader)


@pytest.fixture
def deals(seeded_db):
    """p01's registrations: one won at 1234.56 (estimated 50,000), one open in negotiation,
    one rejected; p02's one submitted under a formula-looking name."""
    db = seeded_db
    channel = actor_for(db, "channel")
    ids = {"won": won(db, "p01.rep1", "1234.56", days_ago=20, **customer(1))}
    ids["open"] = register(db, "p01.rep1", stage="negotiation", **customer(2)).id
    approve_deal(db, channel, ids["open"], now=NOW)
    ids["rejected"] = register(db, "p01.rep2", **customer(3)).id
    reject_deal(db, channel, ids["rejected"], "Not a new opportunity", now=NOW)
    ids["evil"] = register(db, "p02.rep1", **customer(4, EVIL)).id
    db.commit()
    return ids


def test_salesforce_opportunities_carry_our_ids_stages_and_amounts(seeded_db, deals):
    header, rows = read(deals_csv(seeded_db, actor_for(seeded_db, "channel"), "salesforce"))
    assert header == list(SALESFORCE_DEAL_HEADER) == [
        "Deal_Registration_Id__c", "Name", "StageName", "CloseDate", "Amount", "Type",
        "LeadSource", "Partner__c", "Account_Name__c", "Account_Website__c",
        "Account_Country__c", "Deal_Registration_Status__c", "Protection_Ends__c"]
    by_id = {int(r["Deal_Registration_Id__c"]): r for r in rows}
    assert list(by_id) == sorted(deals.values())  # every partner's, in id order
    won_row = by_id[deals["won"]]
    assert (won_row["StageName"], won_row["Amount"], won_row["CloseDate"]) == (
        "Closed Won", "1234.56", (NOW - timedelta(days=20)).date().isoformat())
    assert (won_row["Type"], won_row["LeadSource"], won_row["Account_Country__c"],
            won_row["Deal_Registration_Status__c"]) == ("New Customer", "Partner", "US", "won")
    partner = won_row["Partner__c"]
    assert won_row["Name"] == f"Customer 1 ({partner} deal registration #{deals['won']})"
    open_row = by_id[deals["open"]]
    assert (open_row["StageName"], open_row["Amount"]) == ("Negotiation/Review", "50000.00")
    assert open_row["CloseDate"] == (NOW + timedelta(days=90)).date().isoformat()
    assert open_row["Protection_Ends__c"]  # approved: protected until a day
    assert by_id[deals["rejected"]]["StageName"] == "Closed Lost"
    evil = by_id[deals["evil"]]
    assert evil["Account_Name__c"] == "'" + EVIL
    assert evil["Name"].startswith("'=HYPERLINK")


def test_hubspot_deals_in_the_default_pipeline(seeded_db, deals):
    header, rows = read(deals_csv(seeded_db, actor_for(seeded_db, "admin"), "hubspot"))
    assert header == list(HUBSPOT_DEAL_HEADER) == [
        "Deal Name", "Deal Stage", "Pipeline", "Amount", "Close Date", "Company Name",
        "Company Domain Name", "Country/Region", "deal_registration_id", "partner_name",
        "registration_status"]
    by_id = {int(r["deal_registration_id"]): r for r in rows}
    assert (by_id[deals["won"]]["Deal Stage"], by_id[deals["won"]]["Amount"]) == (
        "closedwon", "1234.56")
    assert by_id[deals["open"]]["Deal Stage"] == "contractsent"
    assert by_id[deals["rejected"]]["Deal Stage"] == "closedlost"
    row = by_id[deals["open"]]
    assert (row["Pipeline"], row["Company Name"], row["Company Domain Name"],
            row["Country/Region"], row["registration_status"]) == (
        "default", "Customer 2", "customer2.com", "United States", "approved")
    assert by_id[deals["evil"]]["Company Name"] == "'" + EVIL


def test_every_stage_of_ours_has_a_crm_stage():
    assert set(SALESFORCE_STAGES) == set(HUBSPOT_STAGES) == set(DealStage)


def test_deals_filtered_by_status_and_by_change(seeded_db, deals):
    channel = actor_for(seeded_db, "channel")
    _, rows = read(deals_csv(seeded_db, channel, "salesforce", status="won"))
    assert [int(r["Deal_Registration_Id__c"]) for r in rows] == [deals["won"]]
    # The won deal last changed 20 days ago; the others today. A naive moment is UTC.
    since = (NOW - timedelta(days=1)).replace(tzinfo=None)
    _, rows = read(deals_csv(seeded_db, channel, "hubspot", updated_since=since))
    assert deals["won"] not in {int(r["deal_registration_id"]) for r in rows}
    assert len(rows) == 3
    with pytest.raises(RuleViolation) as exc:
        deals_csv(seeded_db, channel, "salesforce", status="closed-ish")
    assert exc.value.field == "status"


def test_partners_and_other_vendor_roles_are_refused(seeded_db, deals):
    db = seeded_db
    for username in ("p01.admin", "p01.rep1", "finance", "exec", "analyst"):
        with pytest.raises(PermissionDenied):
            deals_csv(db, actor_for(db, username), "salesforce")
        with pytest.raises(PermissionDenied):
            leads_csv(db, actor_for(db, username), "hubspot")
    # Marketing works leads but does not read deal registrations: leads only.
    marketing = actor_for(db, "marketing")
    with pytest.raises(PermissionDenied):
        deals_csv(db, marketing, "hubspot")
    read(leads_csv(db, marketing, "salesforce"))
    assert kinds_for(marketing) == ("leads",)
    assert kinds_for(actor_for(db, "channel")) == ("deals", "leads")
    assert kinds_for(actor_for(db, "p01.admin")) == ()


def test_an_unknown_crm_is_refused(seeded_db):
    admin = actor_for(seeded_db, "admin")
    for export in (deals_csv, leads_csv):
        with pytest.raises(RuleViolation) as exc:
            export(seeded_db, admin, "pipedrive")
        assert exc.value.field == "flavor"


@pytest.fixture
def leads(seeded_db):
    """Leads offered to p01 by hand: one accepted, one accepted then disqualified, one still
    only offered; one never offered."""
    db = seeded_db
    channel, p01 = actor_for(db, "channel"), partner_of(db, "p01.admin")
    ids = {"accepted": new_lead(db, first_name="Greta", last_name="Huber", title="CIO",
                                phone="+49 89 1234567", email="greta@brauhaus.example",
                                company="Brauhaus AG", state="BY", postal_code="80331",
                                city="München", industry="Manufacturing", source="Webinar"),
           "dropped": new_lead(db, last_name="Maier", company="@Maier GmbH"),
           "offered": new_lead(db, last_name="Offen")}
    for lead_id in ids.values():
        assign_lead(db, channel, lead_id, p01, "Their territory", now=NOW)
    ids["new"] = new_lead(db, last_name="Neu")
    rep = actor_for(db, "p01.rep1")
    later = NOW + timedelta(hours=1)
    accept_lead(db, rep, ids["accepted"], now=later)
    accept_lead(db, rep, ids["dropped"], now=later)
    disqualify_lead(db, rep, ids["dropped"], "no_need", now=later + timedelta(minutes=5))
    db.commit()
    return ids


def test_salesforce_leads_are_only_those_a_partner_holds(seeded_db, leads):
    header, rows = read(leads_csv(seeded_db, actor_for(seeded_db, "marketing"), "salesforce"))
    assert header == list(SALESFORCE_LEAD_HEADER) == [
        "FirstName", "LastName", "Company", "Email", "Phone", "Title", "Website", "Country",
        "State", "PostalCode", "City", "Industry", "LeadSource", "Status", "Partner__c",
        "PRM_Lead_Id__c"]
    assert [int(r["PRM_Lead_Id__c"]) for r in rows] == [leads["accepted"], leads["dropped"]]
    greta, dropped = rows
    assert {k: greta[k] for k in ("FirstName", "LastName", "Company", "Email", "Phone", "Title",
                                   "Country", "State", "PostalCode", "City", "Industry",
                                   "LeadSource", "Status")} == {
        "FirstName": "Greta", "LastName": "Huber", "Company": "Brauhaus AG",
        "Email": "greta@brauhaus.example", "Phone": "+49 89 1234567", "Title": "CIO",
        "Country": "Germany", "State": "BY", "PostalCode": "80331", "City": "München",
        "Industry": "Manufacturing", "LeadSource": "Webinar", "Status": "Working - Contacted"}
    assert greta["Partner__c"] == dropped["Partner__c"] != ""
    assert (dropped["Status"], dropped["Company"]) == ("Closed - Not Converted", "'@Maier GmbH")


def test_hubspot_contacts_of_the_accepted_leads(seeded_db, leads):
    header, rows = read(leads_csv(seeded_db, actor_for(seeded_db, "channel"), "hubspot"))
    assert header == list(HUBSPOT_CONTACT_HEADER) == [
        "First Name", "Last Name", "Email", "Phone Number", "Job Title", "Company Name",
        "Website URL", "Country/Region", "State/Region", "Postal Code", "City",
        "Lifecycle Stage", "Lead Status", "partner_name", "prm_lead_id"]
    assert [int(r["prm_lead_id"]) for r in rows] == [leads["accepted"], leads["dropped"]]
    greta = rows[0]
    assert (greta["Email"], greta["Country/Region"], greta["Lifecycle Stage"],
            greta["Lead Status"]) == ("greta@brauhaus.example", "Germany", "lead", "IN_PROGRESS")
    assert rows[1]["Lead Status"] == "UNQUALIFIED"
    since = NOW + timedelta(hours=2)
    assert read(leads_csv(seeded_db, actor_for(seeded_db, "channel"), "hubspot",
                          updated_since=since))[1] == []


def test_file_names_say_the_crm_and_its_object():
    day = NOW.date()
    assert [file_name(kind, crm, day) for kind in ("deals", "leads")
            for crm in ("salesforce", "hubspot")] == [
        "salesforce-opportunities-2026-11-26.csv", "hubspot-deals-2026-11-26.csv",
        "salesforce-leads-2026-11-26.csv", "hubspot-contacts-2026-11-26.csv"]


@pytest.mark.pages
def test_the_page_offers_what_each_team_may_export(seeded, database_url):
    use_database(database_url)
    at = open_page("pages/crm_exports.py", "channel")
    assert at.title[0].value == "CRM exports"
    assert at.radio[0].options == ["Registered deals", "Accepted leads"]
    assert "Data Loader" in texts(at) and "Deal_Registration_Id__c" in texts(at)
    [button] = at.get("download_button")
    assert button.proto.label == "Download CSV"
    at.radio[1].set_value("hubspot").run()
    assert "deal_registration_id" in texts(at)
    at = open_page("pages/crm_exports.py", "marketing")
    assert at.radio[0].options == ["Accepted leads"]
    assert "prm_lead_id" not in texts(at) and "PRM_Lead_Id__c" in texts(at)
