import streamlit as st

from core.catalog import list_product_lines
from core.pos.products import import_products, list_products, save_product
from ui.actions import show_flash, submit
from ui.context import db
from ui.forms import FieldErrors, form_key
from ui.guard import page_guard
from ui.tables import flag_col, money_col, table, text_col

user = page_guard(__file__)
actor = user.actor

st.title("Products")
show_flash()
st.caption("The SKUs POS lines name, each under a product line of the catalog, with its list "
           "price (what outliers are judged against).")
with db() as session:
    products = list_products(session, actor)
    lines = {p.id: p.name for p in list_product_lines(session, actor)}
table([{"sku": p.sku, "name": p.name, "line": p.product_line, "price": p.list_price,
        "active": p.active} for p in products],
      {"sku": text_col("SKU", 140, pinned=True), "name": text_col("Name", 240),
       "line": text_col("Product line", 160), "price": money_col("List price"),
       "active": flag_col("Active")}, key="products")

left, right = st.columns(2)
with left.expander("Add or change a product", expanded=not products):
    errors = FieldErrors()
    with st.form(form_key("product")):
        sku = st.text_input("SKU *", max_chars=60)
        errors.slot("sku")
        name = st.text_input("Name *", max_chars=200)
        errors.slot("name")
        line = st.selectbox("Product line *", list(lines), format_func=lines.get, index=None)
        errors.slot("product_line_id")
        price = st.text_input("List price *", placeholder="e.g. 1,250.00")
        errors.slot("list_price")
        active = st.checkbox("Active", value=True)
        if st.form_submit_button("Save the product", type="primary"):
            known = {p.sku: p.id for p in products}
            submit(lambda s: save_product(s, actor, {
                "sku": sku, "name": name, "product_line_id": line, "list_price": price,
                "active": active}, product_id=known.get(sku.strip().upper())),
                lambda p: f"Saved {p.sku}.", errors=errors, form="product")
with right.expander("Import a CSV"):
    st.caption("Columns: sku, name, product_line, list_price and optionally active (yes/no). "
               "A known SKU is updated; one bad row and nothing is written.")
    upload = st.file_uploader("Products CSV", type=["csv"], key="products_csv")
    if upload is not None and st.button("Import the products"):
        submit(lambda s: import_products(s, actor, upload.getvalue()),
               lambda r: f"{r.added} added, {r.updated} updated.")
