import streamlit as st

from core.permissions import can
from core.portal.announcements import (
    list_announcements,
    mark_read,
    publish_announcement,
    reach,
    withdraw_announcement,
)
from core.portal.audience import tier_choices
from ui.actions import show_flash, submit
from ui.context import db, local_day
from ui.forms import FieldErrors, form_key
from ui.guard import page_guard
from ui.markdown import plain
from ui.portal import audience_picker

user = page_guard(__file__)
actor = user.actor
writes = can(actor, "portal.content")

st.title("Announcements")
show_flash()
st.caption("News from the vendor's channel team. Pinned announcements also lead a partner's "
           "Home until they end.")

if writes:
    with db() as session:
        tiers = tier_choices(session)
    with st.expander("Write an announcement", icon=":material/edit:"):
        errors = FieldErrors()
        with st.form(form_key("new_announcement")):
            title = st.text_input("Title *", max_chars=200)
            errors.slot("title")
            body = st.text_area("Text * (Markdown: **bold**, lists, [links](https://...))",
                                height=200)
            errors.slot("body")
            audience = audience_picker("new_announcement", tiers)
            errors.slot("tier_ids")
            cols = st.columns(3)
            pinned = cols[0].checkbox("Pin it on partners' Home")
            email = cols[1].checkbox("Also send it by e-mail")
            ends_on = cols[2].date_input("Ends on", value=None, format="YYYY-MM-DD")
            errors.slot("ends_on")
            if st.form_submit_button("Publish", type="primary"):
                submit(lambda s: publish_announcement(s, actor, {
                    "title": title, "body": body, "audience": audience, "pinned": pinned,
                    "email": email, "ends_on": ends_on}),
                    lambda a: f"Published {a.title}, for {a.audience}.", errors=errors,
                    failed="Nothing was published.", form="new_announcement")

show_all = writes and st.toggle("Show ended and withdrawn", key="announcements_all")
with db() as session:
    items = list_announcements(session, actor, current_only=not show_all)
    reached = {a.id: reach(session, actor, a.id) for a in items} if writes else {}

if not items:
    st.info("No announcements for you just now.")

for a in items:
    with st.container(border=True):
        badges = ([":orange-badge[pinned]"] if a.pinned else []) + \
            ([":blue-badge[unread]"] if not a.read and not writes else []) + \
            ([":gray-badge[ended]"] if not a.current else [])
        st.markdown(f"### {plain(a.title)} " + " ".join(badges))
        st.caption(f"{local_day(a.published_at):%Y-%m-%d}"
                   + (f" · until {a.ends_on:%Y-%m-%d}" if a.ends_on else "")
                   + (f" · for {plain(a.audience)}" if writes else ""))
        # Markdown as typed: HTML in it stays text (not rendered); "$" is money, not a formula.
        st.markdown(a.body.replace("$", "\\$"))
        if writes:
            r = reached[a.id]
            st.caption(f"Reaches {r.partners:,} partners ({r.users:,} users); read by "
                       f"{r.reads:,}." + (" Sent by e-mail." if a.emailed else ""))
            if a.current and st.button("Withdraw", key=f"announcement_withdraw_{a.id}"):
                submit(lambda s, i=a.id: withdraw_announcement(s, actor, i),
                       "Withdrawn: partners no longer see it.")
        elif not a.read and st.button("Mark as read", key=f"announcement_read_{a.id}"):
            submit(lambda s, i=a.id: mark_read(s, actor, i), "Marked as read.")
