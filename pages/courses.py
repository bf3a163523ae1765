import pandas as pd
import streamlit as st

from core.catalog import names_by_id
from core.training import (
    LEVELS,
    STATUS_LABELS,
    CourseStatus,
    course_editor,
    create_course,
    list_courses,
    list_tracks,
    publish_course,
    retire_course,
    revise_course,
    save_track,
    set_modules,
    set_quiz,
    update_course,
)
from core.training.files import attach_module_file
from ui.actions import show_flash, submit
from ui.context import db
from ui.forms import FieldErrors, form_key
from ui.guard import page_guard
from ui.tables import count_col, table, text_col

user = page_guard(__file__)
actor = user.actor

st.title("Courses")
show_flash()
with db() as session:
    courses = list_courses(session, actor)
    tracks = list_tracks(session, actor)
    lines = names_by_id(session)
st.caption("Write a course as a draft, then publish it. To change a published course, revise "
           "it: learners keep what they did on the version they took. Content owners can also "
           "keep courses in folders and load them: `python -m core.training load PATH`.")
table([{"title": c.title, "version": c.version, "status": STATUS_LABELS[CourseStatus(c.status)],
        "kind": "Renewal quiz" if c.kind == "renewal" else "Course",
        "modules": len(c.modules), "questions": c.questions} for c in courses],
      {"title": text_col("Course", 260, pinned=True), "version": count_col("Version", 70),
       "status": text_col("Status", 170), "kind": text_col("Kind", 110),
       "modules": count_col("Modules", 80), "questions": count_col("Questions", 90)})

tab_edit, tab_new, tab_tracks = st.tabs(["Edit a course", "New course", "Certification tracks"])

with tab_new, st.form(form_key("new_course")):
    errors = FieldErrors()
    title = st.text_input("Title *")
    errors.slot("title")
    kind = st.radio("Kind", ["course", "renewal"], horizontal=True,
                    format_func={"course": "Course", "renewal": "Renewal quiz (a track's)"}.get)
    if st.form_submit_button("Create draft", type="primary"):
        submit(lambda s: create_course(s, actor, {"title": title}, kind=kind),
               lambda c: f"Draft “{c.title}” created: edit it under Edit a course.",
               errors=errors, form="new_course")


def _choice(c) -> str:
    return f"{c.title}, version {c.version} ({STATUS_LABELS[CourseStatus(c.status)].lower()})"


def _fields(course) -> None:
    errors = FieldErrors()
    with st.form(f"fields-{course.id}"):
        values = {"title": st.text_input("Title *", course.title)}
        errors.slot("title")
        values["summary"] = st.text_area("Summary", course.summary)
        ids = [None, *lines]
        values["product_line_id"] = st.selectbox(
            "Product line", ids, index=ids.index(course.product_line_id),
            format_func=lambda i: "None" if i is None else lines[i])
        cols = st.columns(3)
        values["level"] = cols[0].selectbox("Level", list(LEVELS), format_func=LEVELS.get,
                                            index=list(LEVELS).index(course.level))
        values["minutes"] = cols[1].number_input("Estimated minutes", 1, 10_000, course.minutes)
        values["min_tier_rank"] = cols[2].number_input("Offered from tier rank", 0, 100,
                                                       course.min_tier_rank)
        cols = st.columns(3)
        values["pass_mark"] = cols[0].number_input("Pass mark %", 1, 100, course.pass_mark)
        values["attempts_allowed"] = cols[1].number_input("Attempts allowed", 1, 100,
                                                          course.attempts_allowed)
        values["wait_minutes"] = cols[2].number_input("Minutes between attempts", 0, 43_200,
                                                      course.wait_minutes)
        values["onboarding"] = st.checkbox("The onboarding course (ticks the checklist)",
                                           course.onboarding)
        for name in ("summary", "minutes", "pass_mark", "attempts_allowed", "wait_minutes"):
            errors.slot(name)
        if st.form_submit_button("Save details"):
            submit(lambda s: update_course(s, actor, course.id, values), "Details saved.",
                   errors=errors)


def _modules(course) -> None:
    st.markdown("**Modules**, in order (Markdown):")
    frame = pd.DataFrame([{"title": m.title, "body": m.body, "video_url": m.video_url or ""}
                          for m in course.modules], columns=["title", "body", "video_url"])
    edited = st.data_editor(frame, num_rows="dynamic", width="stretch",
                            key=f"modules-{course.id}",
                            column_config={"title": text_col("Title", 200),
                                           "body": text_col("Text (Markdown)", "large"),
                                           "video_url": text_col("Video address", 200)})
    errors = FieldErrors()
    errors.slot("modules")
    if st.button("Save modules", key=f"save-modules-{course.id}"):
        rows = [{k: ("" if pd.isna(v) else v) for k, v in r.items()}
                for r in edited.to_dict("records") if any(str(v).strip() for v in r.values()
                                                          if not pd.isna(v))]
        submit(lambda s: set_modules(s, actor, course.id, rows), "Modules saved.", errors=errors)
    if course.modules:
        names = {m.id: m.title for m in course.modules}
        with st.form(f"file-{course.id}"):
            module_id = st.selectbox("Module", list(names), format_func=names.get)
            upload = st.file_uploader("Downloadable file (PDF, image, MP4, office document)")
            file_errors = FieldErrors()
            file_errors.slot("file")
            if st.form_submit_button("Attach file") and upload is not None:
                submit(lambda s: attach_module_file(s, actor, module_id, upload.name,
                                                    upload.getvalue()),
                       lambda kind: f"{kind.capitalize()} attached.", errors=file_errors)


def _quiz(course, quiz: list[dict]) -> None:
    st.markdown("**Quiz**: one row a question; answers one per line, the right ones starting "
                "with `*`.")
    frame = pd.DataFrame([{"question": q["text"], "multiple": q["multiple"],
                           "answers": "\n".join(("*" if o["correct"] else "") + o["text"]
                                                for o in q["options"])} for q in quiz],
                         columns=["question", "multiple", "answers"])
    edited = st.data_editor(frame, num_rows="dynamic", width="stretch", key=f"quiz-{course.id}",
                            column_config={"question": text_col("Question", "large"),
                                           "multiple": st.column_config.CheckboxColumn(
                                               "Several right", default=False),
                                           "answers": text_col("Answers", "large")})
    errors = FieldErrors()
    errors.slot("questions")
    if st.button("Save quiz", key=f"save-quiz-{course.id}"):
        questions = [{"text": "" if pd.isna(r["question"]) else r["question"],
                      "multiple": bool(r["multiple"]) if not pd.isna(r["multiple"]) else False,
                      "options": [{"text": line.lstrip("*").strip(),
                                   "correct": line.strip().startswith("*")}
                                  for line in str(r["answers"] or "").splitlines()
                                  if line.strip()]}
                     for r in edited.to_dict("records") if not pd.isna(r["question"])]
        submit(lambda s: set_quiz(s, actor, course.id, questions), "Quiz saved.", errors=errors)


with tab_edit:
    if not courses:
        st.info("No course yet: create one under New course.")
    else:
        by_id = {c.id: c for c in courses}
        chosen = st.selectbox("Course", list(by_id), format_func=lambda i: _choice(by_id[i]))
        with db() as session:
            course, quiz = course_editor(session, actor, chosen)
        if course.status == CourseStatus.DRAFT.value:
            _fields(course)
            if course.kind == "course":
                _modules(course)
            _quiz(course, quiz)
            state = FieldErrors()
            for name in ("status", "modules", "questions"):
                state.slot(name)
            if st.button("Publish", type="primary", key=f"publish-{course.id}"):
                submit(lambda s: publish_course(s, actor, course.id),
                       f"“{course.title}” version {course.version} published.", errors=state)
        elif course.status == CourseStatus.PUBLISHED.value:
            st.write(f"Published, {len(course.modules)} modules and {course.questions} "
                     "questions.")
            cols = st.columns(2)
            if cols[0].button("Revise (new draft version)", key=f"revise-{course.id}"):
                submit(lambda s: revise_course(s, actor, course.id),
                       "A draft of the next version was made: choose it above to edit it.")
            if cols[1].button("Retire", key=f"retire-{course.id}"):
                submit(lambda s: retire_course(s, actor, course.id),
                       f"“{course.title}” retired.")
        else:
            st.info("This version is no longer offered; learners keep what they did on it.")

with tab_tracks:
    table([{"name": t.name, "months": t.validity_months, "courses": len(t.course_families),
            "grace": t.renewal_grace_days} for t in tracks],
          {"name": text_col("Track", 280), "months": count_col("Valid (months)", 110),
           "courses": count_col("Courses", 80), "grace": count_col("Grace days", 90)})
    families = {c.family: c.title for c in courses if c.kind == "course"}
    renewals = {c.family: c.title for c in courses if c.kind == "renewal"}
    with st.form(form_key("track")):
        errors = FieldErrors()
        values = {"name": st.text_input("Track name *")}
        errors.slot("name")
        values["course_families"] = st.multiselect("Required courses *", list(families),
                                                   format_func=families.get)
        errors.slot("course_families")
        values["product_line_ids"] = st.multiselect("Product lines it certifies", list(lines),
                                                    format_func=lines.get)
        cols = st.columns(3)
        values["validity_months"] = cols[0].number_input("Valid for (months)", 1, 120, 24)
        values["renewal_grace_days"] = cols[1].number_input("Renewal grace (days)", 0, 365, 30)
        values["renewal_family"] = cols[2].selectbox(
            "Renewal quiz", [None, *renewals],
            format_func=lambda f: "None" if f is None else renewals[f])
        errors.slot("renewal_family")
        if st.form_submit_button("Create track", type="primary"):
            submit(lambda s: save_track(s, actor, values), "Track created.", errors=errors,
                   form="track")
