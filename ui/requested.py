"""The page a signed-out visitor asked for by URL ("/deal?id=42"), kept through sign-in.

A signed-out menu has no such page, and Streamlit would send the visitor to Home with "page
not found", the address lost. So Home.py reads the requested page before it builds the menu
and, while signed out, registers the sign-in page at that same address: the URL and its query
stay, and the sign-in's own run (a callback, before the script) builds the signed-in menu, in
which that address is the real page. Streamlit names a page by the hash of its url path, so
the page the browser is on is the same page before and after. Reads Streamlit's script-run
context, which has no public API for this: re-check on upgrades (tests/e2e covers it)."""

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.util import calc_hash

from core.accounts import SignedIn
from ui.registry import PAGES, signed_out_route, spec_for

RETURN_TO = "prm_return_to"


def requested_route() -> str | None:
    """The url path of the page this run was asked for: by name on a page load, by hash
    on a rerun (a click)."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return None
    pages = ctx.pages_manager
    if wanted := pages.intended_page_script_hash:
        return next((p.route for p in PAGES if calc_hash(p.route) == wanted), None)
    return pages.intended_page_name or None


def sign_in_address(user: SignedIn | None) -> str | None:
    """While signed out: the route of the page to open after sign-in, if the visitor asked
    for one; Home.py serves the sign-in at its address. Signed in: None, forgotten."""
    if user is not None:
        st.session_state.pop(RETURN_TO, None)
        return None
    if route := signed_out_route(requested_route()):
        st.session_state[RETURN_TO] = route
    return st.session_state.get(RETURN_TO)


def sign_in_for() -> str | None:
    """On the sign-in served at a requested page's address: that page's title."""
    route = st.session_state.get(RETURN_TO)
    url = (st.context.url or "").rstrip("/")
    return spec_for(route).title if route and url.endswith(f"/{route}") else None


def sign_in_page(route: str) -> st.Page:
    return st.Page("pages/home.py", title="Sign in", icon=":material/login:", url_path=route,
                   visibility="hidden")
