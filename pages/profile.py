import streamlit as st

from core.accounts import (
    ProfileIn,
    change_own_password,
    get_profile,
    second_factor,
    time_zones,
    update_profile,
)
from core.errors import RuleViolation
from ui import auth
from ui.actions import flash, show_flash, submit
from ui.context import db
from ui.forms import FieldErrors, form_key
from ui.guard import page_guard
from ui.markdown import plain
from ui.second_factor import ENROLMENT, enrolment, recovery_codes_dialog, show_recovery_codes

user = page_guard(__file__)
actor = user.actor

st.title("Profile")
show_flash()
if user.must_change_password:
    st.warning("Choose a new password before you go on: yours was set by an administrator.")

with db() as session:
    profile = get_profile(session, actor)

st.caption(f"Signed in as **{plain(profile.username)}** ({plain(profile.email)})")

zones = time_zones()
with st.form("profile"):
    errors = FieldErrors()
    display_name = st.text_input("Display name *", value=profile.display_name)
    errors.slot("display_name")
    zone = st.selectbox("Time zone *", zones, index=zones.index(profile.time_zone)
                        if profile.time_zone in zones else None,
                        placeholder="Choose your time zone",
                        help="Times across the app are shown in it.")
    errors.slot("time_zone")
    email_on = st.checkbox("Also send my notifications by e-mail",
                           value=profile.email_notifications)
    if st.form_submit_button("Save profile"):
        data = dict(display_name=display_name, time_zone=zone or "",
                    email_notifications=email_on)
        submit(lambda s: update_profile(s, actor, ProfileIn(**data)), "Profile saved.",
               errors=errors)

with st.form(form_key("password")):
    st.subheader("Change password")
    errors = FieldErrors()
    current = st.text_input("Current password", type="password")
    errors.slot("current")
    new = st.text_input("New password", type="password", help="At least 10 characters")
    errors.slot("new")
    repeat = st.text_input("Repeat new password", type="password")
    errors.slot("repeat")
    if st.form_submit_button("Change password"):
        def change(s):
            if new != repeat:
                raise RuleViolation("The two new passwords differ.", field="repeat")
            return change_own_password(s, actor, current, new)

        def changed(token: str) -> None:
            # The form comes back empty (submit's `form`), under the confirmation.
            auth.restart_session(token)
            flash("Password changed. Your other sessions have been signed out.")
            st.rerun()  # also opens the whole menu after a forced change

        submit(change, errors=errors, then=changed, form="password")

with db() as session:
    factor = second_factor.status(session, actor)
if factor.offered:
    st.subheader("Two-factor sign-in")
    if factor.required and not factor.enrolled:
        st.info("Your role requires two-factor sign-in: you set it up at your next sign-in.")
    if not factor.enrolled:
        st.write("Sign in with a code from an authenticator app on your phone as well as "
                 "your password.")
        started = st.session_state.get(ENROLMENT) or st.button(
            "Set up two-factor sign-in", icon=":material/security:")
        if started and (codes := enrolment(user)):
            recovery_codes_dialog(codes, done="Done")
    else:
        st.write(f"On, with an authenticator app. Recovery codes left: "
                 f"**{factor.recovery_codes_left}**.")
        with st.form(form_key("second_factor_manage")):
            errors = FieldErrors()
            code = st.text_input("Code from your authenticator app", max_chars=6,
                                 autocomplete="one-time-code")
            errors.slot("code")
            renew = st.form_submit_button("Make new recovery codes",
                                          help="The old ones stop working.")
            off = (st.form_submit_button("Turn two-factor sign-in off")
                   if not factor.required else False)
        new_codes: list[list[str]] = []
        if renew:
            submit(lambda s: second_factor.new_recovery_codes(s, actor, code), errors=errors,
                   then=new_codes.append, form="second_factor_manage")
        if off:
            submit(lambda s: second_factor.turn_off(s, actor, code),
                   "Two-factor sign-in is off.", errors=errors, form="second_factor_manage")
        if new_codes:
            show_recovery_codes(new_codes[0])
