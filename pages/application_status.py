import streamlit as st

from core.errors import NotFound, RuleViolation
from core.recruitment import answer_info_request, application_status
from ui.actions import show_flash, submit
from ui.context import current_actor, db, local_time
from ui.forms import FieldErrors
from ui.guard import page_guard
from ui.markdown import plain

page_guard(__file__)

st.title("Application status")
show_flash()
st.write("Enter the reference you received when you applied and your e-mail address.")

# Keyed widgets keep what was typed by themselves. (A `value=` taken from the last lookup
# gave the field a new identity after each lookup, so a correction typed into it was lost
# and the old address came back.)
with st.form("lookup"):
    errors = FieldErrors()
    typed_reference = st.text_input("Reference", placeholder="APP-XXXXXXXX",
                                    key="status_reference_input")
    errors.slot("reference")
    typed_email = st.text_input("E-mail address", key="status_email_input",
                                placeholder="The address you applied with")
    errors.slot("email")
    if st.form_submit_button("Show status", type="primary"):
        # Both are needed: say which one is missing, beside it, rather than show nothing.
        missing = [RuleViolation(message, field=field) for field, typed, message in (
            ("reference", typed_reference, "Enter the reference you received when you applied."),
            ("email", typed_email, "Enter the e-mail address you applied with."))
            if not typed.strip()]
        for problem in missing:
            errors.show(problem)
        st.session_state["status_lookup"] = ("", "") if missing else (typed_reference,
                                                                       typed_email)

reference, email = st.session_state.get("status_lookup", ("", ""))
if not (reference and email):
    st.stop()

try:
    with db() as session:
        status = application_status(session, current_actor(), reference, email)
except NotFound as exc:
    st.error(plain(str(exc)))
    st.stop()

st.subheader(f"{plain(status.company_name)} · {status.reference}")
st.metric("Status", status.status_label)
st.write(status.public_message)
st.caption(f"Submitted {local_time(status.submitted_at)}")

if status.awaiting_answer:
    st.info(f"**Our question:** {plain(status.info_request or '')}")
    with st.form("answer"):
        answer = st.text_area("Your answer")
        slot = st.empty()
        if st.form_submit_button("Send answer"):
            submit(lambda s: answer_info_request(s, current_actor(), reference, email,
                                                 answer),
                   "Thank you: your answer is with the channel team.", where=slot)
