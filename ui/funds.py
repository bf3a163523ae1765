"""What the fund pages share: a balance in figures, and tables of allocations, requests (a row
opens the request) and ROI."""

from collections.abc import Sequence

import streamlit as st

from core.funds import ACTIVITY_TYPES, AllocationOut, Balance, RequestOut, RoiRow
from core.money import base_money, compact_money
from ui.tables import count_col, day_col, money_col, record_table, table, text_col, time_col


def balance_metrics(b: Balance, claimed=None) -> None:
    """Allocated, available, requested (held), committed, approved to pay and paid."""
    cols = st.columns(3)
    cols[0].metric("Allocated", compact_money(b.allocated), help=base_money(b.allocated))
    cols[1].metric("Available", compact_money(b.available),
                   help=f"{base_money(b.available)}: what can still be requested.")
    cols[2].metric("Requested, waiting", compact_money(b.held),
                   help=f"{base_money(b.held)}: held for requests not yet decided.")
    cols = st.columns(3)
    cols[0].metric("Committed", compact_money(b.committed),
                   help=f"{base_money(b.committed)}: approved requests not yet claimed and "
                        "approved.")
    cols[1].metric("Claims approved, to pay", compact_money(b.approved),
                   help=base_money(b.approved))
    cols[2].metric("Paid", compact_money(b.paid), help=base_money(b.paid))
    notes = []
    if claimed:
        notes.append(f"claims waiting for finance: {base_money(claimed)}")
    if b.expired:
        notes.append(f"expired unrequested: {base_money(b.expired)}")
    if b.carried:
        notes.append(f"carried into the next period: {base_money(b.carried)}")
    if b.carried_in:
        notes.append(f"carried in from the previous period: {base_money(b.carried_in)}")
    if notes:
        st.caption("; ".join(notes).capitalize() + ".")


# "Claimed": claims waiting for finance (their money is still committed until decided).
ALLOCATION_COLUMNS = {
    "program": text_col("Program", 200, pinned=True), "partner": text_col("Partner", 180),
    "tier": text_col("Tier", 80), "allocated": money_col("Allocated"),
    "carried_in": money_col("Carried in"), "held": money_col("Requested"),
    "committed": money_col("Committed"), "claimed": money_col("Claimed"),
    "approved": money_col("To pay"), "paid": money_col("Paid"),
    "expired": money_col("Expired"), "available": money_col("Available")}


def allocations_table(rows: Sequence[AllocationOut], *, key: str,
                      partner_view: bool = False) -> None:
    columns = dict(ALLOCATION_COLUMNS)
    if partner_view:
        columns.pop("partner")
        columns.pop("tier")
    table([{"program": a.program_name, "partner": a.partner_name, "tier": a.tier_name,
            "allocated": a.balance.allocated, "carried_in": a.balance.carried_in,
            "held": a.balance.held, "committed": a.balance.committed,
            "claimed": a.claimed, "approved": a.balance.approved,
            "paid": a.balance.paid, "expired": a.balance.expired,
            "available": a.balance.available} for a in rows], columns, key=key)


REQUEST_COLUMNS = {
    "name": text_col("Activity", 200, pinned=True), "partner": text_col("Partner", 170),
    "program": text_col("Program", 160), "type": text_col("Type", 110),
    "dates": text_col("Dates", 170), "requested": money_col("Requested"),
    "approved": money_col("Approved"), "status": text_col("Request", 150),
    "claim": text_col("Claim", 150), "paid": money_col("Paid"),
    "due": day_col("Claim due"), "submitted": time_col("Submitted", 140)}


def requests_table(rows: Sequence[RequestOut], *, key: str, partner_view: bool = False
                   ) -> None:
    """Requests with their claims; a row opens the request."""
    columns = dict(REQUEST_COLUMNS)
    if partner_view:
        columns.pop("partner")
    record_table([{"id": r.id, "name": f"#{r.id} {r.name}", "partner": r.partner_name,
                   "program": r.program_name,
                   "type": ACTIVITY_TYPES.get(r.activity_type, r.activity_type),
                   "dates": f"{r.starts_on:%Y-%m-%d} to {r.ends_on:%Y-%m-%d}",
                   "requested": r.requested_amount, "approved": r.approved_amount,
                   "status": r.status_label,
                   "claim": r.claim.status_label if r.claim else None,
                   "paid": r.claim.paid_amount if r.claim else None,
                   "due": r.claim_due_on if r.status == "approved" else None,
                   "submitted": r.submitted_at} for r in rows],
                 columns, key=key, page="fund_request")


def roi_table(rows: Sequence[RoiRow], *, key: str, label: str = "Activity") -> None:
    table([{"name": r.name, "paid": r.paid, "leads": r.leads, "pipeline": r.pipeline,
            "won": r.won, "roi": None if r.roi is None else r.roi * 100} for r in rows],
          {"name": text_col(label, 220, pinned=True), "paid": money_col("Paid"),
           "leads": count_col("Leads"), "pipeline": money_col("Pipeline"),
           "won": money_col("Won"),
           "roi": st.column_config.NumberColumn("ROI", format="%.0f%%", width="small",
                                                help="Won revenue as a share of what was "
                                                     "paid.")}, key=key)
    if not rows:
        st.caption("No funded activity yet.")
