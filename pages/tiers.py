import pandas as pd
import streamlit as st

from core.partners import partner_choices
from core.permissions import can
from core.tiers import (
    PROPOSAL_STATUS_LABELS,
    ProposalStatus,
    benefits,
    confirm_proposal,
    confirm_proposals,
    dismiss_proposal,
    list_proposals,
    list_tier_rules,
    money,
    override_proposal,
    run_evaluation,
    set_partner_tier,
    tier_history,
    update_tier_rules,
)
from ui.actions import show_flash, submit
from ui.context import db, local_time
from ui.forms import FieldErrors
from ui.guard import page_guard
from ui.markdown import plain

user = page_guard(__file__)
actor = user.actor


st.title("Tiers")
show_flash()
with db() as session:
    tiers = list_tier_rules(session, actor)
tier_names = {t.id: t.name for t in tiers}

proposals_tab, rules_tab, manual_tab = st.tabs(["Proposals", "Rules and benefits",
                                                "Set a tier by hand"])

with proposals_tab:
    if st.button("Run evaluation now", icon=":material/refresh:"):
        submit(lambda s: run_evaluation(s, actor), lambda result: result.message)
    cols = st.columns(2)
    status = cols[0].selectbox("Status", list(ProposalStatus),
                               format_func=PROPOSAL_STATUS_LABELS.get)
    mine_only = cols[1].toggle("My partners only")
    with db() as session:
        proposals, total = list_proposals(session, actor, status=status, mine_only=mine_only)
    st.caption(f"{total} proposals, promotions first" +
               (f" (first {len(proposals)} shown)" if total > len(proposals) else ""))
    st.dataframe(pd.DataFrame([
        {"#": p.id, "Partner": p.partner_name, "Change": p.direction, "From": p.from_tier,
         "To": p.to_tier, "Why": p.reason, "Won (12 months)": money(p.won_revenue),
         "Certified users": p.certified_users, "Manager": p.channel_manager or "",
         "Evaluated": local_time(p.evaluated_at), "Decided": local_time(p.decided_at),
         "By": p.decided_by or "", "Note": p.decision_note or ""} for p in proposals]),
        hide_index=True, width="stretch")

    open_ones = {p.id: p for p in proposals if p.status == ProposalStatus.OPEN}
    if open_ones:
        def label(i: int) -> str:
            p = open_ones[i]
            return f"#{i} {p.partner_name}: {p.from_tier} to {p.to_tier}"

        chosen_many = st.multiselect("Proposals to confirm", list(open_ones),
                                     format_func=label, placeholder="Choose proposals")
        def confirmed(result) -> str:
            skipped = "".join(f" #{i} skipped: {plain(why)}" for i, why in result.skipped)
            return f"Confirmed {len(result.confirmed)} proposals.{skipped}"

        if st.button("Confirm selected", icon=":material/done_all:", disabled=not chosen_many):
            submit(lambda s: confirm_proposals(s, actor, chosen_many, shown_to_tier_ids={
                i: open_ones[i].to_tier_id for i in chosen_many}), confirmed)

        chosen = st.selectbox("Open a proposal", list(open_ones), index=None, format_func=label,
                              placeholder="Choose a proposal to decide on its own")
        if chosen is not None:
            p = open_ones[chosen]
            st.subheader(f"{plain(p.partner_name)}: {p.direction.lower()} from "
                         f"{plain(p.from_tier)} to {plain(p.to_tier)}")
            st.write(plain(p.reason))
            if st.button("Confirm", type="primary", icon=":material/check:"):
                submit(lambda s: confirm_proposal(s, actor, p.id,
                                                  shown_to_tier_id=p.to_tier_id),
                       f"{plain(p.partner_name)} is now {plain(p.to_tier)}.")
            with st.form("override"):
                st.markdown("**Override**: set another tier than the proposed one")
                errors = FieldErrors()
                others = [t.id for t in tiers if t.id != p.to_tier_id]
                tier_id = st.selectbox("Tier to set", others, format_func=tier_names.get,
                                       index=None, placeholder="Choose a tier")
                errors.slot("tier_id")
                reason = st.text_area("Reason for the override (the partner sees it)")
                errors.slot("reason")
                errors.slot("")
                if st.form_submit_button("Override"):
                    submit(lambda s: override_proposal(s, actor, p.id, tier_id, reason),
                           f"{plain(p.partner_name)} is now {plain(tier_names.get(tier_id, ''))}.",
                           errors=errors)
            with st.form("dismiss"):
                st.markdown("**Dismiss**: leave the tier as it is")
                errors = FieldErrors()
                note = st.text_input("Note (optional)")
                errors.slot("reason")
                errors.slot("")
                if st.form_submit_button("Dismiss"):
                    submit(lambda s: dismiss_proposal(s, actor, p.id, note),
                           f"Proposal #{p.id} dismissed.", errors=errors)

with rules_tab:
    st.caption("A partner belongs in the highest tier whose rules it meets: won revenue in "
               "the trailing 12 months (won registrations by close date) and currently "
               "certified users. The evaluation runs daily and proposes the changes above.")
    st.dataframe(pd.DataFrame([
        {"Tier": t.name, "Won revenue needed": money(t.min_won_revenue),
         "Certified users needed": t.min_certified_users,
         **{name: value for name, value in benefits(t)}} for t in tiers]),
        hide_index=True, width="stretch")
    if can(actor, "tier.rules_edit"):
        edit_id = st.selectbox("Tier to edit", list(tier_names), format_func=tier_names.get)
        tier = next(t for t in tiers if t.id == edit_id)
        with st.form(f"rules_{tier.id}"):
            st.markdown(f"**{plain(tier.name)}**")
            errors = FieldErrors()
            min_won = st.text_input("Minimum won revenue (trailing 12 months)",
                                    value=f"{tier.min_won_revenue:.2f}")
            errors.slot("min_won_revenue")
            min_certified = st.number_input("Minimum certified users", min_value=0, step=1,
                                            value=tier.min_certified_users)
            errors.slot("min_certified_users")
            protection = st.number_input("Deal protection (days)", min_value=1, max_value=730,
                                         step=1, value=tier.deal_protection_days)
            errors.slot("deal_protection_days")
            auto_approve = st.checkbox("Approve clear deals automatically",
                                       value=tier.auto_approve_clear_deals)
            mdf = st.checkbox("Eligible for market development funds", value=tier.mdf_eligible)
            lead_weight = st.number_input("Lead weight", min_value=0, max_value=100, step=1,
                                          value=tier.lead_weight)
            errors.slot("lead_weight")
            discount = st.number_input("Discount (%)", min_value=0, max_value=100, step=1,
                                       value=tier.discount_percent)
            errors.slot("discount_percent")
            errors.slot("")
            if st.form_submit_button("Save rules", type="primary"):
                data = dict(min_won_revenue=min_won, min_certified_users=min_certified,
                            deal_protection_days=protection,
                            auto_approve_clear_deals=auto_approve, mdf_eligible=mdf,
                            lead_weight=lead_weight, discount_percent=discount)
                submit(lambda s: update_tier_rules(s, actor, tier.id, data),
                       f"{plain(tier.name)} rules saved.", errors=errors)

with manual_tab:
    with db() as session:
        partners = dict(partner_choices(session, actor))
    partner_id = st.selectbox("Partner", list(partners), format_func=partners.get, index=None,
                              placeholder="Choose a partner")
    if partner_id is not None:
        with st.form("set_tier"):
            errors = FieldErrors()
            new_tier = st.selectbox("New tier", list(tier_names), format_func=tier_names.get,
                                    index=None, placeholder="Choose a tier")
            errors.slot("tier_id")
            why = st.text_area("Reason for the change (the partner sees it)")
            errors.slot("reason")
            errors.slot("")
            if st.form_submit_button("Set tier"):
                submit(lambda s: set_partner_tier(s, actor, partner_id, new_tier, why),
                       f"{plain(partners[partner_id])} is now "
                       f"{plain(tier_names.get(new_tier, ''))}.", errors=errors)
        with db() as session:
            history = tier_history(session, actor, partner_id)
        st.subheader("Tier history")
        if history:
            st.dataframe(pd.DataFrame([
                {"When": local_time(h.changed_at), "From": h.from_tier, "To": h.to_tier,
                 "How": h.source_label, "By": h.changed_by, "Reason": h.reason}
                for h in history]), hide_index=True, width="stretch")
        else:
            st.write("No tier changes yet.")
