from datetime import datetime
from zoneinfo import ZoneInfo

import streamlit as st

from core.deals import export_won_csv, export_won_xlsx, revenue, won_deals, won_summary
from core.deals.revenue import quarter_start
from core.errors import DomainError, RuleViolation
from core.partners import partner_choices
from core.settings import get_settings
from core.validation.parsers import checked, parse_date
from ui.context import db
from ui.downloads import CSV, XLSX, download
from ui.forms import FieldErrors
from ui.guard import page_guard
from ui.markdown import plain
from ui.registry import link_for
from ui.tables import day_col, key_col, money_col, record_table, table, text_col, time_col

PAGE_KEY, FILTER_KEY = "won_page", "won_filters"
FIRST_KEY, LAST_KEY = "won_first_day", "won_last_day"

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

# The period is typed as two dates, each applied by Enter (or by leaving the field). A
# st.date_input range applies a typed date only when the field loses focus: after Enter it
# showed the new dates over the totals of the old period until a click elsewhere.
errors = FieldErrors()
cols = st.columns([1, 1, 3])
with cols[0]:
    typed_first = st.text_input("First day", value=this_quarter.isoformat(), key=FIRST_KEY,
                                placeholder="YYYY-MM-DD",
                                help="Deals closed on or after this day (YYYY-MM-DD). "
                                     "Defaults to the first day of this quarter.")
    errors.slot("start")
with cols[1]:
    typed_last = st.text_input("Last day", value=today.isoformat(), key=LAST_KEY,
                               placeholder="YYYY-MM-DD",
                               help="Deals closed on or before this day (YYYY-MM-DD). "
                                    "Defaults to today.")
    errors.slot("end")
partner_id = cols[2].selectbox("Partner", list(partners), index=None, key="won_partner",
                               format_func=partners.get, placeholder="All partners")

period = {}
for field, typed, what in (("start", typed_first, "first day of the period"),
                           ("end", typed_last, "last day of the period")):
    try:
        period[field] = checked(field, parse_date, typed, what=what)
    except RuleViolation as exc:
        errors.show(exc)
if len(period) < 2:
    st.stop()
start, end = period["start"], period["end"]

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

# What finance reads first comes first: a 1400 px window shows the deal, partner,
# customer, amount and day; the rest scrolls beside the pinned deal number.
won_rows = [{"deal": r.deal_id, "partner": r.partner, "customer": r.customer,
             "amount": r.final_amount, "closed": r.closed_on, "tier": r.tier,
             "country": r.country, "lines": r.product_lines or None, "owner": r.owner,
             "submitted": r.submitted_at} for r in rows]
won_columns = {
    "deal": key_col("Deal"), "partner": text_col("Partner", 170),
    "customer": text_col("End customer", 180), "amount": money_col("Final amount", 130),
    "closed": day_col("Closed on", 95), "tier": text_col("Tier", 80),
    "country": text_col("Country", 65), "lines": text_col("Product lines", 160),
    "owner": text_col("Owner", 130), "submitted": time_col("Submitted", 140)}
if link_for(user, "deal"):  # those who may open a deal open it from its row
    record_table(won_rows, won_columns, key="won_deals", page="deal", id_column="deal")
else:
    table(won_rows, won_columns)


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
