import pandas as pd
import streamlit as st

from core.permissions import can
from core.pos import FIELDS
from core.pos.customers import decide_proposal, list_proposals
from core.pos.exceptions import (
    exception_filters,
    fix_exceptions,
    list_exceptions,
    reason_label,
    take_suggestions,
)
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
              "the clean ones become POS lines. Tick \"Take suggestion\" to accept a SKU "
              "suggestion (the submitter's template remembers it)." if editing else
              "The vendor's operations team corrects them."))
with db() as session:
    choices = exception_filters(session, actor)
reason = partner_id = file_id = None
if choices.reasons:
    cols = st.columns(3)
    reasons = dict(choices.reasons)
    reason = cols[0].selectbox("Reason", list(reasons), format_func=reasons.get, index=None,
                               placeholder="Every reason", key="exc_reason")
    if not actor.is_partner:
        partners = dict(choices.partners)
        partner_id = cols[1].selectbox("Partner", list(partners), format_func=partners.get,
                                       index=None, placeholder="Every partner",
                                       key="exc_partner")
    with db() as session:
        files = dict(exception_filters(session, actor, partner_id=partner_id).files
                     if partner_id is not None else choices.files)
    file_id = cols[2].selectbox("File", list(files), format_func=files.get, index=None,
                                placeholder="Every file", key="exc_file")
filtered = (reason, partner_id, file_id) != (None, None, None)
with db() as session:
    rows, total = list_exceptions(session, actor, reason=reason, partner_id=partner_id,
                                  file_id=file_id, limit=1000)
st.caption(f"{total:,} open" + (" that match the filters" if filtered else "")
           + (f"; the first {len(rows):,} shown." if total > len(rows) else "."))


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
    st.success("No open exception matches the filters." if filtered else
               "No exception waiting.")
    if editing:
        proposals()
    st.stop()

data = pd.DataFrame([{"id": r.id, "reason": reason_label(r.reason), "take": False,
                      **{f: r.raw.get(f, "") for f in FIELDS}, "detail": r.detail,
                      "partner": r.partner_name, "file": r.file_name, "row": r.row_number}
                     for r in rows])
# Readable headers; the reason first (pinned, in view while the fields scroll), then what
# can be edited, then where the row came from. The id stays in the frame, out of sight.
labels = {"reason": text_col("Reason", 130, pinned=True), "detail": text_col("Detail", 220),
          "partner": text_col("Partner", 160), "file": text_col("File", 160),
          "row": count_col("Row", help="The file's line (its header is line 1)")}
if not editing:
    table(data.to_dict("records"),
          {"reason": labels["reason"], "detail": labels["detail"],
           **{f: text_col(label, 120) for f, label in FIELDS.items()},
           **{c: labels[c] for c in ("partner", "file", "row")}}, key="exceptions")
    st.stop()

order = ["reason", "take", *FIELDS, "detail", "partner", "file", "row"]
edited = st.data_editor(
    data, key=f"exception_editor:{reason}:{partner_id}:{file_id}", hide_index=True,
    width="stretch", column_order=order,
    disabled=["id", "reason", "detail", "partner", "file", "row"],
    column_config={**labels,
                   "take": st.column_config.CheckboxColumn(
                       "Take suggestion", help="Accept the SKU suggestion (in Detail); only "
                       "a SKU suggestion can be taken", width=80),
                   **{f: st.column_config.TextColumn(label, max_chars=1000)
                      for f, label in FIELDS.items()}})
changes = {int(a["id"]): {f: str(b[f]) for f in FIELDS if str(b[f]) != str(a[f])}
           for a, b in zip(data.to_dict("records"), edited.to_dict("records"), strict=True)}
changes = {i: c for i, c in changes.items() if c}
# Every ticked row goes to core, which refuses (saying which rows) one with no suggestion.
taken = [int(b["id"]) for b in edited.to_dict("records") if b["take"]]
if st.button("Save and check again", type="primary", disabled=not (changes or taken)):
    def write(s):
        done = take_suggestions(s, actor, taken) if taken else None
        rest = {i: c for i, c in changes.items() if i not in taken}
        report = fix_exceptions(s, actor, rest) if rest else None
        return ((done.fixed if done else 0) + (report.fixed if report else 0),
                (done.still_open if done else 0) + (report.still_open if report else 0))
    submit(write, lambda r: f"{r[0]} fixed, {r[1]} still open.")
proposals()
