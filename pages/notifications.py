import streamlit as st

from core.notifications import list_notifications, mark_all_read, mark_read
from ui.actions import submit
from ui.context import db, local_time
from ui.guard import page_guard
from ui.markdown import plain, plain_lines
from ui.registry import link_for

user = page_guard(__file__)
actor = user.actor

st.title("Notifications")
unread_only = st.toggle("Unread only")
with db() as session:
    items = list_notifications(session, actor, unread_only=unread_only)

if any(n.unread for n in items) and st.button("Mark all as read", icon=":material/done_all:"):
    submit(lambda s: mark_all_read(s, actor))

if not items:
    st.info("Nothing here." if unread_only else "You have no notifications yet.")

for n in items:
    with st.container(border=True):
        head, action = st.columns([5, 1])
        head.markdown(f"{'**' if n.unread else ''}{plain(n.subject)}{'**' if n.unread else ''}")
        head.caption(local_time(n.created_at))
        st.write(plain_lines(n.body))
        # A route name, or a page file in older rows; no link to a page this user cannot open.
        if target := link_for(user, n.link):
            st.page_link(target, label="Open", icon=":material/arrow_forward:")
        if n.unread and action.button("Mark read", key=f"read-{n.id}"):
            submit(lambda s, n=n: mark_read(s, actor, n.id))
