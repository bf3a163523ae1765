"""Entry point: page config, sign-in, and the menu built from the page registry."""

import logging

import streamlit as st
from sqlalchemy.exc import OperationalError

from core.actor import ROLE_LABELS
from core.notifications import unread_count
from db.clock import problem as clock_problem
from ui import auth
from ui.context import db, engine, first_admin_exists
from ui.errors import run_safely
from ui.markdown import plain
from ui.navigation_mode import use_app_navigation
from ui.registry import link_for, pages_for
from ui.requested import sign_in_address, sign_in_page

use_app_navigation()
st.set_page_config(page_title="PRM", page_icon=":material/handshake:", layout="wide")

try:
    engine()
except OperationalError:
    logging.getLogger("prm").exception("database unavailable at start-up")
    st.error("The database is not reachable. Check PRM_DATABASE_URL and that the database "
             "server is running, then reload this page.")
    st.stop()

if problem := clock_problem():  # a test-only clock asked for outside tests
    st.error(problem)
    st.stop()
if problem := auth.key_problem():
    st.error(f"{problem} Set PRM_COOKIE_KEY (or cookie_key in .streamlit/secrets.toml) to "
             "at least 32 random bytes, the same on every replica, e.g. the output of: "
             "python -c \"import secrets; print(secrets.token_urlsafe(48))\"")
    st.stop()
if not first_admin_exists():
    st.title("Partner portal")
    st.info("This installation has no administrator yet. On the server, run:\n\n"
            "`python -m core.accounts create-admin --username NAME --email ADDRESS`\n\n"
            "then reload this page.")
    st.stop()

user = auth.restore_user()
# A record's address opened while signed out: sign in there, then the record opens.
return_to = sign_in_address(user)

visible = pages_for(user)
sections: dict[str, list] = {}
for spec in visible:
    page = st.Page(spec.file, title=spec.title, icon=spec.icon, url_path=spec.route,
                   visibility="hidden" if spec.hidden else "visible")
    sections.setdefault(spec.section, []).append(page)
if return_to:
    sections.setdefault("", []).append(sign_in_page(return_to))
navigation = st.navigation(sections, expanded=True)
auth.sync_cookie()

if user:
    st.sidebar.markdown(f"**{plain(user.display_name)}**  \n{ROLE_LABELS[user.actor.role]}")
    with db() as session:
        unread = unread_count(session, user.actor)
    if notifications := link_for(user, "notifications"):
        st.sidebar.page_link(notifications, label=f"Notifications ({unread} unread)",
                             icon=":material/notifications:")
    auth.logout_button()

run_safely(navigation.run)
