import streamlit as st

from core.errors import DomainError
from core.jobs import OUTCOME_LABELS, every, list_jobs, run_now
from core.mail import outbox_counts
from core.settings import get_settings
from ui.context import db, engine
from ui.guard import page_guard
from ui.markdown import plain
from ui.tables import count_col, flag_col, table, text_col, time_col

user = page_guard(__file__)
actor = user.actor

st.title("Background jobs")
st.caption("The job runner (`python -m core.jobs --loop`, started by `make run`) runs each job "
           "when it is due; cron can run `python -m core.jobs` instead.")

with db() as session:
    jobs = list_jobs(session, actor)
    mail = outbox_counts(session, actor)

# A never-run job is due at the runner's next check: its "Next run" says so in words.
table([{"job": j.name, "every": every(j.interval), "outcome":
        OUTCOME_LABELS.get(j.last_outcome, j.last_outcome) if j.last_outcome else "Never run",
        "last": j.last_started_at, "next": j.next_run_at, "running": j.running,
        "message": j.last_message or None, "runs": j.run_count,
        "what": j.description or None} for j in jobs],
      {"job": text_col("Job", 160, pinned=True), "every": text_col("Every", 130),
       "outcome": text_col("Outcome", 110), "last": time_col("Last run", 140),
       "next": time_col("Next run", 140), "running": flag_col("Running", 70),
       "message": text_col("Message", 250), "runs": count_col("Runs", 60),
       "what": text_col("What it does", "large")})
if any(j.next_run_at is None for j in jobs):
    st.caption("A job without a next run has never run: the runner starts it at its next "
               "check.")

cols = st.columns([2, 1, 3])
name = cols[0].selectbox("Job", [j.name for j in jobs], label_visibility="collapsed")
if cols[1].button("Run now", icon=":material/play_arrow:", disabled=not jobs):
    try:
        result = run_now(engine(), actor, name)
        line = f"{result.name}: {OUTCOME_LABELS.get(result.outcome, result.outcome).lower()}"
        line += f" - {result.message}" if result.message else ""
        (st.success if result.outcome == "ok" else st.warning)(plain(line))
    except DomainError as exc:
        st.error(plain(str(exc)))

st.subheader("E-mail outbox")
if not get_settings().smtp_enabled:
    st.info("E-mail is off: set PRM_SMTP_HOST (and the other PRM_SMTP_* settings) to send "
            "notifications by mail.")
left, mid, right = st.columns(3)
left.metric("Pending", f"{mail['pending']:,}")
mid.metric("Sent", f"{mail['sent']:,}")
right.metric("Failed", f"{mail['failed']:,}")
