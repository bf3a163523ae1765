"""Entry point: page config, sign-in, and the menu built from the page registry."""

import logging

import streamlit as st
from sqlalchemy.exc import OperationalError

from core.actor import ROLE_LABELS
from core.notifications import unread_count
from ui import auth
from ui.context import db, engine
from ui.errors import run_safely
from ui.markdown import plain
from ui.navigation_mode import use_app_navigation
from ui.registry import link_for, pages_for

use_app_navigation()
st.set_page_config(page_title="PRM", page_icon=":material/handshake:", layout="wide")

try:
    engine()
except OperationalError:
    logging.getLogger("prm").exception("database unavailable at start-up")
    st.error("The database is not reachable. Check PRM_DATABASE_URL and that the database "
             "server is running, then reload this page.")
    st.stop()

user = auth.restore_user()

visible = pages_for(user)
sections: dict[str, list] = {}
for spec in visible:
    page = st.Page(spec.file, title=spec.title, icon=spec.icon, url_path=spec.route)
    sections.setdefault(spec.section, []).append(page)
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
