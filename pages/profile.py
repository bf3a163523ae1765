import streamlit as st

from core.accounts import ProfileIn, change_own_password, get_profile, time_zones, update_profile
from core.errors import RuleViolation
from ui import auth
from ui.actions import flash, show_flash, submit
from ui.context import db
from ui.forms import FieldErrors, form_key
from ui.guard import page_guard
from ui.markdown import plain

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
