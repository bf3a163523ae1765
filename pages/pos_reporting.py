import streamlit as st

from core.partners import partner_choices
from core.permissions import can
from core.pos.compliance import CADENCES, GRACE_DAYS, reporting_status, set_cadence
from ui.actions import show_flash, submit
from ui.context import db
from ui.forms import FieldErrors, form_key
from ui.guard import page_guard
from ui.tables import day_col, table, text_col, time_col

STATUS = {"received": "Received", "due": "Due, still in time", "late": "Late"}

user = page_guard(__file__)
actor = user.actor

st.title("POS reporting")
show_flash()
st.caption(f"Each reporting partner (a distributor, or one that has sent a report) owes a "
           f"report for each period of its cadence, due {GRACE_DAYS} days after the period "
           "ends. A daily job reminds the late ones.")
with db() as session:
    rows = reporting_status(session, actor)
late = [r for r in rows if r.status == "late"]
st.metric("Late", f"{len(late):,} of {len(rows):,}")
table([{"partner": r.partner_name, "cadence": CADENCES[r.cadence],
        "period": f"{r.period_first:%Y-%m-%d} to {r.period_last:%Y-%m-%d}", "due": r.due_on,
        "status": STATUS[r.status], "last": r.last_received}
       for r in sorted(rows, key=lambda r: (r.status != "late", r.partner_name))],
      {"partner": text_col("Partner", 200, pinned=True), "cadence": text_col("Cadence", 100),
       "period": text_col("Period", 190), "due": day_col("Due"),
       "status": text_col("Status", 140), "last": time_col("Last report", 140)},
      key="reporting")

if can(actor, "pos.exceptions"):
    with st.expander("Set a partner's cadence"):
        with db() as session:
            partners = dict(partner_choices(session, actor))
        errors = FieldErrors()
        with st.form(form_key("cadence")):
            partner_id = st.selectbox("Partner", list(partners), format_func=partners.get,
                                      index=None)
            cadence = st.selectbox("Cadence", list(CADENCES), format_func=CADENCES.get,
                                   index=1)
            errors.slot("cadence")
            if st.form_submit_button("Save"):
                submit(lambda s: set_cadence(s, actor, partner_id, cadence),
                       "Saved.", errors=errors, form="cadence")
