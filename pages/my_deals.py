import streamlit as st

from core.deals import (
    STATUS_LABELS,
    DealFilter,
    DealStatus,
    assignable_users,
    export_deals_csv,
    list_deals,
)
from core.permissions import can
from ui.actions import show_flash
from ui.context import db
from ui.downloads import CSV, download
from ui.guard import page_guard
from ui.tables import count_col, day_col, key_col, money_col, record_table, text_col, time_col

user = page_guard(__file__)
actor = user.actor

st.title("My deals")
show_flash()

cols = st.columns([1, 2, 1])
status = cols[0].selectbox("Status", list(DealStatus), index=None, format_func=STATUS_LABELS.get,
                           placeholder="Any status")
search = cols[1].text_input("Search customer", placeholder="e.g. acme or acme.com")
owner = None
# Whoever may hand deals to the team (a partner admin) filters by owner; a rep sees only its
# own deals, so there is no owner to choose.
if can(actor, "deal.reassign"):
    with db() as session:
        team = dict(assignable_users(session, actor))
    owner = cols[2].selectbox("Owner", list(team), index=None, format_func=team.get,
                              placeholder="Anyone")

filt = DealFilter(status=status, search=search or None, owner_user_id=owner)
with db() as session:
    deals, total = list_deals(session, actor, filt, limit=500)


def _csv() -> bytes:  # built when the button is clicked, not on every rerun
    with db() as session:
        return export_deals_csv(session, actor, filt)


st.caption(f"{total:,} registrations"
           + (" (newest 500 shown)" if total > len(deals) else ""))
record_table(
    [{"id": d.id, "customer": d.customer_name, "status": d.status_label,
      "value": d.estimated_value, "close": d.expected_close_date,
      "protected": d.protection_ends_at, "left": d.days_left, "owner": d.owner_name,
      "submitted": d.submitted_at} for d in deals],
    {"id": key_col(), "customer": text_col("Customer", 200, pinned=True),
     "status": text_col("Status", 120), "value": money_col("Value"),
     "close": day_col("Close date", 95), "protected": time_col("Protected until", 140),
     "left": count_col("Days left", 80), "owner": text_col("Owner", 130),
     "submitted": time_col("Submitted", 140)},
    key="my_deals", page="deal")
download("Export CSV", _csv, "my_deals.csv", CSV)
