import streamlit as st

from core.home import waiting
from core.onboarding import checklist
from core.permissions import can
from core.portal.glance import partner_glance
from ui import auth
from ui.actions import show_flash
from ui.context import db
from ui.guard import page_guard
from ui.markdown import plain
from ui.portal import show_glance
from ui.registry import link_for, next_actions, page_file
from ui.requested import sign_in_for

user = page_guard(__file__)

if user is None:
    st.title("Partner portal")
    show_flash()  # e.g. why a sign-in ended
    if asked := sign_in_for():
        st.info(f"Sign in to open this {asked.lower()}.",
                icon=":material/login:")
    st.write("Sign in to register and follow your deals, see your tier and what it takes to "
             "reach the next, and keep your company profile.")
    left, right = st.columns([1, 1])
    with left:
        auth.login_form()
        st.page_link(page_file("forgot_password"), label="Forgot password?",
                     icon=":material/lock_reset:")
    with right:
        st.subheader("Not a partner yet?")
        st.write("Tell us about your company and we will get back to you.")
        st.page_link(page_file("become_partner"), label="Become a partner",
                     icon=":material/handshake:")
else:
    st.title(f"Welcome, {plain(user.display_name)}")
    show_flash()  # e.g. a recovery code used to sign in
    with db() as session:
        items = waiting(session, user.actor)
        glance = partner_glance(session, user.actor)
    if glance is not None:
        show_glance(user, glance)
    st.subheader("Waiting for you")
    if not items:
        st.write("Nothing is waiting for you.")
    for item in items:
        if target := link_for(user, item.route):
            st.page_link(target, label=f"{item.label}: **{item.value}**",
                         icon=":material/pending_actions:")
        if item.detail:
            st.caption(plain(item.detail))
    st.write("Your next actions:")
    for target, label in next_actions(user):
        st.page_link(target, label=label, icon=":material/arrow_forward:")
    if can(user.actor, "onboarding.own_checklist"):
        with db() as session:
            steps = checklist(session, user.actor)
        if not steps.complete:
            st.subheader(f"Getting started: {steps.done_count} of {steps.total} done")
            st.progress(steps.done_count / steps.total if steps.total else 1.0)
            for step in steps.steps:
                mark = ":material/check_circle:" if step.done else \
                    ":material/radio_button_unchecked:"
                st.markdown(f"{mark} {plain(step.title)}")
