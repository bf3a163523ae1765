import streamlit as st

from core.leads import LeadStatus, lead_stats, list_leads
from core.permissions import can
from ui.actions import show_flash
from ui.context import db
from ui.guard import page_guard
from ui.leads import leads_table

user = page_guard(__file__)
actor = user.actor

st.title("My leads")
show_flash()
st.caption("Leads the vendor offers your company: accept one to see its contact and work it, "
           "or reject it with a reason. An offer not answered by its deadline goes to another "
           "partner.")
with db() as session:
    offered = list_leads(session, actor, statuses=[LeadStatus.OFFERED.value], limit=500)
    held = list_leads(session, actor, statuses=[LeadStatus.ACCEPTED.value], limit=500)
    closed = list_leads(session, actor, statuses=[LeadStatus.CONVERTED.value,
                                                  LeadStatus.DISQUALIFIED.value], limit=200)
    stats = lead_stats(session, actor) if can(actor, "lead.hand_over") else []

st.subheader(f"Offered to you ({offered.total:,})")
leads_table(offered.leads, key="inbox_offered", partner_view=True)
mine = "your company's" if can(actor, "lead.hand_over") else "yours"
st.subheader(f"Accepted, {mine} to convert or disqualify ({held.total:,})")
leads_table(held.leads, key="inbox_held", partner_view=True)
with st.expander(f"Converted or disqualified ({closed.total:,})"):
    leads_table(closed.leads, key="inbox_closed", partner_view=True)
if stats:
    s = stats[0]
    st.subheader("Your company, last 90 days")
    cols = st.columns(4)
    cols[0].metric("Offers", f"{s.offers:,}")
    cols[1].metric("Accepted", "—" if s.acceptance is None else f"{s.acceptance:.0%}")
    cols[2].metric("Median hours to answer", "—" if s.median_response_hours is None
                   else f"{s.median_response_hours:.1f}")
    cols[3].metric("Converted", "—" if s.conversion is None else f"{s.conversion:.0%}")
