import streamlit as st

from core.accounts import LINK_MINUTES, request_password_reset
from ui.actions import submit
from ui.context import session_ref
from ui.guard import page_guard
from ui.registry import page_file

page_guard(__file__)

st.title("Forgot password")
st.write(f"Give your username or your e-mail address. If an account matches, we e-mail it a "
         f"link to choose a new password; the link works once, for {LINK_MINUTES} minutes.")
with st.form("forgot_password", clear_on_submit=True):
    given = st.text_input("Username or e-mail", autocomplete="username")
    if st.form_submit_button("Send the link", type="primary"):
        submit(lambda s: request_password_reset(s, given, session_ref=session_ref()),
               then=lambda answer: st.success(answer))
st.page_link(page_file("home"), label="Back to sign-in", icon=":material/login:")
