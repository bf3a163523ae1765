from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import streamlit as st

from core.actor import ROLE_LABELS
from core.audit import AuditFilter, entities, list_events
from core.errors import RuleViolation
from core.exports import to_csv
from core.validation.parsers import checked, parse_date
from ui.context import db, local_time
from ui.downloads import CSV, download
from ui.forms import FieldErrors
from ui.guard import page_guard
from ui.tables import table, text_col, time_col

user = page_guard(__file__)
actor = user.actor
zone = ZoneInfo(user.time_zone)


def role_label(role: str) -> str:
    # Jobs and visitors act too: "System", "Anonymous".
    return ROLE_LABELS.get(role) or role.replace("_", " ").capitalize()


st.title("Audit log")
with db() as session:
    entity_names = entities(session, actor)

# The days are typed (YYYY-MM-DD) and applied by Enter, as on the won-deals report: a date
# range input applies typed dates only when it loses focus.
errors = FieldErrors()
cols = st.columns([2, 2, 2, 1, 1])
who = cols[0].text_input("Actor", placeholder="e.g. p01.admin")
action = cols[1].text_input("Action starts with", placeholder="e.g. deal.approve")
entity = cols[2].selectbox("Entity", entity_names, index=None, placeholder="Any entity")
with cols[3]:
    typed_first = st.text_input("From", placeholder="YYYY-MM-DD", key="audit_first_day",
                                help="The first day, included, in your time zone.")
    errors.slot("start")
with cols[4]:
    typed_last = st.text_input("To", placeholder="YYYY-MM-DD", key="audit_last_day",
                               help="The last day, included, in your time zone.")
    errors.slot("end")

bounds: dict[str, datetime | None] = {"start": None, "end": None}
refused = False
for field, typed, what in (("start", typed_first, "first day"), ("end", typed_last, "last day")):
    if not typed.strip():
        continue
    try:
        day = checked(field, parse_date, typed, what=what)
    except RuleViolation as exc:
        errors.show(exc)
        refused = True
        continue
    # From the start of the first day to the end of the last, in the user's zone.
    if field == "end":
        day += timedelta(days=1)
    bounds[field] = datetime.combine(day, time.min, zone)
if refused:
    st.stop()

filt = AuditFilter(who or None, action or None, entity, bounds["start"], bounds["end"])
with db() as session:
    events, total = list_events(session, actor, filt, limit=1000)

st.caption(f"{total:,} events" + (" (newest 1,000 shown)" if total > len(events) else ""))
# What changed, field by field ("status: submitted -> approved"), not two JSON blobs; it
# comes right after the record it changed, so a 1400 px window shows most of it.
table([{"when": e.at, "actor": e.actor, "action": e.action, "entity": e.entity,
        "id": e.entity_id, "changes": "; ".join(e.changes) or None,
        "role": role_label(e.role)} for e in events],
      {"when": time_col("When", 130), "actor": text_col("Actor", 120),
       "action": text_col("Action", 150), "entity": text_col("Entity", 130),
       "id": text_col("Id", 50), "changes": text_col("Changes", "large"),
       "role": text_col("Role", 130)})

header = ["When", "Actor", "Role", "Action", "Entity", "Id", "Changes"]
rows = [[local_time(e.at, "%Y-%m-%d %H:%M:%S"), e.actor, role_label(e.role), e.action,
         e.entity, e.entity_id or "", "; ".join(e.changes)] for e in events]
download("Export CSV", lambda: to_csv(header, rows), "audit_log.csv", CSV)
