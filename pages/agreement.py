import streamlit as st

from core.onboarding import accept_agreement, get_agreement_for
from ui.actions import show_flash, submit
from ui.context import db, local_time
from ui.guard import page_guard
from ui.markdown import plain

user = page_guard(__file__)
actor = user.actor

st.title("Partner agreement")
show_flash()
with db() as session:
    status = get_agreement_for(session, actor)

if status.agreement is None:
    st.info("There is no partner agreement to accept.")
    st.stop()

agreement = status.agreement
if status.accepted:
    st.success(f"Accepted by {plain(status.accepted_by or '')} on "
               f"{local_time(status.accepted_at)}.")
elif status.can_accept:
    st.warning("Your company has not accepted this version yet: the portal opens once you do.")
else:
    st.warning("Your partner administrator must accept this version before the portal opens.")

st.caption(f"Version {agreement.version}, published {local_time(agreement.published_at)}")
with st.container(border=True):
    st.markdown(agreement.body_markdown)

if status.can_accept and not status.accepted:
    with st.form("accept"):
        agree = st.checkbox(f"I accept version {agreement.version} on behalf of my company")
        slot = st.empty()
        if st.form_submit_button("Accept the agreement", type="primary"):
            if not agree:
                slot.error("Tick the box to accept on behalf of your company.")
            else:
                submit(lambda s: accept_agreement(s, actor, agreement.version),
                       "Agreement accepted: welcome aboard!", where=slot)
