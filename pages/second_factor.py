"""Two-factor sign-in: the code a sign-in still owes, or, for admins and finance without an
authenticator yet, setting one up before anything else opens."""

import streamlit as st

from core.accounts import second_factor as sf
from core.errors import RuleViolation
from ui import auth
from ui.actions import flash
from ui.context import db
from ui.forms import FieldErrors
from ui.guard import page_guard
from ui.second_factor import enrolment, recovery_codes_dialog

user = page_guard(__file__)
st.title("Two-factor sign-in")


def _ended(message: str) -> None:
    auth.forget_session()
    flash(message)
    st.rerun()


if user.second_factor == sf.ENROL:
    st.info("Your role requires two-factor sign-in. Set it up now: it takes a minute.",
            icon=":material/security:")

    try:
        codes = enrolment(user, token=auth.session_token())
    except RuleViolation as exc:  # the pending sign-in expired
        _ended(str(exc))
    if codes:
        # The sign-in is complete: the next run opens the whole menu, so the codes are
        # shown on this one, until Continue.
        recovery_codes_dialog(codes)
    st.stop()

st.write("Enter the 6-digit code your authenticator app shows for PRM, or one of your "
         "recovery codes.")
with st.form("second_factor"):
    errors = FieldErrors()
    code = st.text_input("Code", max_chars=20, autocomplete="one-time-code")
    errors.slot("code")
    if st.form_submit_button("Verify", type="primary"):
        try:
            with db(immediate=True) as session:
                outcome = sf.verify_sign_in(session, user.actor, auth.session_token(), code)
        except RuleViolation as exc:  # the pending sign-in expired
            _ended(str(exc))
        if isinstance(outcome, sf.CodeRefused):
            if outcome.session_ended:
                _ended(outcome.message)
            errors.show(RuleViolation(outcome.message, field="code"))
        else:
            if outcome.used_recovery_code:
                flash(f"Signed in with a recovery code: {outcome.recovery_codes_left} left. "
                      "Make new ones on your profile page.")
            st.rerun()
