from datetime import datetime
from zoneinfo import ZoneInfo

import streamlit as st

from core.analytics import (
    KPIS,
    PerformanceFilter,
    health_weights,
    set_health_weights,
)
from core.directory import directory_options
from core.partners import PARTNER_TYPE_SHORT
from core.permissions import can
from ui.actions import show_flash, submit
from ui.analytics_cache import cached_performance
from ui.context import db
from ui.forms import FieldErrors
from ui.guard import page_guard
from ui.performance import show_performance
from ui.scorecard import choose_period

user = page_guard(__file__)
actor = user.actor

st.title("Partner performance")
show_flash()
with db() as session:
    options = directory_options(session, actor)
owners = dict(options.owners)
cols = st.columns(5)
with cols[0]:
    period = choose_period("performance_period")
tier = cols[1].selectbox("Tier", options.tiers, index=None, placeholder="Any tier")
region = cols[2].selectbox("Region", options.regions, index=None, placeholder="Any region")
ptype = cols[3].selectbox("Type", options.partner_types, index=None, placeholder="Any type",
                          format_func=lambda t: PARTNER_TYPE_SHORT.get(t, t))
manager = cols[4].selectbox("Channel manager", list(owners), index=None,
                            format_func=owners.get, placeholder="Anyone")
today = datetime.now(ZoneInfo(user.time_zone)).date()
show_performance(cached_performance(actor, period,
                                    PerformanceFilter(tier, region, ptype, manager), today))

if can(actor, "health.weights"):
    with st.expander("Health weights"), st.form("health_weights"):
        st.caption("What each KPI weighs in every partner's health (0 leaves it out).")
        with db() as session:
            current = health_weights(session)
        errors = FieldErrors()
        typed = {}
        for kpi in KPIS:
            typed[kpi.key] = st.number_input(kpi.label, min_value=0, max_value=100, step=5,
                                             value=current[kpi.key], help=kpi.help)
            errors.slot(kpi.key)
        errors.slot("weights")
        if st.form_submit_button("Save weights", type="primary"):
            submit(lambda s: set_health_weights(s, actor, {k: int(v) for k, v in
                                                           typed.items()}),
                   "Health weights saved.", errors=errors)
