"""An analyst's page in one file (README: "Add a page in one file"): won revenue by partner
type for a period. It is listed in ui/registry.py by one line naming a read action that
exists ("dashboard.view"), so its roles follow from core.permissions and the page matrix
tests it under every role with no new test code."""

import pandas as pd
import streamlit as st

from core.analytics import revenue_by_month
from ui.charts import bar_chart, show
from ui.context import db
from ui.guard import page_guard
from ui.scorecard import choose_period

user = page_guard(__file__)  # stops anyone the registry's action does not allow
st.title("Won revenue by partner type")
period = choose_period("won_by_type_period")
with db() as session:  # one core.analytics query: scoped and permission-checked in core
    cells = revenue_by_month(session, user.actor, period, by="type")
frame = pd.DataFrame([{"Type": c.group, "Won revenue": float(c.won_amount)} for c in cells],
                     columns=["Type", "Won revenue"])
frame = frame.groupby("Type", as_index=False)["Won revenue"].sum()
show(bar_chart(frame, "Type", "Won revenue", money=True, empty="Nothing won in this period."),
     alt_text="Won revenue by partner type")
