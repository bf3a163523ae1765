import streamlit as st

from core.deals import list_end_customers, merge_end_customers
from ui.actions import show_flash, submit
from ui.context import db
from ui.guard import page_guard
from ui.markdown import plain
from ui.tables import count_col, key_col, list_col, record_table, text_col

user = page_guard(__file__)
actor = user.actor

st.title("End customers")
st.caption("One record per real company. When two records are one company, merge them: their "
           "registrations and direct opportunities move to the record you keep, and matching "
           "runs again for the open ones.")
show_flash()

search = st.text_input("Search by name or domain", placeholder="e.g. acme")
with db() as session:
    rows = list_end_customers(session, actor, search)
if not rows:
    st.info("No end customer matches that search.")
    st.stop()

st.caption(f"{len(rows)} records"
           + (f" matching '{plain(search.strip())}'" if search.strip() else "")
           + (" (first 50 shown)" if len(rows) == 50 else ""))
record_table(
    [{"id": c.id, "name": c.name, "domain": c.domain, "country": c.country,
      "registrations": c.registrations, "open": c.open_registrations,
      "direct": c.direct_opportunities, "filed": list(c.filed_names)} for c in rows],
    {"id": key_col(), "name": text_col("Name", "medium", pinned=True),
     "domain": text_col("Domain", "small"), "country": text_col("Country", 70),
     "registrations": count_col("Registrations", 110), "open": count_col("Open", 70),
     "direct": count_col("Direct opportunities", 150), "filed": list_col("Filed as", "large")},
    key="end_customers", page="end_customer")

labels = {c.id: f"#{c.id} {c.name} ({c.country}{', ' + c.domain if c.domain else ''})"
          for c in rows}
with st.form("merge_customers"):
    st.markdown("**Merge two records of one company**")
    keep = st.selectbox("Keep", list(labels), index=None, format_func=labels.get,
                        placeholder="The record to keep")
    fold = st.selectbox("Merge into it", list(labels), index=None, format_func=labels.get,
                        placeholder="The record that goes away")
    where = st.empty()
    if st.form_submit_button("Merge records", type="primary"):
        if keep is None or fold is None:
            where.error("Choose both records.")
        else:
            submit(lambda s: merge_end_customers(s, actor, keep, fold),
                   f"Merged #{fold} into #{keep}; matching ran again.", where=where)
