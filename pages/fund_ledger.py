from datetime import timedelta

import streamlit as st

from core.errors import DomainError
from core.funds import KIND_LABELS, check, export_claims, export_ledger, ledger_rows, list_programs
from core.funds import period_totals as movement_totals
from core.money import base_money
from db.types import utcnow
from ui.context import db
from ui.downloads import CSV, XLSX, download
from ui.guard import page_guard
from ui.markdown import plain
from ui.tables import key_col, money_col, table, text_col, time_col

SHOWN = 1_000

user = page_guard(__file__)
actor = user.actor

st.title("Fund ledger")
st.caption("Every movement of fund money, append-only: a correction is a new entry. Balances "
           "everywhere are sums of these entries.")
today = utcnow().date()
cols = st.columns(3)
start = cols[0].date_input("From", value=today.replace(day=1) - timedelta(days=90))
end = cols[1].date_input("To", value=today)
with db() as session:
    programs = {p.id: p.name for p in list_programs(session, actor)}
program_id = cols[2].selectbox("Program", list(programs), format_func=programs.get,
                               index=None, placeholder="All programs")
try:
    with db() as session:
        rows = ledger_rows(session, actor, start, end, program_id=program_id, limit=SHOWN + 1)
        totals = movement_totals(session, actor, start, end, program_id=program_id)
        verdict = check(session)
except DomainError as exc:
    st.error(plain(str(exc)))
    st.stop()

if verdict.ok:
    st.success(f"Ledger check: {verdict.entries:,} entries; no balance below zero, no program "
               "over budget, no claim approved above its commitment or paid above its "
               "approval.", icon=":material/verified:")
else:
    st.error("Ledger check found problems: " + "; ".join(verdict.problems[:10]))

if totals:
    st.markdown(" · ".join(f"**{KIND_LABELS.get(k, k)}** {base_money(v, symbol=False)}"
                           for k, v in sorted(totals.items())))
table([{"id": r.id, "at": r.at, "program": r.program_name, "partner": r.partner_name,
        "kind": KIND_LABELS.get(r.kind, r.kind), "move": f"{r.from_bucket} → {r.to_bucket}",
        "amount": r.amount, "request": f"#{r.request_id}" if r.request_id else None,
        "reason": r.reason, "by": r.actor} for r in rows[:SHOWN]],
      {"id": key_col("Entry"), "at": time_col("When", 140), "program": text_col("Program", 160),
       "partner": text_col("Partner", 160), "kind": text_col("Movement", 130),
       "move": text_col("From → to", 150), "amount": money_col("Amount"),
       "request": text_col("Request", 80), "reason": text_col("Reason", "medium"),
       "by": text_col("By", 130)}, key="ledger")
if len(rows) > SHOWN:
    st.caption(f"The first {SHOWN:,} entries of the period; the downloads hold them all.")

st.subheader("Exports for the period")
stem = f"{start:%Y-%m-%d}_{end:%Y-%m-%d}"
cols = st.columns(4)


def build(export, fmt):
    def make() -> bytes:
        with db() as session:
            return export(session, actor, start, end, fmt, program_id=program_id)
    return make


download("Ledger CSV", build(export_ledger, "csv"), f"fund_ledger_{stem}.csv", CSV,
         where=cols[0])
download("Ledger XLSX", build(export_ledger, "xlsx"), f"fund_ledger_{stem}.xlsx", XLSX,
         where=cols[1])
download("Claims CSV", build(export_claims, "csv"), f"fund_claims_{stem}.csv", CSV,
         where=cols[2])
download("Claims XLSX", build(export_claims, "xlsx"), f"fund_claims_{stem}.xlsx", XLSX,
         where=cols[3])
