import streamlit as st

from core.pos.rates import list_rates, set_rate
from core.settings import get_settings
from db.types import utcnow
from ui.actions import show_flash, submit
from ui.context import db
from ui.forms import FieldErrors, form_key
from ui.guard import page_guard
from ui.tables import day_col, table, text_col

user = page_guard(__file__)
actor = user.actor
base = get_settings().base_currency

st.title("Currency rates")
show_flash()
st.caption(f"One unit of a currency in {base}, from a day on. A POS line is converted at the "
           "latest rate on or before its invoice date; a line with none waits in the "
           "exceptions until a rate is added.")
with db() as session:
    rates = list_rates(session, actor)
table([{"currency": r.currency, "from": r.valid_on, "rate": f"{r.rate:f}"} for r in rates],
      {"currency": text_col("Currency", 90), "from": day_col("From"),
       "rate": text_col(f"Rate ({base})", 120)}, key="rates")
errors = FieldErrors()
with st.form(form_key("rate")):
    cols = st.columns(3)
    currency = cols[0].text_input("Currency *", max_chars=3, placeholder="EUR")
    valid_on = cols[1].date_input("From *", value=utcnow().date())
    rate = cols[2].text_input(f"Rate in {base} *", placeholder="1.0825")
    errors.slot("currency")
    errors.slot("rate")
    if st.form_submit_button("Save the rate", type="primary"):
        submit(lambda s: set_rate(s, actor, currency, valid_on, rate),
               lambda r: f"{r.currency} from {r.valid_on}: {r.rate:f}.", errors=errors,
               form="rate")
