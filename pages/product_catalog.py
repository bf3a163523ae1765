import streamlit as st

from core.catalog import (
    ProductLineIn,
    create_product_line,
    list_product_lines,
    update_product_line,
)
from ui.actions import show_flash, submit
from ui.context import db
from ui.forms import FieldErrors
from ui.guard import page_guard
from ui.markdown import plain
from ui.tables import flag_col, table, text_col

user = page_guard(__file__)
actor = user.actor

NEW_NAME = "catalog_new_name"

st.title("Product catalog")
st.caption("The product lines partners choose from when they register a deal. A line is never "
           "deleted: deactivate it and partners can no longer pick it, while the registrations "
           "that name it keep it.")

# Widget values can only be reset before the widget is drawn: after a line was added, empty
# the name field here, on the rerun.
if st.session_state.pop("catalog_clear_new", False):
    st.session_state[NEW_NAME] = ""
show_flash()

with db() as session:
    lines = list_product_lines(session, actor, include_inactive=True)

active = sum(line.active for line in lines)
st.caption(f"{len(lines)} product lines, {active} active, {len(lines) - active} inactive")
table([{"name": line.name, "active": line.active} for line in lines],
      {"name": text_col("Name", "large"), "active": flag_col("Active")})

add, edit = st.tabs(["Add a product line", "Rename or deactivate"])

with add, st.form("add_product_line"):
    errors = FieldErrors()
    name = st.text_input("Name *", key=NEW_NAME, max_chars=100, placeholder="e.g. Edge Gateway")
    errors.slot("name")
    make_active = st.checkbox("Active (partners can choose it)", value=True)
    errors.slot("")
    if st.form_submit_button("Add product line", icon=":material/add:"):
        def added(created) -> str:
            st.session_state["catalog_clear_new"] = True
            return f"Product line **{plain(created.name)}** added."

        data = dict(name=name, active=make_active)
        submit(lambda s: create_product_line(s, actor, ProductLineIn(**data)), added,
               errors=errors)

with edit:
    by_id = {line.id: line for line in lines}
    chosen = st.selectbox(
        "Product line", list(by_id), index=None, placeholder="Choose a product line",
        format_func=lambda i: by_id[i].name + ("" if by_id[i].active else " (inactive)"))
    if chosen is not None:
        line = by_id[chosen]
        # Keyed by line, so that each line's form starts from its own saved values.
        with st.form(f"edit_product_line_{line.id}"):
            errors = FieldErrors()
            new_name = st.text_input("Name *", value=line.name, max_chars=100,
                                     key=f"catalog_name_{line.id}")
            errors.slot("name")
            keep_active = st.checkbox("Active (partners can choose it)", value=line.active,
                                      key=f"catalog_active_{line.id}")
            errors.slot("")
            if st.form_submit_button("Save changes", icon=":material/save:"):
                def saved(out) -> str:
                    state = "active" if out.active else "inactive"
                    return f"Product line **{plain(out.name)}** saved ({state})."

                data = dict(name=new_name, active=keep_active)
                submit(lambda s: update_product_line(s, actor, line.id, ProductLineIn(**data)),
                       saved, errors=errors)
