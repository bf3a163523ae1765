"""Shows a one-time link (an invitation, a password reset) once, after the write's rerun:
where a mail server is configured it says the link was mailed; where none is, the link itself
is shown to the admin who made it, to copy now, and never again."""

import streamlit as st

from core.accounts import LINK_MINUTES, IssuedLink
from ui.markdown import plain

LINK_KEY = "prm_issued_link"


def keep_for_next_run(what: str, username: str, issued: IssuedLink | None) -> str:
    """For `submit`'s success: the next run shows it (returns no other message)."""
    if issued is not None:
        st.session_state[LINK_KEY] = (what, username, issued)
    return ""


def show_issued_link() -> None:
    kept = st.session_state.pop(LINK_KEY, None)
    if kept is None:
        return
    what, username, issued = kept
    if issued.mailed:
        st.success(f"{what} for **{plain(username)}**: a link to choose a password was e-mailed "
                   f"to {plain(issued.email)}. It works once, for {LINK_MINUTES} minutes.")
        return
    st.warning(f"{what} for **{plain(username)}**. No mail server is configured, so pass this "
               f"link on yourself: it is shown only now, works once, for {LINK_MINUTES} "
               "minutes.")
    st.code(issued.url, language=None)
