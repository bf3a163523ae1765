import streamlit as st

from core.customers import country_choices
from core.errors import DomainError
from core.partners import list_tiers
from core.recruitment import (
    application_detail,
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
from ui.records import back_to, record_id
from ui.tables import list_col, table, text_col

user = page_guard(__file__)
actor = user.actor
APPROVED = "applications_approved"

back_to("applications", "Back to the applications")
show_flash()
if approved := st.session_state.pop(APPROVED, None):
    keep_for_next_run("Partner created with an administrator account", *approved)
show_issued_link()
if (app_id := record_id("partner application")) is None:
    st.stop()
countries = dict(country_choices())
try:
    with db() as session:
        detail = application_detail(session, actor, app_id)
except DomainError as exc:  # no such application
    st.error(plain(str(exc)))
    st.stop()
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
    table([{"kind": m.kind.capitalize(), "name": m.name, "country": m.country,
            "website": m.website, "status": m.status, "detail": m.detail,
            "signals": list(m.signals)} for m in detail.matches],
          {"kind": text_col("Kind", "small"), "name": text_col("Name", "medium", pinned=True),
           "country": text_col("Country", 70), "website": text_col("Website", "medium"),
           "status": text_col("Status", "small"), "detail": text_col("Detail", "medium"),
           "signals": list_col("Matched on", "medium")})
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
