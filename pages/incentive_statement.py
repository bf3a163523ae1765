import streamlit as st

from core.errors import DomainError
from core.incentives.documents import statement_pdf, statement_xlsx
from core.incentives.statements import approve, get_statement, pay
from core.incentives.status import ENTRY_KINDS
from core.money import base_money, compact_money
from core.permissions import can
from ui.actions import show_flash, submit
from ui.context import db
from ui.downloads import XLSX, download
from ui.forms import FieldErrors, form_key
from ui.guard import page_guard
from ui.markdown import plain
from ui.records import back_to, record_id
from ui.tables import count_col, money_col, table, text_col, time_col

PDF = "application/pdf"

user = page_guard(__file__)
actor = user.actor
statement_id = record_id("incentive statement")
if statement_id is None:
    st.stop()
try:
    with db() as session:
        out = get_statement(session, actor, statement_id)
except DomainError as exc:
    st.title("Incentive statement")
    st.error(plain(str(exc)))
    st.stop()

r = out.row
back_to("incentive_statements", "All statements")
st.title(f"{plain(r.partner_name)}: {r.quarter}")
show_flash()
st.caption(f"{r.starts_on:%d %B %Y} to {r.ends_on:%d %B %Y} · {r.status_label}")
cols = st.columns(5)
for col, (label, value) in zip(cols, (("Earned", r.earned), ("Approved", r.approved),
                                      ("Paid", r.paid), ("To approve", r.pending),
                                      ("To pay", r.owed)), strict=True):
    col.metric(label, compact_money(value), help=base_money(value))


def build(make):
    def run() -> bytes:
        with db() as session:
            return make(session, actor, statement_id)[1]
    return run


stem = f"incentive-statement-{r.quarter}-{r.partner_id}"
cols = st.columns(2)
download("Statement PDF", build(statement_pdf), f"{stem}.pdf", PDF, where=cols[0])
download("Statement XLSX", build(statement_xlsx), f"{stem}.xlsx", XLSX, where=cols[1])

st.subheader("Earnings")
table([{"program": x.program, "kind": x.kind, "rep": x.rep_email or None, "rule": x.rule,
        "figures": x.figures, "earned": x.earned} for x in out.lines],
      {"program": text_col("Program", 180, pinned=True), "kind": text_col("Kind", 120),
       "rep": text_col("Rep", 160), "rule": text_col("Rule", "large"),
       "figures": text_col("Figures", "medium"), "earned": money_col("Earned")},
      key="statement_lines")

if can(actor, "incentive.approve") and r.pending:
    st.subheader("Approve")
    st.write(f"{base_money(r.pending, symbol=False)} accrued since the last approval "
             "(negative: a recalculation lowered the earnings).")
    note = st.text_input("Note (optional)", key="approve_note")
    if st.button(f"Approve {base_money(r.pending, symbol=False)}", type="primary",
                 icon=":material/task_alt:"):
        submit(lambda s: approve(s, actor, statement_id, expected=r.pending, note=note),
               lambda done: f"Approved: {done.status_label}.")

if can(actor, "incentive.pay") and r.owed:
    st.subheader("Record a payment")
    errors = FieldErrors()
    with st.form(form_key(f"pay_{statement_id}")):
        amount = st.text_input("Amount *", value=f"{r.owed:.2f}",
                               help="All or part of what is approved and unpaid; when more "
                                    "was paid than is now approved, the negative amount "
                                    "recovered.")
        errors.slot("amount")
        reference = st.text_input("Reference * (transfer or credit note)", max_chars=120)
        errors.slot("reference")
        if st.form_submit_button("Record the payment", type="primary"):
            def run(s):
                return pay(s, actor, statement_id, {"amount": amount, "reference": reference})
            submit(run, lambda done: f"Payment recorded: {done.status_label}.", errors=errors,
                   failed="Nothing was recorded.", form=f"pay_{statement_id}")

st.subheader("Ledger entries")
table([{"at": e.at, "kind": ENTRY_KINDS[e.kind], "program": e.program or None,
        "rep": e.rep_email or None, "amount": e.amount, "reference": e.reference or None,
        "note": e.note or None, "by": e.actor, "run": e.run_id} for e in out.entries],
      {"at": time_col("When", 140), "kind": text_col("Entry", 90),
       "program": text_col("Program", 160), "rep": text_col("Rep", 140),
       "amount": money_col("Amount"), "reference": text_col("Reference", 120),
       "note": text_col("Note", "medium"), "by": text_col("By", 130),
       "run": count_col("Run")}, key="statement_entries")
