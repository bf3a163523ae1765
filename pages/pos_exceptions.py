import pandas as pd
import streamlit as st

from core.permissions import can
from core.pos import FIELDS
from core.pos.customers import decide_proposal, list_proposals
from core.pos.exceptions import fix_exceptions, list_exceptions, take_suggestion
from ui.actions import show_flash, submit
from ui.context import db
from ui.guard import page_guard
from ui.markdown import plain
from ui.tables import count_col, table, text_col

user = page_guard(__file__)
actor = user.actor
editing = can(actor, "pos.exceptions")

st.title("POS exceptions")
show_flash()
st.caption("Rows of POS files that could not be cleaned, with the reason. "
           + ("Correct the fields in the table and save: the rows are checked again, and "
              "the clean ones become POS lines. Tick \"Take\" to accept a SKU suggestion "
              "(the submitter's template remembers it)." if editing else
              "The vendor's operations team corrects them."))
with db() as session:
    rows, total = list_exceptions(session, actor, limit=1000)
st.caption(f"{total:,} open" + (f"; the first {len(rows):,} shown." if total > len(rows)
                                 else "."))


def proposals() -> None:
    """End customers the matcher proposes for lines whose name did not match exactly."""
    with db() as session:
        found = list_proposals(session, actor, limit=20)
    if not found:
        return
    st.subheader("End customers to confirm")
    st.caption("The matcher's proposal for POS lines whose end customer did not match a "
               "record exactly; confirming it lets the lines confirm the partner's "
               "registration for that customer.")
    for i, p in enumerate(found):
        cols = st.columns([4, 4, 1, 1, 1])
        cols[0].write(f"{plain(p.name)} ({p.country}), {p.lines:,} line(s)")
        cols[1].write(f"→ {plain(p.end_customer_name)} (score {p.score})")
        if cols[2].button("Confirm", key=f"match-yes-{i}"):
            submit(lambda s, p=p: decide_proposal(s, actor, p.name, p.country, True),
                   "Confirmed.")
        if cols[3].button("Dismiss", key=f"match-no-{i}"):
            submit(lambda s, p=p: decide_proposal(s, actor, p.name, p.country, False),
                   "Dismissed.")


if not rows:
    st.success("No exception waiting.")
    if editing:
        proposals()
    st.stop()

data = pd.DataFrame([{"id": r.id, "partner": r.partner_name, "file": r.file_name,
                      "row": r.row_number, "reason": r.reason.replace("_", " "),
                      "detail": r.detail, "take": False,
                      **{f: r.raw.get(f, "") for f in FIELDS}} for r in rows])
if not editing:
    table(data.to_dict("records"),
          {"file": text_col("File", 160), "row": count_col("Row"),
           "reason": text_col("Reason", 120), "detail": text_col("Detail", "large"),
           **{f: text_col(label, 120) for f, label in FIELDS.items()}}, key="exceptions")
    st.stop()

edited = st.data_editor(
    data, key="exception_editor", hide_index=True, width="stretch",
    disabled=["id", "partner", "file", "row", "reason", "detail"],
    column_config={"id": st.column_config.NumberColumn("#", format="%d", width=60),
                   "take": st.column_config.CheckboxColumn(
                       "Take", help="Accept the SKU suggestion", width=60),
                   **{f: st.column_config.TextColumn(label, max_chars=1000)
                      for f, label in FIELDS.items()}})
changes = {int(a["id"]): {f: str(b[f]) for f in FIELDS if str(b[f]) != str(a[f])}
           for a, b in zip(data.to_dict("records"), edited.to_dict("records"), strict=True)}
changes = {i: c for i, c in changes.items() if c}
taken = [int(b["id"]) for b in edited.to_dict("records")
         if b["take"] and b["reason"] == "sku suggestion"]
if st.button("Save and check again", type="primary", disabled=not (changes or taken)):
    def write(s):
        fixed = 0
        for exception_id in taken:
            fixed += take_suggestion(s, actor, exception_id).fixed
        rest = {i: c for i, c in changes.items() if i not in taken}
        report = fix_exceptions(s, actor, rest) if rest else None
        return fixed + (report.fixed if report else 0), report.still_open if report else 0
    submit(write, lambda r: f"{r[0]} fixed, {r[1]} still open.")
proposals()
