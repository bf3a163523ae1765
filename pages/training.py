import streamlit as st

from core.permissions import can
from core.training import catalog, certificate_file, certifications, expiring, team_progress
from ui.context import db, local_day
from ui.downloads import download
from ui.guard import page_guard
from ui.markdown import plain
from ui.tables import count_col, day_col, flag_col, record_table, table, text_col
from ui.training import learners_table

user = page_guard(__file__)
actor = user.actor

st.title("Training")
with db() as session:
    courses = catalog(session, actor)
    mine = certifications(session, actor, user_id=actor.user_id)

st.subheader("Courses")
st.caption("The courses your tier opens. A row opens the course: read its modules, then take "
           "its quiz.")
record_table([{"id": e.course.id, "title": e.course.title, "level": e.course.level.title(),
               "minutes": e.course.minutes,
               "read": f"{e.standing.modules_done} of {e.standing.modules}",
               "attempts": f"{e.standing.attempts} of {e.course.attempts_allowed}",
               "best": e.standing.best_score, "done": e.standing.completed}
              for e in courses],
             {"title": text_col("Course", 260, pinned=True), "level": text_col("Level", 90),
              "minutes": count_col("Minutes", 80), "read": text_col("Modules read", 110),
              "attempts": text_col("Quiz attempts", 110),
              "best": count_col("Best score %", 100), "done": flag_col("Completed", 90)},
             key="training_courses", page="course")



def _pdf(certification_id: int) -> bytes:
    with db() as session:
        return certificate_file(session, actor, certification_id)[1]


st.subheader("My certifications")
if not mine:
    st.info("No certification yet: complete every course of a track to earn one.")
for cert in mine:
    cols = st.columns([3, 2, 2])
    state = "valid" if cert.current else "expired"
    cols[0].markdown(f"**{plain(cert.track_name)}**  \nCode `{cert.code}`")
    cols[1].markdown(f"Until {local_day(cert.expires_at)} ({state})")
    with cols[2]:
        download("Certificate (PDF)", lambda c=cert: _pdf(c.id), f"certificate_{cert.id}.pdf",
                 "application/pdf", disabled=not cert.current)

if can(actor, "training.team"):
    st.subheader("Our team")
    with db() as session:
        team = team_progress(session, actor)
        soon = expiring(session, actor, 60)
    learners_table(team, day_col("Completed", 110))
    st.caption(f"{len(soon)} of your team's certifications expire within 60 days.")
    if soon:
        table([{"holder": r.holder, "track": r.track, "expires": r.expires_at} for r in soon],
              {"holder": text_col("Holder", 160), "track": text_col("Track", 240),
               "expires": day_col("Expires", 110)})
