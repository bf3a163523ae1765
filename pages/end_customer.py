import streamlit as st

from core.deals import end_customer_record
from core.errors import DomainError
from ui.context import db
from ui.guard import page_guard
from ui.markdown import plain
from ui.records import back_to, record_id
from ui.tables import key_col, money_col, record_table, text_col, time_col

user = page_guard(__file__)
actor = user.actor

back_to("end_customers", "Back to the end customers")
if (customer_id := record_id("end customer")) is None:
    st.stop()
try:
    with db() as session:
        record = end_customer_record(session, actor, customer_id)
except DomainError as exc:
    st.error(plain(str(exc)))
    st.stop()

c = record.customer
st.title(f"#{c.id} {plain(c.name)}")
if record.merged_into_id is not None:
    st.warning(f"This record was merged into #{record.merged_into_id}: its claims are there.")
st.markdown(f"**Domain:** {plain(c.domain or '—')} · **Country:** {c.country}  \n"
            f"**Registrations:** {c.registrations} ({c.open_registrations} open) · "
            f"**Direct opportunities:** {c.direct_opportunities}  \n"
            f"**Filed as:** {plain('; '.join(c.filed_names) or '—')}")

st.subheader("Claims on this customer")
if not record.claims:
    st.info("Nothing is filed under this record.")
    st.stop()
claims = record.claims
record_table(
    [{"kind": "Registration" if x.kind == "registration" else "Direct", "id": x.id,
      "name": x.name, "who": x.who, "status": x.status, "amount": x.amount, "at": x.at}
     for x in claims],
    {"kind": text_col("Kind", 110), "id": key_col(), "name": text_col("Filed as", "medium"),
     "who": text_col("Partner or direct", "medium"), "status": text_col("Status", 110),
     "amount": money_col("Amount"), "at": time_col("Submitted or imported")},
    key=f"end_customer_claims-{c.id}", hint="Select a registration to open it.",
    page=lambda row: "deal" if row["kind"] == "Registration" else None)
