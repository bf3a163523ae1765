import streamlit as st

from core.partners import REGIONS
from core.recruitment import (
    PARTNER_TYPE_LABELS,
    STATUS_LABELS,
    ApplicationFilter,
    application_queue,
)
from ui.actions import show_flash
from ui.context import db
from ui.guard import page_guard
from ui.tables import count_col, list_col, money_col, record_table, text_col, time_col

user = page_guard(__file__)
actor = user.actor

st.title("Partner applications")
show_flash()

cols = st.columns(4)
status_options = {"open": "Open (waiting for a decision)", **STATUS_LABELS, "": "Any status"}
status = cols[0].selectbox("Status", list(status_options), format_func=status_options.get)
search = cols[1].text_input("Search", placeholder="e.g. company or reference",
                         help="Company, domain, e-mail or reference.")
ptype = cols[2].selectbox("Partner type", list(PARTNER_TYPE_LABELS), index=None,
                          format_func=PARTNER_TYPE_LABELS.get, placeholder="Any type")
region = cols[3].selectbox("Region", REGIONS, index=None, placeholder="Any region")

filt = ApplicationFilter(status=status or None, search=search or None, partner_type=ptype,
                         region=region)
with db() as session:
    apps, total = application_queue(session, actor, filt, limit=500)

st.caption(f"{total:,} applications, oldest first")
record_table(
    [{"id": a.id, "reference": a.reference, "company": a.company_name, "country": a.country,
      "type": a.partner_type_label, "regions": list(a.regions),
      "revenue": a.expected_annual_revenue, "employees": a.headcount,
      "status": a.status_label, "submitted": a.submitted_at} for a in apps],
    {"reference": text_col("Reference", 110, pinned=True),
     "company": text_col("Company", "medium", pinned=True),
     "country": text_col("Country", 70), "type": text_col("Type", "small"),
     "regions": list_col("Regions", "small"), "revenue": money_col("Expected revenue"),
     "employees": count_col("Employees", 90), "status": text_col("Status", "small"),
     "submitted": time_col("Submitted")},
    key="applications", page="application")
