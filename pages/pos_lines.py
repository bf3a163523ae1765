import streamlit as st

from core.pos.records import list_lines
from ui.context import db
from ui.guard import page_guard
from ui.tables import count_col, day_col, money_col, table, text_col

user = page_guard(__file__)
actor = user.actor

st.title("POS lines")
st.caption("Clean sell-through lines, newest invoice first"
           + (": those your company reported or sold." if actor.is_partner else "."))
with db() as session:
    lines, total = list_lines(session, actor, limit=500)
st.caption(f"{total:,} lines" + (f"; the newest {len(lines):,} shown." if total > len(lines)
                                 else "."))
table([{"invoice": f"{x.invoice_number}/{x.invoice_line}", "date": x.invoice_date,
        "sku": x.sku, "qty": x.quantity, "amount": x.amount, "seller": x.seller,
        "customer": x.end_customer_name} for x in lines],
      {"invoice": text_col("Invoice", 140, pinned=True), "date": day_col("Date"),
       "sku": text_col("SKU", 120), "qty": count_col("Qty"), "amount": money_col("Amount"),
       "seller": text_col("Sold by", 180), "customer": text_col("End customer", "medium")},
      key="pos_lines")
