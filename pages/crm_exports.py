from datetime import datetime, time
from zoneinfo import ZoneInfo

import streamlit as st

from core.crm.crm_exports import FLAVORS, deals_csv, file_name, kinds_for, leads_csv
from core.deals.status import STATUS_LABELS, DealStatus
from ui.context import db
from ui.downloads import CSV, download
from ui.guard import page_guard

KINDS = {"deals": "Registered deals", "leads": "Accepted leads"}
CRMS = {"salesforce": "Salesforce", "hubspot": "HubSpot"}
HOW = {
    ("deals", "salesforce"):
        "Import it with **Data Loader** into Opportunity (Insert, or Upsert matched on "
        "`Deal_Registration_Id__c`): the Data Import Wizard does not take opportunities. "
        "Create these Opportunity fields first: `Deal_Registration_Id__c` (an External ID), "
        "`Partner__c`, `Account_Name__c`, `Account_Website__c`, `Account_Country__c`, "
        "`Deal_Registration_Status__c` and `Protection_Ends__c` (a date).",
    ("deals", "hubspot"):
        "Import it into **HubSpot** as one file of one object, Deals (Import, File from "
        "computer). Create the deal properties `deal_registration_id`, `partner_name` and "
        "`registration_status` first. Deal stages are those of the default pipeline.",
    ("leads", "salesforce"):
        "Import it with the **Data Import Wizard** (Leads) or Data Loader. Create the Lead "
        "fields `PRM_Lead_Id__c` (an External ID) and `Partner__c` first. Accepted leads come "
        "as Working - Contacted, converted ones as Closed - Converted, disqualified ones as "
        "Closed - Not Converted; a missing last name or company as [not provided].",
    ("leads", "hubspot"):
        "Import it into **HubSpot** as one file of one object, Contacts (matched on e-mail). "
        "Create the contact properties `partner_name` and `prm_lead_id` first.",
}

user = page_guard(__file__)
actor = user.actor
zone = ZoneInfo(user.time_zone)

st.title("CRM exports")
st.caption("For a CRM without an integration: deal registrations, and the leads partners "
           "accepted, as CSV files the CRM's import reads as they are, in its own field "
           "names. An integration reads the same records from the API instead.")

cols = st.columns(2)
kind = cols[0].radio("Export", kinds_for(actor), format_func=KINDS.get, horizontal=True)
flavor = cols[1].radio("CRM", FLAVORS, format_func=CRMS.get, horizontal=True)
cols = st.columns(2)
status = None
if kind == "deals":
    status = cols[0].selectbox("Registration status", [s.value for s in DealStatus],
                               index=None, placeholder="Any status",
                               format_func=lambda s: STATUS_LABELS[DealStatus(s)])
since_day = cols[1].date_input("Changed since", value=None, format="YYYY-MM-DD",
                               help="Only records changed on or after this day (your time "
                                    "zone); empty: all of them.")
# The start of that day where the user is, so "since Monday" means the user's Monday.
since = datetime.combine(since_day, time.min, zone) if since_day else None

st.info(HOW[kind, flavor], icon=":material/info:")


# The file is built only when the button is clicked (ui.downloads), not on every rerun.
def _file() -> bytes:
    with db() as session:
        if kind == "deals":
            return deals_csv(session, actor, flavor, status=status, updated_since=since)
        return leads_csv(session, actor, flavor, updated_since=since)


today = datetime.now(zone).date()
download("Download CSV", _file, file_name(kind, flavor, today), CSV)
