from datetime import timedelta

import streamlit as st

from core.funds import (
    ACTIVITY_TYPES,
    KINDS,
    list_allocations,
    list_programs,
    list_requests,
    roi,
    submit_request,
)
from core.funds.ledger import total
from db.types import utcnow
from ui.actions import show_flash, submit
from ui.context import db
from ui.forms import FieldErrors, form_key
from ui.funds import allocations_table, balance_metrics, requests_table, roi_table
from ui.guard import page_guard
from ui.markdown import plain

user = page_guard(__file__)
actor = user.actor

st.title("Funds")
show_flash()
st.caption("Market development (MDF) and co-op funds: request money for a planned marketing "
           "activity, then claim it with proof of performance once the activity is over.")
with db() as session:
    allocations = list_allocations(session, actor)
    programs = {p.id: p for p in list_programs(session, actor)}
    requests, count = list_requests(session, actor, limit=500)
    activities = roi(session, actor, by="activity")

today = utcnow().date()
running = [a for a in allocations if programs[a.program_id].ends_on >= today]
balance_metrics(total({a.id: a.balance for a in running}),
                sum((a.claimed for a in running), start=0))
st.caption("Above: the programs still running, whose money can be requested. Below: each "
           "program, ended ones included.")
st.subheader("By program")
allocations_table(allocations, key="my_allocations", partner_view=True)
if not allocations:
    st.info("Your company has no fund allocation yet. The vendor allocates funds to the "
            "tiers its programs admit.")

st.subheader(f"Requests and claims ({count:,})")
requests_table(requests, key="my_requests", partner_view=True)

open_programs = {a.program_id: programs[a.program_id] for a in allocations
                 if programs[a.program_id].ends_on >= today}
st.subheader("Request funds")
if not open_programs:
    st.caption("No program you hold an allocation in is open.")
else:
    errors = FieldErrors()
    with st.form(form_key("fund_request")):
        program_id = st.selectbox(
            "Program *", list(open_programs), format_func=lambda i: (
                f"{open_programs[i].name} ({KINDS[open_programs[i].kind]}, "
                f"{open_programs[i].starts_on:%Y-%m-%d} to {open_programs[i].ends_on:%Y-%m-%d})"))
        errors.slot("program_id")
        chosen = open_programs[program_id]
        st.caption(f"Requests are due {chosen.lead_time_days} days before the activity; "
                   f"{chosen.reimbursement_percent:g}% of the actual spend is reimbursed; "
                   f"claims are due {chosen.claim_days} days after it ends.")
        kind = st.selectbox("Activity type *", list(ACTIVITY_TYPES),
                            format_func=ACTIVITY_TYPES.get)
        errors.slot("activity_type")
        name = st.text_input("Activity name *", max_chars=150)
        errors.slot("name")
        first, last = st.columns(2)
        start = first.date_input("First day *", value=today + timedelta(
            days=chosen.lead_time_days))
        end = last.date_input("Last day *", value=today + timedelta(days=chosen.lead_time_days))
        errors.slot("starts_on")
        errors.slot("ends_on")
        description = st.text_area("What you will do, for whom", max_chars=4000)
        errors.slot("description")
        amount = st.text_input("Amount requested *", placeholder="e.g. 5,000")
        errors.slot("requested_amount")
        expected = st.columns(2)
        leads = expected[0].number_input("Expected leads", min_value=0, step=1)
        errors.slot("expected_leads")
        pipeline = expected[1].text_input("Expected pipeline", placeholder="e.g. 100,000")
        errors.slot("expected_pipeline")
        if st.form_submit_button("Submit the request", type="primary"):
            submit(lambda s: submit_request(s, actor, {
                "program_id": program_id, "activity_type": kind, "name": name,
                "starts_on": start, "ends_on": end, "description": description,
                "requested_amount": amount, "expected_leads": leads,
                "expected_pipeline": pipeline or "0"}),
                lambda r: f"Request #{r.id} submitted: {plain(r.name)}. Its amount is held "
                          "until marketing decides.",
                errors=errors, failed="Nothing was submitted.", form="fund_request")

st.subheader("What your funded activities brought")
roi_table(activities, key="my_roi")
