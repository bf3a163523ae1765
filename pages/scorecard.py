import streamlit as st

from core.analytics import partner_health, scorecard, scorecard_months
from core.errors import DomainError
from core.partners import partner_choices
from core.permissions import can
from ui.context import db
from ui.guard import page_guard
from ui.markdown import plain
from ui.records import linked_choice
from ui.scorecard import choose_period, show_scorecard

user = page_guard(__file__)
actor = user.actor

st.title("Our scorecard" if actor.is_partner else "Scorecard")
cols = st.columns([2, 1])
if actor.is_partner:  # a partner's users see their own partner's, and only that
    partner_id = actor.partner_id
else:
    with db() as session:
        choices = dict(partner_choices(session, actor))
    partner_id = linked_choice(choices, where=cols[0])
    if partner_id is None:
        st.info("Choose a partner to see its KPIs, health and how it compares with its tier.")
        st.stop()
with cols[1]:
    period = choose_period("scorecard_period")

try:
    with db() as session:
        card = scorecard(session, actor, partner_id, period)
        months = scorecard_months(session, actor, partner_id, period)
        health = (partner_health(session, actor, partner_id, period)
                  if can(actor, "health.view") else None)
except DomainError as exc:
    st.error(plain(str(exc)))
    st.stop()
if not actor.is_partner:
    st.header(plain(card.partner_name))
show_scorecard(card, health, months)
