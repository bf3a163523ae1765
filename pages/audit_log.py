from datetime import UTC, datetime, time, timedelta

import pandas as pd
import streamlit as st

from core.audit import AuditFilter, entities, list_events
from core.exports import to_csv
from ui.context import db, local_time
from ui.downloads import CSV, download
from ui.guard import page_guard

user = page_guard(__file__)
actor = user.actor

st.title("Audit log")
with db() as session:
    entity_names = entities(session, actor)

cols = st.columns(4)
who = cols[0].text_input("Actor")
action = cols[1].text_input("Action starts with", placeholder="deal.approve")
entity = cols[2].selectbox("Entity", entity_names, index=None, placeholder="Any entity")
period = cols[3].date_input("Period", value=(), help="First and last day, inclusive")

start = end = None
if isinstance(period, tuple) and len(period) == 2:
    start = datetime.combine(period[0], time.min, UTC)
    end = datetime.combine(period[1], time.min, UTC) + timedelta(days=1)

filt = AuditFilter(who or None, action or None, entity, start, end)
with db() as session:
    events, total = list_events(session, actor, filt, limit=1000)

st.caption(f"{total} events" + (" (newest 1000 shown)" if total > len(events) else ""))
header = ["When", "Actor", "Role", "Action", "Entity", "Id", "Changes"]
# What changed, field by field ("status: submitted -> approved"), not two JSON blobs.
rows = [[local_time(e.at, "%Y-%m-%d %H:%M:%S"), e.actor, e.role, e.action, e.entity,
         e.entity_id or "—", "; ".join(e.changes)] for e in events]
st.dataframe(pd.DataFrame(rows, columns=header), hide_index=True, width="stretch",
             column_config={"Changes": st.column_config.TextColumn(width="large")})
download("Export CSV", lambda: to_csv(header, rows), "audit_log.csv", CSV)
