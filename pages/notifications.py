import streamlit as st

from core.notifications import list_notifications, mark_all_read, mark_read
from ui.context import db, local_time
from ui.guard import page_guard
from ui.markdown import plain

user = page_guard(__file__)
actor = user.actor

st.title("Notifications")
unread_only = st.toggle("Unread only")
with db() as session:
    items = list_notifications(session, actor, unread_only=unread_only)

if any(n.unread for n in items) and st.button("Mark all as read", icon=":material/done_all:"):
    with db() as session:
        mark_all_read(session, actor)
    st.rerun()

if not items:
    st.info("Nothing here." if unread_only else "You have no notifications yet.")

for n in items:
    with st.container(border=True):
        head, action = st.columns([5, 1])
        head.markdown(f"{'**' if n.unread else ''}{plain(n.subject)}{'**' if n.unread else ''}")
        head.caption(local_time(n.created_at))
        st.write(plain(n.body))
        if n.link:
            st.page_link(n.link, label="Open", icon=":material/arrow_forward:")
        if n.unread and action.button("Mark read", key=f"read-{n.id}"):
            with db() as session:
                mark_read(session, actor, n.id)
            st.rerun()
