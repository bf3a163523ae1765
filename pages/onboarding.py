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
from core.partners import PARTNER_STATUS_LABELS
from core.permissions import can
from ui.actions import show_flash, submit
from ui.context import db
from ui.forms import FieldErrors, form_key
from ui.guard import page_guard
from ui.markdown import plain
from ui.tables import count_col, flag_col, record_table, table, text_col, time_col

user = page_guard(__file__)
actor = user.actor


def days(value) -> str:
    return "—" if value is None else f"{value:.1f}"


def tenths(value: float | None) -> float | None:
    """Days to one decimal, as a table shows them; None stays empty ("—")."""
    return None if value is None else round(value, 1)


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
    table([{"step": title, "partners": n} for title, n in report.stuck_counts.items()],
          {"step": text_col("Step", "large"), "partners": count_col("Partners", 100)})
    st.subheader("Per partner")
    # Where each partner waits and for how long come first; the dates scroll beside.
    record_table(
        [{"id": r.partner_id, "partner": r.name,
          "status": PARTNER_STATUS_LABELS.get(r.status, r.status),
          "waiting_at": r.stuck_at or "Done", "waiting": tenths(r.days_stuck),
          "to_approval": tenths(r.days_to_approval),
          "to_agreement": tenths(r.days_to_agreement),
          "to_first_deal": tenths(r.days_to_first_deal), "steps_done": r.steps_done,
          "applied": r.applied_at, "approved": r.approved_at, "agreement": r.agreement_at,
          "first_deal": r.first_deal_at} for r in report.rows],
        {"partner": text_col("Partner", 170, pinned=True),
         "status": text_col("Status", 95), "waiting_at": text_col("Waiting at", 180),
         "waiting": count_col("Days waiting", 95),
         "to_approval": count_col("Days to approval", 115),
         "to_agreement": count_col("Days to agreement", 125),
         "to_first_deal": count_col("Days to first deal", 125),
         "steps_done": count_col("Steps done", 85), "applied": time_col("Applied", 140),
         "approved": time_col("Approved", 140), "agreement": time_col("Agreement", 140),
         "first_deal": time_col("First deal", 140)},
        key="onboarding_partners", page="partner_360",
        hint="Select a partner to open its partner 360.")

if STEPS in tabs:
    with tabs[STEPS]:
        with db() as session:
            steps = list_steps(session, actor)
        table([{"position": s.position, "step": s.title, "event": EVENT_LABELS[s.event],
                "active": s.active} for s in steps],
              {"position": count_col("Position", 75), "step": text_col("Step", "large"),
               "event": text_col("Ticked when", 250), "active": flag_col("Active", 70)})
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
        with st.form(form_key("new_step")):
            st.markdown("**Add a step**")
            errors = FieldErrors()
            title = st.text_input("Title *", placeholder="e.g. Complete the sales training")
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
                       "Step added.", errors=errors, form="new_step")

if AGREEMENTS in tabs:
    with tabs[AGREEMENTS]:
        with db() as session:
            history = list_agreements(session, actor)
        table([{"version": h.agreement.version, "title": h.agreement.title,
                "published": h.agreement.published_at, "by": h.agreement.published_by,
                "current": h.current,
                "accepted": f"{h.accepted_count} of {h.partner_count} partners"}
               for h in history],
              {"version": count_col("Version", 75), "title": text_col("Title", "large"),
               "published": time_col("Published", 140), "by": text_col("By", 130),
               "current": flag_col("Current", 75), "accepted": text_col("Accepted by", 170)})
        with st.form("publish"):
            st.markdown("**Publish a new version**: every partner must accept it again")
            errors = FieldErrors()
            current = history[0].agreement if history else None
            title = st.text_input("Title *", value=current.title if current else "")
            errors.slot("title")
            body = st.text_area("Text (Markdown) *", height=300,
                                value=current.body_markdown if current else "")
            errors.slot("body_markdown")
            errors.slot("")
            if st.form_submit_button("Publish"):
                submit(lambda s: publish_agreement(s, actor, title, body),
                       lambda published: f"Version {published.version} published.",
                       errors=errors)
