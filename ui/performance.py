"""Drawing the channel team's partner performance from core.analytics.partner_performance:
every partner in one table, the partners at risk, the movers. The page asks, this draws (and
the bench draws the same from memory, as its floor)."""

import streamlit as st

from core.analytics import AT_RISK_FALL, KPIS, QUIET_MONTHS, PartnerPerformance, Performance
from core.partners import PARTNER_TYPE_SHORT
from ui.tables import count_col, money_col, record_table, text_col

UNITS = {"money": lambda label: money_col(label, 130), "count": lambda label: count_col(label),
         "percent": lambda label: st.column_config.NumberColumn(label, format="percent"),
         "days": lambda label: st.column_config.NumberColumn(label, format="%.0f"),
         "hours": lambda label: st.column_config.NumberColumn(label, format="%.1f")}


def show_performance(found: Performance) -> None:
    _every_partner(found)
    _at_risk(found)
    left, right = st.columns(2)
    for col, up, title in ((left, True, "Top movers"), (right, False, "Bottom movers")):
        with col:
            st.subheader(title)
            record_table([_row(p) for p in found.movers(up)],
                         {"name": text_col("Partner", 200), "health": count_col("Health", 70),
                          "trend": count_col("Trend", 70)}, key=f"movers_{up}",
                         page="partner_360")


def _row(p: PartnerPerformance) -> dict:
    return {"id": p.partner_id, "name": p.name, "health": p.health,
            "trend": p.trend, "tier": p.tier, "regions": ", ".join(p.regions),
            "type": PARTNER_TYPE_SHORT.get(p.partner_type, p.partner_type),
            "manager": p.manager, "risk": p.risk or None, **p.kpis}


def _every_partner(found: Performance) -> None:
    columns = {"name": text_col("Partner", 180, pinned=True),
               "health": count_col("Health", 70, help="0 to 100: see a partner's scorecard"),
               "trend": count_col("Trend", 70, help="Health points since the period before"),
               "tier": text_col("Tier", 85), "regions": text_col("Regions", 100),
               "type": text_col("Type", 90), "manager": text_col("Channel manager", 130),
               **{k.key: UNITS[k.unit](k.label) for k in KPIS}}
    st.caption(f"{len(found.partners):,} partners, {found.period.label}. Sort by any column; "
               "a row opens the partner's 360.")
    record_table([_row(p) for p in found.partners], columns, key="performance",
                 page="partner_360", height=420)


def _at_risk(found: Performance) -> None:
    st.subheader("At risk")
    st.caption(f"Health down {AT_RISK_FALL} points or more, or no registration in "
               f"{QUIET_MONTHS} months.")
    record_table([_row(p) for p in found.at_risk],
                 {"name": text_col("Partner", 200, pinned=True),
                  "health": count_col("Health", 70), "trend": count_col("Trend", 70),
                  "risk": text_col("Why", "large"),
                  "manager": text_col("Channel manager", 140)},
                 key="at_risk", page="partner_360")
