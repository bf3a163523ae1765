import streamlit as st

from core.funds import (
    ACTIVITY_TYPES,
    KINDS,
    PERIODS,
    ProgramOut,
    allocate,
    allocate_by_tier,
    create_program,
    list_allocations,
    list_programs,
    update_program,
)
from core.funds.programs import eligible_choices
from core.money import base_money, compact_money
from core.partners import list_tiers
from core.validation.parsers import checked, parse_amount
from db.types import utcnow
from ui.actions import show_flash, submit
from ui.context import db
from ui.forms import FieldErrors, form_key
from ui.funds import allocations_table
from ui.guard import page_guard
from ui.markdown import plain
from ui.tables import day_col, money_col, table, text_col

user = page_guard(__file__)
actor = user.actor

st.title("Fund programs")
show_flash()
st.caption("MDF is granted at the vendor's discretion (by hand or by the tier rule); co-op "
           "accrues as a share of each partner's won revenue and POS sell-through (the hourly "
           "job). A program's allocations never exceed its budget.")
with db() as session:
    programs = list_programs(session, actor)
    tiers = [t for t in list_tiers(session, actor) if t.mdf_eligible]

table([{"name": p.name, "kind": KINDS[p.kind], "start": p.starts_on, "end": p.ends_on,
        "budget": p.budget, "allocated": p.allocated, "left": p.unallocated,
        "tiers": ", ".join(p.eligible_tiers), "status": p.status} for p in programs],
      {"name": text_col("Program", 220, pinned=True), "kind": text_col("Kind", 150),
       "start": day_col("From"), "end": day_col("To"), "budget": money_col("Budget"),
       "allocated": money_col("Allocated"), "left": money_col("Left"),
       "tiers": text_col("Tiers", 160), "status": text_col("Status", 80)}, key="programs")


def program_form(key: str, p: ProgramOut | None, button: str, write) -> None:
    errors = FieldErrors()
    with st.form(form_key(key)):
        name = st.text_input("Name *", value=p.name if p else "", max_chars=120)
        errors.slot("name")
        cols = st.columns(3)
        kinds, periods = list(KINDS), list(PERIODS)
        kind = cols[0].selectbox("Kind", kinds, format_func=KINDS.get,
                                 index=kinds.index(p.kind) if p else 0)
        period = cols[1].selectbox("Period", periods, format_func=PERIODS.get,
                                   index=periods.index(p.period) if p else 0)
        start = cols[2].date_input("Starts (the month's first day is used)",
                                   value=p.starts_on if p else utcnow().date().replace(day=1))
        errors.slot("period")
        errors.slot("starts_on")
        budget = st.text_input("Total budget *", value=f"{p.budget:.2f}" if p else "",
                               placeholder="e.g. 250,000")
        errors.slot("budget")
        tier_ids = [t.id for t in tiers]
        names = {t.id: t.name for t in tiers}
        chosen = st.multiselect("Eligible tiers (none: every tier with MDF eligibility)",
                                tier_ids, default=list(p.eligible_tier_ids) if p else [],
                                format_func=names.get)
        errors.slot("eligible_tier_ids")
        types = st.multiselect("Activity types allowed *", list(ACTIVITY_TYPES),
                               default=list(p.activity_types) if p else list(ACTIVITY_TYPES),
                               format_func=ACTIVITY_TYPES.get)
        errors.slot("activity_types")
        cols = st.columns(2)
        share = cols[0].text_input("Reimbursement share of actual spend (%) *",
                                   value=f"{p.reimbursement_percent:g}" if p else "50")
        accrual = cols[1].text_input("Co-op accrual of won revenue and POS sales (%)",
                                     value=f"{p.accrual_percent:g}" if p else "0")
        errors.slot("reimbursement_percent")
        errors.slot("accrual_percent")
        cols = st.columns(3)
        lead_time = cols[0].number_input("Request lead time (days)", min_value=0, max_value=365,
                                         value=p.lead_time_days if p else 14)
        claim_days = cols[1].number_input("Claim deadline (days after the activity)",
                                          min_value=0, max_value=365,
                                          value=p.claim_days if p else 60)
        carry = cols[2].checkbox("Carry unrequested money into the next period",
                                 value=p.carry_over if p else False)
        errors.slot("lead_time_days")
        errors.slot("claim_days")
        st.markdown("**Tier rule** (MDF): what each tier's partners get when you allocate by "
                    "tier")
        amounts = {}
        cols = st.columns(max(len(tiers), 1))
        for col, t in zip(cols, tiers, strict=False):
            given = p.tier_amounts.get(t.id) if p else None
            amounts[t.id] = col.text_input(t.name, value=f"{given:.2f}" if given else "")
        errors.slot("tier_amounts")
        if st.form_submit_button(button, type="primary"):
            def run(s):
                rule = {tier_id: checked("tier_amounts", parse_amount, text,
                                         what="tier amount", zero_ok=True)
                        for tier_id, text in amounts.items() if text.strip()}
                return write(s, {"name": name, "kind": kind, "period": period,
                                 "starts_on": start, "budget": budget,
                                 "eligible_tier_ids": chosen, "activity_types": types,
                                 "reimbursement_percent": share, "accrual_percent": accrual or "0",
                                 "tier_amounts": rule, "lead_time_days": lead_time,
                                 "claim_days": claim_days, "carry_over": carry})
            submit(run, lambda out: f"Saved: {plain(out.name)}.", errors=errors,
                   failed="Nothing was saved.", form=key)


with st.expander("New program", expanded=not programs):
    program_form("new_program", None, "Create the program",
                 lambda s, data: create_program(s, actor, data))

if not programs:
    st.stop()
by_id = {p.id: p for p in programs}
program_id = st.selectbox("Program", list(by_id), format_func=lambda i: by_id[i].name)
p = by_id[program_id]
st.subheader(plain(p.name))
cols = st.columns(3)
cols[0].metric("Budget", compact_money(p.budget), help=base_money(p.budget))
cols[1].metric("Allocated", compact_money(p.allocated), help=base_money(p.allocated))
cols[2].metric("Left to allocate", compact_money(p.unallocated), help=base_money(p.unallocated))

with db() as session:
    allocations = list_allocations(session, actor, program_id=p.id)
    eligible = dict(eligible_choices(session, actor, p.id))
allocations_table(allocations, key="program_allocations")

if p.ends_on >= utcnow().date():
    left, right = st.columns(2)
    with left.expander("Allocate to a partner by hand"):
        errors = FieldErrors()
        with st.form(form_key("allocate")):
            partner_id = st.selectbox("Partner *", list(eligible), format_func=eligible.get,
                                      index=None)
            errors.slot("partner")
            amount = st.text_input("Amount * (negative: take unrequested money back)")
            errors.slot("amount")
            reason = st.text_input("Reason *")
            errors.slot("reason")
            if st.form_submit_button("Allocate"):
                def run(s):
                    value = checked("amount", parse_amount, amount.replace("-", "", 1),
                                    what="amount")
                    signed = -value if amount.strip().startswith("-") else value
                    return allocate(s, actor, p.id, partner_id, signed, reason)
                submit(run, lambda out: f"Allocated: {out.message}", errors=errors,
                       form="allocate")
    if p.kind == "mdf" and p.tier_amounts:
        rule = ", ".join(f"{t.name} {base_money(p.tier_amounts[t.id])}" for t in tiers
                         if t.id in p.tier_amounts)
        right.caption(f"Tier rule: {rule}. Partners with an allocation already are left as "
                      "they are.")
        if right.button("Allocate by the tier rule", icon=":material/workspace_premium:"):
            submit(lambda s: allocate_by_tier(s, actor, p.id), lambda out: out.message)

with st.expander("Edit the program"):
    program_form(f"edit_program_{p.id}", p, "Save the changes",
                 lambda s, data: update_program(s, actor, p.id, data))
