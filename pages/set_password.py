import streamlit as st

from core.accounts import LINK_INVALID, link_holder, set_password_with_link
from ui.actions import submit
from ui.context import db
from ui.forms import FieldErrors
from ui.guard import page_guard
from ui.markdown import plain
from ui.registry import link_for, page_file

user = page_guard(__file__)

st.title("Choose a password")
token = st.query_params.get("token", "")
with db() as session:
    holder = link_holder(session, token)

if done_for := st.session_state.pop("prm_password_set", None):
    st.success(f"Your password is set. Sign in as **{plain(done_for)}**.")
    st.page_link(page_file("home"), label="Sign in", icon=":material/login:")
    st.stop()
if holder is None:
    st.error(LINK_INVALID)
    if forgot := link_for(user, "forgot_password"):
        st.page_link(forgot, label="Ask for a new link", icon=":material/lock_reset:")
    st.stop()

st.write(f"Account: **{plain(holder.username)}**")
with st.form("set_password"):
    errors = FieldErrors()
    new = st.text_input("New password", type="password", help="At least 10 characters",
                        autocomplete="new-password")
    errors.slot("new")
    repeat = st.text_input("Repeat the new password", type="password",
                           autocomplete="new-password")
    errors.slot("repeat")
    errors.slot("")
    if st.form_submit_button("Set password", type="primary"):
        def done(username: str) -> None:
            st.session_state["prm_password_set"] = username
            st.query_params.clear()
            st.rerun()

        submit(lambda s: set_password_with_link(s, token, new, repeat), errors=errors,
               then=done)
