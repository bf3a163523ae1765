import streamlit as st

from core.errors import RuleViolation
from core.training import verify
from ui.client import client_key
from ui.context import db, local_day
from ui.guard import page_guard
from ui.markdown import plain

page_guard(__file__)  # open to everyone, signed in or not

st.title("Check a certificate")
st.caption("Enter the verification code printed on a partner certificate.")
asked = st.query_params.get("code", "")
with st.form("certificate_check"):
    code = st.text_input("Verification code", value=asked, max_chars=40,
                         placeholder="XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
    pressed = st.form_submit_button("Check", type="primary")
if pressed or asked:
    try:
        with db(immediate=True) as session:
            found = verify(session, code, client_key())
    except RuleViolation as exc:
        st.error(plain(str(exc)))
        st.stop()
    if found.holder is None:
        st.error("Not valid: no certificate has this code.", icon=":material/cancel:")
    elif found.valid:
        st.success(f"Valid: {plain(found.holder)} is certified on {plain(found.track)} until "
                   f"{local_day(found.expires_at)}.", icon=":material/verified:")
    else:
        st.error(f"Not valid: the certificate of {plain(found.holder)} on {plain(found.track)} "
                 f"expired on {local_day(found.expires_at)}.", icon=":material/cancel:")
