import streamlit as st

from core.incentives.statements import rep_spiffs
from core.money import base_money, compact_money
from ui.context import db
from ui.guard import page_guard
from ui.tables import count_col, money_col, table, text_col

user = page_guard(__file__)
actor = user.actor

st.title("My SPIFFs")
st.caption("The SPIFFs paid to you for the units your company's POS reports name you on "
           "(by your e-mail address), quarter by quarter. They are paid with your company's "
           "incentive statement.")
with db() as session:
    rows = rep_spiffs(session, actor)
if not rows:
    st.info("No SPIFF names you yet: a SPIFF pays you when your company's sales reports give "
            "your e-mail address as the selling rep.")
    st.stop()
earned = sum((r.earned for r in rows), start=0)
st.metric("Earned in all", compact_money(earned), help=base_money(earned))
table([{"quarter": r.quarter, "program": r.program, "units": r.units, "earned": r.earned,
        "status": r.status_label} for r in rows],
      {"quarter": text_col("Quarter", 90), "program": text_col("SPIFF", 220),
       "units": count_col("Units"), "earned": money_col("Earned"),
       "status": text_col("Statement", 140)}, key="my_spiffs")
