import streamlit as st

from core.errors import DomainError
from core.money import base_money
from core.partners import get_partner, partner_choices
from core.permissions import can
from core.pos import FIELDS, TableError, read_sheet
from core.pos.importer import import_and_remember, import_pos, suggested_mapping
from core.pos.mapping import unmapped
from core.pos.records import list_files
from ui.actions import show_flash, submit
from ui.context import db
from ui.guard import page_guard
from ui.markdown import plain
from ui.tables import count_col, money_col, table, text_col, time_col

user = page_guard(__file__)
actor = user.actor

st.title("Send POS data")
show_flash()
st.caption("A sell-through report as CSV or XLSX, in its own columns, dates and number format: "
           "map its columns once (the mapping is remembered per partner), check it, import "
           "it. Rows that cannot be cleaned wait in POS exceptions with their reason; the same "
           "line sent twice is a duplicate.")

if actor.is_partner:
    partner_id = actor.partner_id
else:
    with db() as session:
        partners = dict(partner_choices(session, actor))
    partner_id = st.selectbox("Submitting partner", list(partners), format_func=partners.get,
                              index=None, placeholder="Choose the partner whose report it is")
upload = st.file_uploader("Sell-through report (CSV or XLSX)", type=["csv", "xlsx", "txt"],
                          key="pos_file")
if partner_id is None or upload is None:
    with db() as session:
        files = list_files(session, actor, limit=50)
    st.subheader("Files sent")
    table([{"partner": f.partner_name, "file": f.file_name, "rows": f.rows, "clean": f.clean,
            "exceptions": f.exceptions, "duplicates": f.duplicates, "amount": f.clean_amount,
            "by": f.uploaded_by, "at": f.uploaded_at} for f in files],
          {"partner": text_col("Partner", 170), "file": text_col("File", 200),
           "rows": count_col("Rows"), "clean": count_col("Clean"),
           "exceptions": count_col("Exceptions"), "duplicates": count_col("Duplicates"),
           "amount": money_col("Clean amount"), "by": text_col("By", 120),
           "at": time_col("Sent", 140)}, key="pos_files")
    st.stop()

data = upload.getvalue()
try:
    headers = list(read_sheet(data, upload.name).frame.columns)
    with db() as session:
        mapping, template = suggested_mapping(session, actor, partner_id, headers)
        # A distributor's report needs its reseller column; a reseller's own sales do not.
        distributor = get_partner(session, actor, partner_id).partner_type == "distributor"
except (TableError, DomainError) as exc:
    st.error(plain(str(exc)))
    st.stop()

st.subheader("Columns")
st.caption(f"From the template {template!r}." if template else
           "Guessed from the headers: check each field.")
chosen = {}
cols = st.columns(3)
for i, (field, label) in enumerate(FIELDS.items()):
    options = ["", *headers]
    current = mapping.get(field, "")
    chosen[field] = cols[i % 3].selectbox(label, options, index=options.index(current)
                                          if current in options else 0,
                                          key=f"map_{field}", format_func=lambda h: h or "—")
mapping = {f: h for f, h in chosen.items() if h}
if missing := unmapped(mapping, distributor=distributor):
    # The labels of the select boxes above, not the fields' internal names ("unmapped"
    # names "unit_price or extended_amount" as one requirement: either will do).
    st.warning("Map these first: " + ", ".join(
        " or ".join(FIELDS.get(f, f) for f in m.split(" or ")) for m in missing))
remember = st.checkbox("Remember this mapping for this partner", value=template is None)


def show(report) -> None:
    cols = st.columns(4)
    cols[0].metric("Rows", f"{report.rows:,}")
    cols[1].metric("Clean", f"{report.clean:,}", help=base_money(report.clean_amount))
    cols[2].metric("Exceptions", f"{report.exceptions:,}")
    cols[3].metric("Duplicates", f"{report.duplicates:,}")
    if report.by_reason:
        st.markdown(" · ".join(f"**{r.replace('_', ' ')}** {n:,}"
                               for r, n in sorted(report.by_reason.items())))


check, send = st.columns(2)
if check.button("Check it (writes nothing)"):
    submit(lambda s: import_pos(s, actor, partner_id, upload.name, data, mapping=mapping,
                                dry_run=True), then=show)
if send.button("Import", type="primary", disabled=not can(actor, "pos.upload")):
    submit(lambda s: import_and_remember(s, actor, partner_id, upload.name, data, mapping,
                                         remember=remember),
           lambda r: f"Imported: {r.clean:,} clean lines ({base_money(r.clean_amount)}), "
                     f"{r.exceptions:,} exceptions, {r.duplicates:,} duplicates.")
