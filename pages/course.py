import streamlit as st

from core.errors import DomainError
from core.training import complete_module, my_standing, open_course, quiz_for, submit_attempt
from core.training.files import module_file
from ui.actions import show_flash, submit
from ui.context import db, local_time
from ui.downloads import download
from ui.forms import FieldErrors, form_key
from ui.guard import page_guard
from ui.markdown import plain
from ui.records import back_to, record_id

user = page_guard(__file__)
actor = user.actor

course_id = record_id("course")
if course_id is None:
    back_to("training", "Back to Training")
    st.stop()
try:
    with db() as session:
        course = open_course(session, actor, course_id)
        state = my_standing(session, actor, course_id)
        quiz = quiz_for(session, actor, course_id)
except DomainError as exc:
    st.title("Course")
    st.warning(plain(str(exc)))
    back_to("training", "Back to Training")
    st.stop()

st.title(plain(course.title))
back_to("training", "Back to Training")
show_flash()
st.caption(f"{course.level.title()}, about {course.minutes} minutes. Version {course.version}.")
if course.summary:
    st.markdown(plain(course.summary))
st.progress(state.modules_done / state.modules if state.modules else 1.0,
            text=f"Modules read: {state.modules_done} of {state.modules}")


def _file(module_id: int) -> bytes:
    with db() as session:
        return module_file(session, actor, module_id).data


for module in course.modules:
    with st.expander(f"{module.position}. {module.title}" + (" ✓" if module.done else ""),
                     expanded=not module.done):
        st.markdown(module.body)  # authored Markdown, written by the vendor's own staff
        if module.video_url:
            st.markdown(f"[Watch the video]({module.video_url})")
        if module.file_name:
            download(f"Download {module.file_name}", lambda m=module.id: _file(m),
                     module.file_name, "application/octet-stream")
        if not module.done and st.button("Mark as read", key=f"read-{module.id}"):
            submit(lambda s, m=module.id: complete_module(s, actor, m), "Module marked as read.")

st.subheader("Quiz")
if state.completed:
    st.success(f"Completed. Best score: {state.best_score}%.")
    st.stop()
if state.passed:
    st.success(f"Passed with {state.best_score}%: read the remaining modules to complete the "
               "course.")
    st.stop()
st.caption(f"Pass mark {course.pass_mark}%. Attempts left: {state.attempts_left} of "
           f"{course.attempts_allowed}."
           + (f" Best so far: {state.best_score}%." if state.best_score is not None else ""))
if state.attempts_left == 0:
    st.error("No attempts are left for this quiz: ask your channel manager.")
    st.stop()
if state.next_attempt_at is not None:
    st.info(f"The next attempt opens at {local_time(state.next_attempt_at)}.",
            icon=":material/schedule:")
    st.stop()

errors = FieldErrors()
with st.form(form_key(f"quiz-{course.id}")):
    chosen: dict[int, list[int]] = {}
    for number, question in enumerate(quiz.questions, start=1):
        labels = {o.id: o.text for o in question.options}
        if question.multiple:
            picked = st.multiselect(f"{number}. {question.text}", list(labels),
                                    format_func=labels.get,
                                    help="Choose every right answer.")
        else:
            one = st.radio(f"{number}. {question.text}", list(labels), index=None,
                           format_func=labels.get)
            picked = [] if one is None else [one]
        errors.slot(f"q{question.id}")
        chosen[question.id] = picked
    errors.slot("quiz")
    if st.form_submit_button("Submit answers", type="primary"):
        submit(lambda s: submit_attempt(s, actor, course.id, chosen),
               lambda a: (f"Passed with {a.score}%." if a.passed else
                          f"{a.score}%: not passed (pass mark {course.pass_mark}%)."),
               errors=errors)
