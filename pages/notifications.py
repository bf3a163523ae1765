import streamlit as st

from core.notifications import (
    PAGE_SIZE,
    mark_all_read,
    mark_read,
    notification_kinds,
    notification_page,
)
from ui.actions import submit
from ui.context import db, local_time
from ui.guard import page_guard
from ui.markdown import plain, plain_lines
from ui.registry import spec_for, target_for

user = page_guard(__file__)
actor = user.actor
FILTERS, PAGE = "notifications_filters", "notifications_page"


def kind_label(route: str) -> str:
    try:
        return spec_for(route).title
    except KeyError:
        return route.replace("_", " ").capitalize()


st.title("Notifications")
with db() as session:
    kinds = notification_kinds(session, actor)
cols = st.columns([1, 2, 3])
unread_only = cols[0].toggle("Unread only")
kind = cols[1].selectbox("About", kinds, index=None, format_func=kind_label,
                         placeholder="Everything")
if st.session_state.get(FILTERS) != (unread_only, kind):  # new filters: first page again
    st.session_state[FILTERS] = (unread_only, kind)
    st.session_state[PAGE] = 1

with db() as session:
    found = notification_page(session, actor, unread_only=unread_only, kind=kind,
                              page=int(st.session_state.get(PAGE, 1)))
items = found.items
pages = max(1, -(-found.total // PAGE_SIZE))
if pages > 1:
    cols[2].number_input("Page", min_value=1, max_value=pages, step=1, key=PAGE)
st.caption(f"{found.total:,} notification(s), unread first"
           + (f"; page {st.session_state.get(PAGE, 1)} of {pages}" if pages > 1 else ""))

if any(n.unread for n in items) and st.button("Mark all as read", icon=":material/done_all:"):
    submit(lambda s: mark_all_read(s, actor))

if not items:
    st.info("Nothing here." if unread_only or kind else "You have no notifications yet.")

for n in items:
    with st.container(border=True):
        head, action = st.columns([5, 1])
        head.markdown(f"{'**' if n.unread else ''}{plain(n.subject)}{'**' if n.unread else ''}")
        head.caption(local_time(n.created_at))
        st.write(plain_lines(n.body))
        # The record it is about ("deal?id=42"), a route name, or a page file in older rows;
        # no link to a page this user cannot open.
        if target := target_for(user, n.link):
            file, query = target
            st.page_link(file, label="Open", icon=":material/arrow_forward:",
                         query_params=query or None)
        if n.unread and action.button("Mark read", key=f"read-{n.id}"):
            submit(lambda s, n=n: mark_read(s, actor, n.id))
