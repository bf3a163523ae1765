import streamlit as st

from core.leads import lead_stats, queue_counts
from ui.context import db
from ui.guard import page_guard
from ui.tables import count_col, record_table, text_col

user = page_guard(__file__)
actor = user.actor

st.title("Lead report")
days = st.segmented_control("Over the last", [30, 90, 365], default=90,
                            format_func=lambda d: f"{d} days") or 90
with db() as session:
    counts = queue_counts(session, actor)
    stats = lead_stats(session, actor, days=days)

cols = st.columns(4)
cols[0].metric("Waiting in the vendor queue", f"{counts.new + counts.rejected:,}")
cols[1].metric("Offered now", f"{counts.offered:,}")
cols[2].metric("Converted into deals", f"{counts.converted:,}")
cols[3].metric("Returned after every offer", f"{counts.returned:,}")

st.subheader("Per partner")
st.caption("Offers made in the period and what became of them; response time is the median "
           "hours from offer to answer (accepted or rejected). A row opens the partner.")
percent = {"format": "percent"}
record_table([{"id": s.partner_id, "partner": s.partner, "offers": s.offers,
               "waiting": s.waiting, "accepted": s.acceptance, "hours": s.median_response_hours,
               "conversion": s.conversion, "lapsed": s.lapsed} for s in stats],
             {"partner": text_col("Partner", 220, pinned=True),
              "offers": count_col("Offers", 70), "waiting": count_col("Waiting", 70),
              "accepted": st.column_config.NumberColumn("Acceptance", **percent),
              "hours": st.column_config.NumberColumn("Median hours", format="%.1f"),
              "conversion": st.column_config.NumberColumn("Conversion", **percent),
              "lapsed": count_col("Lapsed", 70)},
             key="lead_report", page="partner_360")
