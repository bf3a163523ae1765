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
    override_proposal,
    run_evaluation,
    set_partner_tier,
    tier_history,
    update_tier_rules,
)
from ui.actions import show_flash, submit
from ui.context import db
from ui.forms import FieldErrors
from ui.guard import page_guard
from ui.markdown import plain
from ui.tables import count_col, key_col, money_col, table, text_col, time_col

HISTORY_COLUMNS = {"when": time_col("When", 140), "from": text_col("From", 100),
                   "to": text_col("To", 100), "how": text_col("How", 150),
                   "by": text_col("By", 130), "reason": text_col("Reason", "large")}

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
    # The reason is what a manager decides on: it comes right after the change.
    columns = {"id": key_col(), "partner": text_col("Partner", 170),
               "change": text_col("Change", 95), "from": text_col("From", 85),
               "to": text_col("To", 85), "why": text_col("Why", "large"),
               "won": money_col("Won, 12 months", 140),
               "certified": count_col("Certified users", 110),
               "manager": text_col("Manager", 130), "evaluated": time_col("Evaluated", 140)}
    if status != ProposalStatus.OPEN:  # an open proposal is not decided yet
        columns |= {"decided": time_col("Decided", 140), "by": text_col("By", 110),
                    "note": text_col("Note", 200)}
    table([{"id": p.id, "partner": p.partner_name, "change": p.direction,
            "from": p.from_tier, "to": p.to_tier, "why": p.reason, "won": p.won_revenue,
            "certified": p.certified_users, "manager": p.channel_manager,
            "evaluated": p.evaluated_at, "decided": p.decided_at, "by": p.decided_by,
            "note": p.decision_note} for p in proposals], columns)

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
                tier_id = st.selectbox("Tier to set *", others, format_func=tier_names.get,
                                       index=None, placeholder="Choose a tier")
                errors.slot("tier_id")
                reason = st.text_area("Reason for the override (the partner sees it) *")
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
    names = [name for name, _ in benefits(tiers[0])] if tiers else []
    table([{"tier": t.name, "won_needed": t.min_won_revenue,
            "certified_needed": t.min_certified_users,
            **{f"benefit_{i}": value for i, (_, value) in enumerate(benefits(t))}}
           for t in tiers],
          {"tier": text_col("Tier", 100, pinned=True),
           "won_needed": money_col("Won revenue needed", 170),
           "certified_needed": count_col("Certified users needed", 160),
           **{f"benefit_{i}": text_col(name, 170) for i, name in enumerate(names)}})
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
            capacity = st.number_input("Leads a partner may have waiting for an answer",
                                       min_value=0, max_value=10_000, step=1,
                                       value=tier.lead_capacity)
            errors.slot("lead_capacity")
            hours = st.number_input("Hours to answer a lead", min_value=1, max_value=720,
                                    step=1, value=tier.lead_accept_hours)
            errors.slot("lead_accept_hours")
            needs_cert = st.checkbox("A lead with a product line needs a user certified on it",
                                     value=tier.leads_need_certification)
            answer_hours = st.number_input("Hours to answer a partner's request first",
                                           min_value=1, max_value=720, step=1,
                                           value=tier.request_response_hours)
            errors.slot("request_response_hours")
            errors.slot("")
            if st.form_submit_button("Save rules", type="primary"):
                data = dict(min_won_revenue=min_won, min_certified_users=min_certified,
                            deal_protection_days=protection,
                            auto_approve_clear_deals=auto_approve, mdf_eligible=mdf,
                            lead_weight=lead_weight, discount_percent=discount,
                            lead_capacity=capacity, lead_accept_hours=hours,
                            leads_need_certification=needs_cert,
                            request_response_hours=answer_hours)
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
            new_tier = st.selectbox("New tier *", list(tier_names), format_func=tier_names.get,
                                    index=None, placeholder="Choose a tier")
            errors.slot("tier_id")
            why = st.text_area("Reason for the change (the partner sees it) *")
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
            table([{"when": h.changed_at, "from": h.from_tier, "to": h.to_tier,
                    "how": h.source_label, "by": h.changed_by, "reason": h.reason or None}
                   for h in history], HISTORY_COLUMNS)
        else:
            st.write("No tier changes yet.")
