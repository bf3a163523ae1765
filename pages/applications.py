import pandas as pd
import streamlit as st

from core.customers import country_choices
from core.partners import REGIONS, list_tiers
from core.recruitment import (
    PARTNER_TYPE_LABELS,
    STATUS_LABELS,
    ApplicationFilter,
    application_detail,
    application_queue,
    approve_application,
    channel_managers,
    reject_application,
    request_information,
    start_review,
)
from ui.actions import show_flash, submit
from ui.context import db, local_time
from ui.deals import money
from ui.guard import page_guard
from ui.links import keep_for_next_run, show_issued_link
from ui.markdown import plain, plain_lines

user = page_guard(__file__)
actor = user.actor
APPROVED = "applications_approved"

st.title("Partner applications")
show_flash()
if approved := st.session_state.pop(APPROVED, None):
    keep_for_next_run("Partner created with an administrator account", *approved)
show_issued_link()

countries = dict(country_choices())
cols = st.columns(4)
status_options = {"open": "Open (waiting for a decision)", **STATUS_LABELS, "": "Any status"}
status = cols[0].selectbox("Status", list(status_options), format_func=status_options.get)
search = cols[1].text_input("Search", placeholder="company, domain, e-mail or reference")
ptype = cols[2].selectbox("Partner type", list(PARTNER_TYPE_LABELS), index=None,
                          format_func=PARTNER_TYPE_LABELS.get, placeholder="Any type")
region = cols[3].selectbox("Region", REGIONS, index=None, placeholder="Any region")

filt = ApplicationFilter(status=status or None, search=search or None, partner_type=ptype,
                         region=region)
with db() as session:
    apps, total = application_queue(session, actor, filt, limit=500)

st.caption(f"{total} applications, oldest first")
st.dataframe(pd.DataFrame([
    {"Reference": a.reference, "Company": a.company_name, "Country": a.country,
     "Type": a.partner_type_label, "Regions": ", ".join(a.regions),
     "Expected revenue": money(a.expected_annual_revenue), "Employees": a.headcount,
     "Status": a.status_label, "Submitted": local_time(a.submitted_at)} for a in apps]),
    hide_index=True, width="stretch")

by_id = {a.id: a for a in apps}
chosen = st.selectbox("Open an application", list(by_id), index=None,
                      format_func=lambda i: f"{by_id[i].reference} {by_id[i].company_name}",
                      placeholder="Choose an application")
if chosen is None:
    st.stop()

with db() as session:
    detail = application_detail(session, actor, chosen)
app = detail.application
st.header(f"{plain(app.company_name)} · {app.reference}")
st.markdown(
    f"**Status:** {app.status_label} · **Website:** {plain(app.website)} · "
    f"**Country:** {countries.get(app.country, app.country)}  \n"
    f"**Type:** {app.partner_type_label} · **Regions:** {', '.join(app.regions)} · "
    f"**Industries:** {', '.join(app.industries) or 'none given'}  \n"
    f"**Expected annual revenue:** {money(app.expected_annual_revenue)} · "
    f"**Employees:** {app.headcount}  \n"
    f"**Contact:** {plain(app.contact_name)}, {plain(app.contact_email)}, "
    f"{plain(app.contact_phone)}")
if app.info_request:
    st.info(f"**Asked:** {plain(app.info_request)}  \n"
            f"**Answer:** {plain(app.info_response) if app.info_response else '(waiting)'}")
if app.rejection_reason:
    st.warning(f"**Rejected (internal reason):** {plain(app.rejection_reason)}")

st.subheader("Possible matches")
if detail.matches:
    st.dataframe(pd.DataFrame([
        {"Kind": m.kind, "Name": m.name, "Country": m.country, "Website": m.website or "",
         "Status": m.status, "Detail": m.detail, "Matched on": ", ".join(m.signals)}
        for m in detail.matches]), hide_index=True, width="stretch")
else:
    st.write("No existing partner or other application looks like this company.")

acts = app.actions
if "start_review" in acts and st.button("Start review"):
    submit(lambda s: start_review(s, actor, app.id), "Under review.")

if "approve" in acts:
    with db() as session:
        tiers = {t.id: t.name for t in list_tiers(session, actor)}
        managers = {m.id: m.display_name for m in channel_managers(session, actor)}
    with st.form("approve"):
        st.markdown("**Approve**: creates the partner and its administrator account")
        tier_id = st.selectbox("Tier", list(tiers), format_func=tiers.get)
        manager_ids = list(managers)
        manager_id = st.selectbox("Channel manager", manager_ids, format_func=managers.get,
                                  index=manager_ids.index(actor.user_id)
                                  if actor.user_id in managers else 0)
        allow = st.checkbox("Approve even though a partner matches",
                            disabled=not detail.matches)
        slot = st.empty()
        if st.form_submit_button("Approve", type="primary"):
            def approve(s):
                result = approve_application(s, actor, app.id, tier_id=tier_id,
                                             channel_manager_id=manager_id,
                                             allow_duplicate=allow)
                st.session_state[APPROVED] = (result.username, result.invite)
            submit(approve, "", where=slot)

if "request_info" in acts:
    with st.form("request_info"):
        question = st.text_area("Question for the applicant")
        slot = st.empty()
        if st.form_submit_button("Request more information"):
            submit(lambda s: request_information(s, actor, app.id, question),
                   "Question sent to the applicant.", where=slot)

if "reject" in acts:
    with st.form("reject"):
        reason = st.text_area("Reason (internal; the applicant gets a polite answer)")
        slot = st.empty()
        if st.form_submit_button("Reject"):
            submit(lambda s: reject_application(s, actor, app.id, reason),
                   "Application rejected.", where=slot)

st.subheader("History")
for e in reversed(detail.timeline):
    st.markdown(f"**{local_time(e.at)}** · {plain(e.actor)} · _{e.action}_  \n"
                f"{plain_lines(e.text)}")
