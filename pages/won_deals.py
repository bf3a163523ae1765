from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from core.deals import export_won_csv, export_won_xlsx, revenue, won_deals, won_summary
from core.deals.revenue import quarter_start
from core.errors import DomainError, RuleViolation
from core.partners import partner_choices
from core.settings import get_settings
from ui.context import db, local_time
from ui.downloads import CSV, XLSX, download
from ui.forms import FieldErrors
from ui.guard import page_guard
from ui.markdown import plain

PAGE_KEY, FILTER_KEY = "won_page", "won_filters"

user = page_guard(__file__)
actor = user.actor
currency = get_settings().base_currency

st.title("Won deals")
st.caption("Partner deals marked won, by the day they closed: the revenue that tiers and "
           "scorecards count.")

today = datetime.now(ZoneInfo(user.time_zone)).date()
this_quarter = quarter_start(today)

with db() as session:
    partners = dict(partner_choices(session, actor))

errors = FieldErrors()
cols = st.columns([2, 3])
with cols[0]:
    period = st.date_input("Closed between", value=(this_quarter, today), key="won_period",
                           format="YYYY-MM-DD",
                           help="First and last day, both included. Defaults to this quarter.")
    errors.slot("end")
partner_id = cols[1].selectbox("Partner", list(partners), index=None, key="won_partner",
                               format_func=partners.get, placeholder="All partners")

if not isinstance(period, tuple) or len(period) != 2:
    st.info("Choose the last day of the period too.")
    st.stop()
start, end = period

page_size = revenue.WON_PAGE_SIZE
filters = (start, end, partner_id)
if st.session_state.get(FILTER_KEY) != filters:  # another period or partner: first page again
    st.session_state[FILTER_KEY] = filters
    st.session_state[PAGE_KEY] = 1

try:
    with db() as session:
        summary = won_summary(session, actor, start, end, partner_id=partner_id)
        page_no = int(st.session_state.get(PAGE_KEY, 1))
        rows = won_deals(session, actor, start, end, partner_id=partner_id, limit=page_size,
                         offset=(page_no - 1) * page_size)
except RuleViolation as exc:
    errors.show(exc)
    st.stop()
except DomainError as exc:
    st.error(plain(str(exc)))
    st.stop()

left, right = st.columns(2)
left.metric("Won deals", f"{summary.count:,}")
right.metric(f"Total final amount ({currency})", f"{summary.total:,.2f}")

pages = max(1, -(-summary.count // page_size))
if pages > 1:
    st.number_input("Page", min_value=1, step=1, key=PAGE_KEY)
    st.caption(f"Page {page_no:,} of {pages:,}, {page_size} deals a page, oldest first; the "
               "downloads hold all of them.")
    if not rows:
        st.info(f"The last page is page {pages:,}: choose a lower page number.")

amount_col = f"Final amount ({currency})"
st.dataframe(pd.DataFrame(
    [{"Deal": r.deal_id, "Partner": r.partner, "Tier": r.tier, "End customer": r.customer,
      "Country": r.country, "Product lines": r.product_lines,
      amount_col: f"{r.final_amount:,.2f}", "Closed on": r.closed_on.isoformat(),
      "Owner": r.owner, "Submitted": local_time(r.submitted_at)} for r in rows],
    columns=["Deal", "Partner", "Tier", "End customer", "Country", "Product lines", amount_col,
             "Closed on", "Owner", "Submitted"]),
    hide_index=True, width="stretch")


# The files are built only when a button is clicked (ui.downloads), not on every rerun.
def _csv() -> bytes:
    with db() as session:
        return export_won_csv(session, actor, start, end, partner_id=partner_id)


def _xlsx() -> bytes:
    with db() as session:
        return export_won_xlsx(session, actor, start, end, partner_id=partner_id)


stem = f"won_deals_{start:%Y-%m-%d}_{end:%Y-%m-%d}"
cols = st.columns([1, 1, 4])
download("Download CSV", _csv, f"{stem}.csv", CSV, where=cols[0], disabled=not summary.count)
download("Download XLSX", _xlsx, f"{stem}.xlsx", XLSX, where=cols[1],
         disabled=not summary.count)
