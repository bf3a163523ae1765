"""The floor of bench.pages: a page that draws what an analytics page draws, with the same
ui functions, from that page's data held in memory (bench.pages.FLOOR_DATA: AppTest runs the
script in the bench's process). No sign-in, no menu, no query: what the page costs beyond
this is reading."""

import streamlit as st

from bench import pages
from ui.dashboards import show_revenue_dashboard
from ui.performance import show_performance

kind, data = pages.FLOOR_DATA
st.title("Floor")
if kind == "revenue":
    show_revenue_dashboard(data, "tier")
else:
    show_performance(data)
