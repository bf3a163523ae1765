"""The floor of bench.pages: a page that draws what an analytics page draws, with the same
ui functions, from that page's data held in memory (a pickle named by PRM_BENCH_FLOOR). No
sign-in, no menu, no query: what the page costs beyond this is reading."""

import os
import pickle

import streamlit as st

from ui.dashboards import show_revenue_dashboard
from ui.performance import show_performance

with open(os.environ["PRM_BENCH_FLOOR"], "rb") as handle:
    kind, data = pickle.load(handle)  # written by bench.pages, never from outside
st.title("Floor")
if kind == "revenue":
    show_revenue_dashboard(data, "tier")
else:
    show_performance(data)
