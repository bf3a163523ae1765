import streamlit as st

from core.analytics import GROUPINGS, DashboardFilter
from core.directory import directory_options
from ui.analytics_cache import cached_revenue_dashboard
from ui.context import db
from ui.dashboards import show_revenue_dashboard
from ui.guard import page_guard
from ui.scorecard import choose_period

user = page_guard(__file__)
actor = user.actor

st.title("Revenue dashboard")
with db() as session:
    options = directory_options(session, actor)
cols = st.columns(4)
with cols[0]:
    period = choose_period("dashboard_period")
region = cols[1].selectbox("Region", options.regions, index=None, placeholder="Every region")
tier = cols[2].selectbox("Tier", options.tiers, index=None, placeholder="Every tier")
by = cols[3].selectbox("Stack by", list(GROUPINGS), format_func=GROUPINGS.get)
filt = DashboardFilter(region=region, tier=tier)
show_revenue_dashboard(cached_revenue_dashboard(actor, period, by, filt), by)
