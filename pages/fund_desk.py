import streamlit as st

from core.actor import Role
from core.funds import (
    CLAIM_LABELS,
    REQUEST_LABELS,
    list_allocations,
    list_programs,
    list_requests,
    partner_choices_for_funds,
    roi,
)
from core.funds.ledger import total
from ui.actions import show_flash
from ui.context import db
from ui.funds import allocations_table, balance_metrics, requests_table, roi_table
from ui.guard import page_guard

ROI_ROWS = 200

user = page_guard(__file__)
actor = user.actor

st.title("Funds overview")
show_flash()
st.caption("Every partner's fund balances, requests and claims, and what funded activities "
           "brought. Marketing decides requests, finance decides and pays claims: open a "
           "request to act on it.")
with db() as session:
    programs = {p.id: p.name for p in list_programs(session, actor)}
    partners = dict(partner_choices_for_funds(session, actor))

# Each role starts on its own queue: marketing the requests to decide, finance the claims.
DEFAULT_REQUESTS = {Role.MARKETING_OPS: ["submitted"]}
DEFAULT_CLAIMS = {Role.FINANCE: ["submitted", "approved"]}
cols = st.columns(4)
program_id = cols[0].selectbox("Program", list(programs), format_func=programs.get, index=None,
                               placeholder="All programs")
partner_id = cols[1].selectbox("Partner", list(partners), format_func=partners.get,
                               index=None, placeholder="All partners")
statuses = cols[2].multiselect("Request status", [s.value for s in REQUEST_LABELS],
                               default=DEFAULT_REQUESTS.get(actor.role, []),
                               format_func=lambda v: next(label for s, label in
                                                          REQUEST_LABELS.items() if s == v),
                               placeholder="Any")
claims = cols[3].multiselect("Claim status", [s.value for s in CLAIM_LABELS],
                             default=DEFAULT_CLAIMS.get(actor.role, []),
                             format_func=lambda v: next(label for s, label in
                                                        CLAIM_LABELS.items() if s == v),
                             placeholder="Any")

with db() as session:
    allocations = list_allocations(session, actor, program_id=program_id,
                                   partner_id=partner_id)
    requests, count = list_requests(session, actor, statuses=statuses or None,
                                    claim_statuses=claims or None, program_id=program_id,
                                    partner_id=partner_id, limit=500)
    by_program = roi(session, actor, by="program", program_id=program_id,
                     partner_id=partner_id)
    by_partner = roi(session, actor, by="partner", program_id=program_id,
                     partner_id=partner_id)
    by_activity = roi(session, actor, by="activity", program_id=program_id,
                      partner_id=partner_id, limit=ROI_ROWS)

balance_metrics(total({a.id: a.balance for a in allocations}),
                sum((a.claimed for a in allocations), start=0))
tabs = st.tabs([f"Requests and claims ({count:,})", "Allocations", "ROI"])
with tabs[0]:
    requests_table(requests, key="desk_requests")
    if count > len(requests):
        st.caption(f"The newest {len(requests):,} of {count:,}: narrow the filters to see "
                   "others.")
with tabs[1]:
    allocations_table(allocations, key="desk_allocations")
with tabs[2]:
    st.markdown("**By program**")
    roi_table(by_program, key="roi_program", label="Program")
    st.markdown("**By partner**")
    roi_table(by_partner, key="roi_partner", label="Partner")
    st.markdown(f"**By activity** (the {ROI_ROWS} biggest spends)")
    roi_table(by_activity, key="roi_activity")
