import pandas as pd
import streamlit as st

from core.onboarding import (
    EVENT_LABELS,
    KNOWN_EVENTS,
    list_agreements,
    list_steps,
    onboarding_report,
    publish_agreement,
    save_step,
    set_step_active,
)
from core.permissions import can
from ui.actions import show_flash, submit
from ui.context import db, local_time
from ui.forms import FieldErrors
from ui.guard import page_guard
from ui.markdown import plain

user = page_guard(__file__)
actor = user.actor


def days(value) -> str:
    return "" if value is None else f"{value:.1f}"


st.title("Onboarding")
show_flash()
REPORT, STEPS, AGREEMENTS = "Time to revenue-ready", "Checklist steps", "Agreements"
names = [REPORT]
if can(actor, "onboarding.manage"):
    names.append(STEPS)
if can(actor, "agreement.publish"):
    names.append(AGREEMENTS)
tabs = dict(zip(names, st.tabs(names), strict=True))

with tabs[REPORT]:
    stuck_after = st.number_input("Count a partner as stuck after (days)", min_value=0,
                                  value=14, step=1)
    with db() as session:
        report = onboarding_report(session, actor, stuck_after_days=stuck_after)
    avg = report.averages
    cols = st.columns(3)
    cols[0].metric("Application to approval (days)", days(avg.days_to_approval),
                   help=f"average over {avg.n_approval} partners")
    cols[1].metric("Application to agreement (days)", days(avg.days_to_agreement),
                   help=f"average over {avg.n_agreement} partners")
    cols[2].metric("Application to first deal (days)", days(avg.days_to_first_deal),
                   help=f"average over {avg.n_first_deal} partners")
    st.subheader("Partners stuck at each step")
    st.dataframe(pd.DataFrame([{"Step": title, "Partners": n}
                               for title, n in report.stuck_counts.items()]),
                 hide_index=True, width="stretch")
    st.subheader("Per partner")
    st.dataframe(pd.DataFrame([
        {"Partner": r.name, "Status": r.status, "Applied": local_time(r.applied_at),
         "Approved": local_time(r.approved_at), "Agreement": local_time(r.agreement_at),
         "First deal": local_time(r.first_deal_at),
         "Days to approval": days(r.days_to_approval),
         "Days to agreement": days(r.days_to_agreement),
         "Days to first deal": days(r.days_to_first_deal), "Steps done": r.steps_done,
         "Waiting at": r.stuck_at or "done", "Days waiting": days(r.days_stuck)}
        for r in report.rows]), hide_index=True, width="stretch")

if STEPS in tabs:
    with tabs[STEPS]:
        with db() as session:
            steps = list_steps(session, actor)
        st.dataframe(pd.DataFrame([
            {"Position": s.position, "Step": s.title, "Ticked when": EVENT_LABELS[s.event],
             "Active": s.active} for s in steps]), hide_index=True, width="stretch")
        st.caption("Steps tick themselves when their event happens; nobody ticks them by hand.")
        by_id = {s.id: s for s in steps}
        chosen = st.selectbox("Step", list(by_id), format_func=lambda i: by_id[i].title,
                              index=None, placeholder="Choose a step to (de)activate")
        if chosen is not None:
            step = by_id[chosen]
            label = "Deactivate" if step.active else "Reactivate"
            if st.button(label):
                submit(lambda s: set_step_active(s, actor, step.id, not step.active),
                       f"{plain(step.title)}: {'inactive' if step.active else 'active'}.")
        with st.form("new_step"):
            st.markdown("**Add a step**")
            errors = FieldErrors()
            title = st.text_input("Title")
            errors.slot("title")
            event = st.selectbox("Ticked when", KNOWN_EVENTS, format_func=EVENT_LABELS.get)
            errors.slot("event")
            position = st.number_input("Position", min_value=1, max_value=1000,
                                       value=len(steps) + 1)
            errors.slot("position")
            errors.slot("")
            if st.form_submit_button("Add step"):
                submit(lambda s: save_step(s, actor, dict(title=title, event=event,
                                                          position=position)),
                       "Step added.", errors=errors)

if AGREEMENTS in tabs:
    with tabs[AGREEMENTS]:
        with db() as session:
            history = list_agreements(session, actor)
        st.dataframe(pd.DataFrame([
            {"Version": h.agreement.version, "Title": h.agreement.title,
             "Published": local_time(h.agreement.published_at),
             "By": h.agreement.published_by or "", "Current": h.current,
             "Accepted by": f"{h.accepted_count} of {h.partner_count} partners"}
            for h in history]), hide_index=True, width="stretch")
        with st.form("publish"):
            st.markdown("**Publish a new version**: every partner must accept it again")
            errors = FieldErrors()
            current = history[0].agreement if history else None
            title = st.text_input("Title", value=current.title if current else "")
            errors.slot("title")
            body = st.text_area("Text (Markdown)", height=300,
                                value=current.body_markdown if current else "")
            errors.slot("body_markdown")
            errors.slot("")
            if st.form_submit_button("Publish"):
                submit(lambda s: publish_agreement(s, actor, title, body),
                       lambda published: f"Version {published.version} published.",
                       errors=errors)
