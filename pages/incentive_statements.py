import streamlit as st

from core.errors import DomainError
from core.incentives.calculation import plan, post
from core.incentives.ledger import check
from core.incentives.periods import quarter_of
from core.incentives.statements import list_statements, quarters, statement_totals
from core.incentives.status import STATEMENT_STATUS_LABELS
from core.money import base_money, compact_money
from core.permissions import can
from db.types import utcnow
from ui.actions import show_flash, submit
from ui.context import db
from ui.guard import page_guard
from ui.markdown import plain
from ui.tables import money_col, record_table, text_col

user = page_guard(__file__)
actor = user.actor

st.title("Incentive statements")
show_flash()
st.caption("Each partner's rebates and SPIFFs for a quarter, calculated from clean POS lines. "
           "A recalculation posts only the difference; finance approves what was accrued and "
           "records payments." if actor.is_vendor else
           "Your company's rebates and SPIFFs for each quarter: open one for its detail and "
           "its PDF or workbook.")

today = utcnow().date()
current = quarter_of(today)
with db() as session:
    known = quarters(session, actor)
choices = sorted({current, current.previous(), *known}, reverse=True) if actor.is_vendor \
    else known
if not choices:
    st.info("No incentive statement yet: statements appear once a quarter's sales earn "
            "something under a published program.")
    st.stop()
cols = st.columns([2, 2, 3, 3] if actor.is_vendor else [2, 2, 6])
quarter = cols[0].selectbox("Quarter", choices, format_func=lambda q: q.label)
statuses = {"": "Any status", **STATEMENT_STATUS_LABELS}
status = cols[1].selectbox("Status", list(statuses), format_func=statuses.get)
search = cols[2].text_input("Partner name contains") if actor.is_vendor else None
SHOWN = 500

if can(actor, "incentive.calculate"):
    label = "to date" if quarter == current else "again"
    if cols[-1].button(f"Calculate {quarter.label} {label}", type="primary",
                       icon=":material/calculate:",
                       help="Reads the quarter's clean POS lines and posts the difference with "
                            "what each statement has accrued (nothing when nothing changed)."):
        try:
            # The long read first, outside the write transaction (pages keep writing).
            with db() as session:
                planned = plan(session, actor, quarter.starts_on)
        except DomainError as exc:
            st.error(plain(str(exc)))
        else:
            submit(lambda s: post(s, actor, planned), lambda out: out.message)

try:
    with db() as session:
        rows = list_statements(session, actor, starts_on=quarter.starts_on,
                               status=status or None, search=search, limit=SHOWN)
        totals = statement_totals(session, actor, starts_on=quarter.starts_on,
                                  status=status or None, search=search)
except DomainError as exc:
    st.error(plain(str(exc)))
    st.stop()

earned, pending, owed = totals.sums.earned, totals.sums.pending, totals.sums.owed
cols = st.columns(3)
cols[0].metric("Earned", compact_money(earned), help=base_money(earned))
cols[1].metric("Waiting for approval", compact_money(pending), help=base_money(pending))
cols[2].metric("Approved, not yet paid", compact_money(owed), help=base_money(owed))
record_table([{"id": r.id, "partner": r.partner_name, "quarter": r.quarter,
               "earned": r.earned, "approved": r.approved, "paid": r.paid,
               "pending": r.pending, "owed": r.owed, "status": r.status_label} for r in rows],
             {"partner": text_col("Partner", 220, pinned=True),
              "quarter": text_col("Quarter", 90), "earned": money_col("Earned"),
              "approved": money_col("Approved"), "paid": money_col("Paid"),
              "pending": money_col("To approve"), "owed": money_col("To pay"),
              "status": text_col("Status", 140)},
             key="incentive_statements", page="incentive_statement")
if totals.statements > len(rows):
    st.caption(f"The first {len(rows):,} of {totals.statements:,} statements (by partner "
               "name); narrow them by name or status. The figures above count them all.")

if can(actor, "incentive.ledger"):
    st.subheader("Ledger check")
    st.caption("Reads the whole incentive ledger back and returns only the rows that break a "
               "rule.")
    if st.button("Check the ledger", icon=":material/fact_check:"):
        with db() as session:
            verdict = check(session)
        if verdict.ok:
            st.success(f"{verdict.entries:,} entries; every entry on its partner's statement, "
                       "no program's earnings below zero, every run's entries as recorded, "
                       "every approval equal to what was accrued, no payment above what was "
                       "approved.", icon=":material/verified:")
        else:
            st.error("Problems: " + plain("; ".join(verdict.problems[:10])))
