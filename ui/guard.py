"""The access gate every page starts with."""

import streamlit as st

from core.accounts import SignedIn
from ui.context import current_user
from ui.navigation_mode import use_app_navigation
from ui.registry import allowed, spec_for

ACCESS_DENIED = "You do not have access to this page."


def page_guard(file: str) -> SignedIn | None:
    """Stop the page unless the current user (or visitor) may open it."""
    use_app_navigation()
    spec = spec_for(file)
    user = current_user()
    if not allowed(spec, user):
        st.error(ACCESS_DENIED, icon=":material/block:")
        st.stop()
    return user
