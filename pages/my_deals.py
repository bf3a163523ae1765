from datetime import date

import pandas as pd
import streamlit as st

from core.deals import (
    STAGE_LABELS,
    STATUS_LABELS,
    DealFilter,
    DealStage,
    DealStatus,
    add_note,
    answer_info_request,
    assignable_users,
    export_deals_csv,
    get_deal,
    list_deals,
    mark_lost,
    mark_won,
    reassign_deal,
    request_extension,
    update_deal,
    withdraw_deal,
)
from core.permissions import can
from ui.actions import show_flash, submit
from ui.context import db, local_time
from ui.deals import deal_facts, money, timeline
from ui.downloads import CSV, download
from ui.guard import page_guard
from ui.markdown import plain

user = page_guard(__file__)
actor = user.actor

st.title("My deals")
show_flash()

cols = st.columns([1, 2, 1])
status = cols[0].selectbox("Status", list(DealStatus), index=None, format_func=STATUS_LABELS.get,
                           placeholder="Any status")
search = cols[1].text_input("Search customer", placeholder="name or domain")
owner = None
# Whoever may hand deals to the team (a partner admin) filters by owner; a rep sees only its
# own deals, so there is no owner to choose.
if can(actor, "deal.reassign"):
    with db() as session:
        team = dict(assignable_users(session, actor))
    owner = cols[2].selectbox("Owner", list(team), index=None, format_func=team.get,
                              placeholder="Anyone")

filt = DealFilter(status=status, search=search or None, owner_user_id=owner)
with db() as session:
    deals, total = list_deals(session, actor, filt, limit=500)


def _csv() -> bytes:  # built when the button is clicked, not on every rerun
    with db() as session:
        return export_deals_csv(session, actor, filt)


st.caption(f"{total} registrations" + (" (newest 500 shown)" if total > len(deals) else ""))
st.dataframe(pd.DataFrame([
    {"#": d.id, "Customer": d.customer_name, "Status": d.status_label,
     "Value": money(d.estimated_value), "Close date": d.expected_close_date,
     "Protected until": local_time(d.protection_ends_at, "%Y-%m-%d"),
     "Days left": d.days_left, "Owner": d.owner_name,
     "Submitted": local_time(d.submitted_at)} for d in deals]),
    hide_index=True, width="stretch")
download("Export CSV", _csv, "my_deals.csv", CSV)

if not deals:
    st.stop()

by_id = {d.id: d for d in deals}
chosen = st.selectbox("Open a registration", list(by_id), index=None,
                      format_func=lambda i: f"#{i} {by_id[i].customer_name} "
                                            f"({by_id[i].status_label})",
                      placeholder="Choose a registration")
if chosen is None:
    st.stop()

with db() as session:
    detail = get_deal(session, actor, chosen)
deal = detail.deal
st.header(f"#{deal.id} {plain(deal.customer_name)}")
deal_facts(deal)
acts = deal.actions

if "answer" in acts:
    with st.form("answer"):
        st.info("The channel team asked for more information; answer to send it back.")
        answer = st.text_area("Your answer")
        if st.form_submit_button("Send answer", type="primary"):
            submit(lambda s: answer_info_request(s, actor, deal.id, answer),
                   "Answer sent: the registration is under review again.")

if "update" in acts:
    with st.expander("Update stage, value or close date"), st.form("update"):
        stage = st.selectbox("Stage", list(DealStage), format_func=STAGE_LABELS.get,
                             index=list(DealStage).index(DealStage(deal.stage)))
        value = st.text_input("Estimated value", value=str(deal.estimated_value))
        close = st.date_input("Expected close date", value=deal.expected_close_date)
        if st.form_submit_button("Save changes"):
            submit(lambda s: update_deal(s, actor, deal.id, dict(
                stage=stage, estimated_value=value, expected_close_date=close)),
                "Registration updated.")

if "won" in acts or "lost" in acts:
    with st.expander("Close the deal"):
        won, lost = st.columns(2)
        with won.form("won"):
            amount = st.text_input("Final amount")
            closed_on = st.date_input("Closed on", value=date.today())
            if st.form_submit_button("Mark won"):
                submit(lambda s: mark_won(s, actor, deal.id, amount, closed_on=closed_on),
                       "Marked won. Congratulations!")
        with lost.form("lost"):
            reason = st.text_input("Why was it lost?")
            if st.form_submit_button("Mark lost"):
                submit(lambda s: mark_lost(s, actor, deal.id, reason), "Marked lost.")

if "extend" in acts:
    with st.expander("Request an extension of protection"), st.form("extend"):
        why = st.text_input("Why more time is needed")
        if st.form_submit_button("Request extension"):
            submit(lambda s: request_extension(s, actor, deal.id, why),
                   "Extension requested: the channel team will decide.")

if "reassign" in acts:
    with st.expander("Hand the deal to a colleague"):
        with db() as session:
            team = dict(assignable_users(session, actor))
        with st.form("reassign"):
            new_owner = st.selectbox("New owner", list(team), format_func=team.get)
            if st.form_submit_button("Reassign"):
                submit(lambda s: reassign_deal(s, actor, deal.id, new_owner),
                       f"Handed to {plain(team.get(new_owner, ''))}.")

if "withdraw" in acts:
    with st.expander("Withdraw the registration"), st.form("withdraw"):
        why = st.text_input("Reason (optional)")
        if st.form_submit_button("Withdraw"):
            submit(lambda s: withdraw_deal(s, actor, deal.id, why), "Withdrawn.")

if "note" in acts:
    with st.form("note", clear_on_submit=True):
        text = st.text_area("Add a note")
        if st.form_submit_button("Add note"):
            submit(lambda s: add_note(s, actor, deal.id, text), "Note added.")

timeline(detail.timeline)
