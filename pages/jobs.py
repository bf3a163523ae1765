import pandas as pd
import streamlit as st

from core.errors import DomainError
from core.jobs import list_jobs, run_now
from core.mail import outbox_counts
from core.settings import get_settings
from ui.context import db, engine, local_time
from ui.guard import page_guard
from ui.markdown import plain

user = page_guard(__file__)
actor = user.actor

st.title("Background jobs")
st.caption("The job runner (`python -m core.jobs --loop`, started by `make run`) runs each job "
           "when it is due; cron can run `python -m core.jobs` instead.")

with db() as session:
    jobs = list_jobs(session, actor)
    mail = outbox_counts(session, actor)

st.dataframe(pd.DataFrame([
    {"Job": j.name, "What it does": j.description, "Every": str(j.interval),
     "Last run": local_time(j.last_started_at), "Outcome": j.last_outcome or "never run",
     "Message": j.last_message or "", "Next run": local_time(j.next_run_at) or "next check",
     "Running": j.running, "Runs": j.run_count} for j in jobs]),
    hide_index=True, width="stretch")

cols = st.columns([2, 1, 3])
name = cols[0].selectbox("Job", [j.name for j in jobs], label_visibility="collapsed")
if cols[1].button("Run now", icon=":material/play_arrow:", disabled=not jobs):
    try:
        result = run_now(engine(), actor, name)
        (st.success if result.outcome == "ok" else st.warning)(plain(result.line()))
    except DomainError as exc:
        st.error(plain(str(exc)))

st.subheader("E-mail outbox")
if not get_settings().smtp_enabled:
    st.info("E-mail is off: set PRM_SMTP_HOST (and the other PRM_SMTP_* settings) to send "
            "notifications by mail.")
left, mid, right = st.columns(3)
left.metric("Pending", mail["pending"])
mid.metric("Sent", mail["sent"])
right.metric("Failed", mail["failed"])
