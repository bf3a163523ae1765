import streamlit as st
from pydantic import ValidationError

from core.accounts import ProfileIn, change_own_password, get_profile, time_zones, update_profile
from core.errors import RuleViolation
from ui import auth
from ui.context import db
from ui.forms import FieldErrors
from ui.guard import page_guard
from ui.markdown import plain

user = page_guard(__file__)
actor = user.actor

st.title("Profile")
if user.must_change_password:
    st.warning("Choose a new password before you go on: yours was set by an administrator.")

with db() as session:
    profile = get_profile(session, actor)

st.caption(f"Signed in as **{plain(profile.username)}** ({plain(profile.email)})")

zones = time_zones()
with st.form("profile"):
    errors = FieldErrors()
    display_name = st.text_input("Display name", value=profile.display_name)
    errors.slot("display_name")
    zone = st.selectbox("Time zone", zones, index=zones.index(profile.time_zone)
                        if profile.time_zone in zones else None)
    errors.slot("time_zone")
    email_on = st.checkbox("Also send my notifications by e-mail",
                           value=profile.email_notifications)
    if st.form_submit_button("Save profile"):
        try:
            data = ProfileIn(display_name=display_name, time_zone=zone or "",
                             email_notifications=email_on)
            with db() as session:
                update_profile(session, actor, data)
            st.success("Profile saved.")
        except ValidationError as exc:
            errors.show(exc)

with st.form("password"):
    st.subheader("Change password")
    errors = FieldErrors()
    current = st.text_input("Current password", type="password")
    errors.slot("current")
    new = st.text_input("New password", type="password", help="At least 10 characters")
    errors.slot("new")
    repeat = st.text_input("Repeat new password", type="password")
    errors.slot("repeat")
    if st.form_submit_button("Change password"):
        try:
            if new != repeat:
                raise RuleViolation("The two new passwords differ.", field="repeat")
            with db() as session:
                at = change_own_password(session, actor, current, new)
            auth.restart_session(at)
            st.success("Password changed. Your other sessions have been signed out.")
            if user.must_change_password:
                st.rerun()
        except RuleViolation as exc:
            errors.show(exc)
