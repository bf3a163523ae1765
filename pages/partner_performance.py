from datetime import datetime
from zoneinfo import ZoneInfo

import streamlit as st

from core.analytics import (
    KPIS,
    QUIET_MONTHS,
    PerformanceFilter,
    health_weights,
    partner_performance,
    set_health_weights,
)
from core.directory import directory_options
from core.partners import PARTNER_TYPE_SHORT
from core.permissions import can
from ui.actions import show_flash, submit
from ui.context import db
from ui.forms import FieldErrors
from ui.guard import page_guard
from ui.scorecard import choose_period
from ui.tables import count_col, money_col, record_table, text_col

user = page_guard(__file__)
actor = user.actor
UNITS = {"money": lambda label: money_col(label, 130), "count": lambda label: count_col(label),
         "percent": lambda label: st.column_config.NumberColumn(label, format="percent"),
         "days": lambda label: st.column_config.NumberColumn(label, format="%.0f")}

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
with db() as session:
    found = partner_performance(session, actor, period,
                                PerformanceFilter(tier, region, ptype, manager), today=today)


def row(p) -> dict:
    return {"id": p.partner_id, "name": p.name, "health": p.health.score,
            "trend": p.health.trend, "tier": p.tier, "regions": ", ".join(p.regions),
            "type": PARTNER_TYPE_SHORT.get(p.partner_type, p.partner_type),
            "manager": p.manager, "risk": p.risk or None, **p.kpis}


columns = {"name": text_col("Partner", 180, pinned=True),
           "health": count_col("Health", 70, help="0 to 100: see a partner's scorecard"),
           "trend": count_col("Trend", 70, help="Health points since the period before"),
           "tier": text_col("Tier", 85), "regions": text_col("Regions", 100),
           "type": text_col("Type", 90), "manager": text_col("Channel manager", 130),
           **{k.key: UNITS[k.unit](k.label) for k in KPIS}}
st.caption(f"{len(found.partners):,} partners, {period.label}. Sort by any column; a row "
           "opens the partner's 360.")
record_table([row(p) for p in found.partners], columns, key="performance",
             page="partner_360", height=420)

st.subheader("At risk")
st.caption(f"Health down 10 points or more, or no registration in {QUIET_MONTHS} months.")
record_table([row(p) for p in found.at_risk],
             {"name": text_col("Partner", 200, pinned=True), "health": count_col("Health", 70),
              "trend": count_col("Trend", 70), "risk": text_col("Why", "large"),
              "manager": text_col("Channel manager", 140)},
             key="at_risk", page="partner_360")
left, right = st.columns(2)
for col, up, title in ((left, True, "Top movers"), (right, False, "Bottom movers")):
    with col:
        st.subheader(title)
        record_table([row(p) for p in found.movers(up)],
                     {"name": text_col("Partner", 200), "health": count_col("Health", 70),
                      "trend": count_col("Trend", 70)}, key=f"movers_{up}",
                     page="partner_360")

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
