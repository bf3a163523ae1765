from decimal import Decimal, InvalidOperation

import streamlit as st

from core.deals import (
    DESK_SORTS,
    EXTENSION_LABELS,
    STATUS_LABELS,
    DealStatus,
    DeskFilter,
    bulk_approve,
    desk_queue,
)
from core.errors import DomainError
from core.partners import REGIONS, partner_choices
from ui.actions import show_flash, submit
from ui.context import db
from ui.guard import page_guard
from ui.markdown import plain
from ui.tables import count_col, key_col, money_col, record_table, text_col

MATCH_FILTERS = {"conflict": "Conflicts", "possible": "Possible conflicts or worse",
                 "clear": "No match"}
VERDICT_LABELS = {"clear": "", "possible": "possible", "conflict": "conflict"}


user = page_guard(__file__)
actor = user.actor

st.title("Deal desk")
show_flash()

with db() as session:
    partners = dict(partner_choices(session, actor))

search = st.text_input("Search", placeholder="customer, partner or #number",
                       key="desk_search")
with st.expander("Filters and order", expanded=False):
    cols = st.columns(4)
    statuses = cols[0].multiselect("Status", list(DealStatus), format_func=STATUS_LABELS.get,
                                   placeholder="Waiting for the desk")
    partner_id = cols[1].selectbox("Partner", list(partners), index=None,
                                   format_func=partners.get, placeholder="Any partner")
    region = cols[2].selectbox("Region", REGIONS, index=None, placeholder="Any region")
    min_age = cols[3].number_input("Older than (days)", min_value=0, value=0, step=1)
    cols = st.columns(4)
    min_value = cols[0].text_input("Value from", placeholder="e.g. 10000")
    max_value = cols[1].text_input("Value up to", placeholder="e.g. 250000")
    match_filter = cols[2].selectbox("Matches", list(MATCH_FILTERS), index=None,
                                     format_func=MATCH_FILTERS.get, placeholder="Any")
    mine_only = cols[3].toggle("My partners only")
    sort = st.radio("Order", list(DESK_SORTS), format_func=DESK_SORTS.get, horizontal=True,
                    key="desk_sort")


def _amount(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "")) if text.strip() else None
    except InvalidOperation:
        st.warning(f"'{plain(text)}' is not an amount; that filter is ignored.")
        return None


filt = DeskFilter(statuses=tuple(statuses) or None, partner_id=partner_id, region=region,
                  min_age_days=min_age or None, min_value=_amount(min_value),
                  max_value=_amount(max_value), match=match_filter,
                  mine_only=mine_only, search=search.strip() or None, sort=sort)
try:
    with db() as session:
        rows, total = desk_queue(session, actor, filt, limit=500)
except DomainError as exc:
    st.error(plain(str(exc)))
    st.stop()

st.caption(f"{total:,} registrations, {DESK_SORTS[sort].lower()}"
           + (" (first 500 shown)" if total > len(rows) else ""))
record_table(
    [{"id": r.deal.id, "partner": r.deal.partner_name, "tier": r.tier,
      "customer": r.deal.customer_name, "country": r.deal.customer_country,
      "value": r.deal.estimated_value, "status": r.deal.status_label, "age": r.age_days,
      "match": VERDICT_LABELS[r.match_verdict] or None,
      "extension": EXTENSION_LABELS.get(r.deal.extension_status),
      "manager": r.channel_manager} for r in rows],
    {"id": key_col(), "customer": text_col("Customer", 170, pinned=True),
     "partner": text_col("Partner", 160), "tier": text_col("Tier", 85),
     "country": text_col("Country", 65), "value": money_col("Value"),
     "status": text_col("Status", 135), "age": count_col("Age (days)", 85),
     "match": text_col("Match", 75), "extension": text_col("Extension", 90),
     "manager": text_col("Manager", 130)},
    key="desk_queue", page="deal")

clear = [r.deal.id for r in rows if r.match_verdict == "clear" and "approve" in r.deal.actions]


def approved(result) -> str:
    skipped = f"; {len(result.skipped)} skipped" if result.skipped else ""
    return f"Approved {len(result.approved)} registrations{skipped}."


if clear and st.button(f"Approve the {len(clear)} shown with no match", icon=":material/done_all:"):
    submit(lambda s: bulk_approve(s, actor, clear), approved)
