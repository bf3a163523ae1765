import streamlit as st

from core.errors import DomainError
from core.permissions import can
from ui.actions import show_flash
from ui.deal_views import desk_view, partner_view
from ui.guard import page_guard
from ui.markdown import plain
from ui.records import back_to, record_id

user = page_guard(__file__)
actor = user.actor
desk = can(actor, "deal.desk")

if desk:
    back_to("deal_desk", "Back to the deal desk")
else:
    back_to("my_deals", "Back to My deals")
show_flash()
if (deal_id := record_id("deal registration")) is None:
    st.stop()
try:
    # The channel team decides; partners (and read-only vendor roles) follow the deal.
    view = desk_view if desk else partner_view
    view(actor, deal_id)
except DomainError as exc:  # not found, or another partner's: core says which it may
    st.error(plain(str(exc)))
