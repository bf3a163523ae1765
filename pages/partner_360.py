import streamlit as st

from core.actor import ROLE_LABELS
from core.analytics import partner_health, scorecard, scorecard_months
from core.deals import STATUS_LABELS, DealStatus
from core.errors import DomainError
from core.funds import list_allocations, list_requests, roi
from core.funds.ledger import total
from core.incentives.statements import list_statements
from core.leads import lead_stats, list_leads
from core.leads.desk import lead_capacity, set_lead_capacity
from core.money import compact_money
from core.partner360 import partner_360
from core.partners import PARTNER_STATUS_LABELS, PARTNER_TYPE_SHORT, partner_choices
from core.permissions import can
from core.portal.glance import engagement
from core.pos.exceptions import list_exceptions
from core.pos.records import list_lines as pos_lines_of
from core.tiers import benefits, confirm_proposal
from core.training import certifications, team_progress
from ui.actions import show_flash, submit
from ui.context import db, local_time
from ui.deals import money
from ui.funds import allocations_table, balance_metrics, requests_table, roi_table
from ui.guard import page_guard
from ui.leads import leads_table, show_lead_stats
from ui.markdown import literal, plain
from ui.records import linked_choice
from ui.registry import link_for, page_file
from ui.scorecard import choose_period, show_scorecard
from ui.tables import (
    count_col,
    day_col,
    flag_col,
    money_col,
    record_table,
    table,
    text_col,
    time_col,
)
from ui.training import learners_table

HISTORY_COLUMNS = {"when": time_col("When", 140), "from": text_col("From", 100),
                   "to": text_col("To", 100), "how": text_col("How", 150),
                   "by": text_col("By", 130), "reason": text_col("Reason", "large")}

user = page_guard(__file__)
actor = user.actor

st.title("Partner 360")
show_flash()
st.page_link(page_file("partners"), label="Back to the partner directory",
             icon=":material/arrow_back:")
with db() as session:
    choices = dict(partner_choices(session, actor))

# The directory links here with ?id=<partner id>; the choice keeps the address in step.
partner_id = linked_choice(choices)
if partner_id is None:
    st.info("Choose a partner to see its profile, users, tier, onboarding, deals and history.")
    st.stop()

try:
    with db() as session:
        view = partner_360(session, actor, partner_id)
except DomainError as exc:
    st.error(plain(str(exc)))
    st.stop()

p, deals = view.profile, view.deals
st.header(plain(p.name))
# Two rows of three, so that each figure reads whole at 1400 px (six in a row cut them to
# "Registe..." and "398,50..."); amounts are compact, with the exact figure in the help.
standing, figures = st.columns(3), st.columns(3)
standing[0].metric("Tier", plain(p.tier))
standing[1].metric("Status", PARTNER_STATUS_LABELS.get(p.status, p.status))
standing[2].metric("Open deals", f"{deals.open_count:,}")
figures[0].metric("Open pipeline", compact_money(deals.open_pipeline),
                  help=f"{money(deals.open_pipeline)}: the estimated value of the open "
                       "registrations.")
figures[1].metric("Won, last 12 months", compact_money(deals.won_12m),
                  help=f"{money(deals.won_12m)}: the final amounts of the deals won, by the "
                       "day they closed.")
figures[2].metric("Open conflicts", f"{deals.open_conflicts:,}",
                  help="Open registrations the matcher found to collide (conflict or "
                       "possible).")

tabs = st.tabs(["Profile", "Users", "Tier", "Onboarding", "Deals", "Audit trail",
                *[c.name for c in view.later], "Funds", "POS", "Incentives", "Leads",
                "Training", "Scorecard", "Portal"])

with tabs[0]:
    st.markdown(
        f"**Website:** {plain(p.website or 'none')}  \n"
        f"**Country:** {p.country} · **Regions:** {', '.join(p.regions) or 'none'}  \n"
        f"**Type:** {PARTNER_TYPE_SHORT.get(p.partner_type, p.partner_type)} · "
        f"**Industries:** {', '.join(p.industries) or 'none'}  \n"
        f"**Product lines:** {plain(', '.join(x.name for x in view.product_lines) or 'none')}"
        f" · **Territories:** {plain(', '.join(t.label for t in view.territories) or 'none')}"
        "  \n"
        f"**Channel manager:** {plain(p.channel_manager or 'nobody')}  \n"
        f"**Partner since:** {local_time(p.created_at, '%Y-%m-%d')}")

with tabs[1]:
    users = view.users
    st.caption(f"{users.total} users, {users.active} active")
    if users.contacts is None:
        st.info("Contact details are shown to administrators and channel managers.")
    else:
        table([{"name": c.display_name, "username": c.username, "email": c.email,
                "role": ROLE_LABELS.get(c.role, c.role), "active": c.is_active,
                "last": c.last_login_at} for c in users.contacts],
              {"name": text_col("Name", 170), "username": text_col("Username", 120),
               "email": text_col("E-mail", 220), "role": text_col("Role", 160),
               "active": flag_col("Active", 60), "last": time_col("Last sign-in", 140)})

with tabs[2]:
    progress = view.tier
    if (proposal := view.proposal) is not None:
        with st.container(border=True):
            st.markdown(f"**Proposed {proposal.direction.lower()}: {plain(proposal.from_tier)} → "
                        f"{plain(proposal.to_tier)}**  \n{plain(proposal.reason)}")
            st.caption(f"Evaluated {local_time(proposal.evaluated_at)}. Override or dismiss "
                       "it on the Tiers page.")
            if st.button(f"Confirm {proposal.direction.lower()} to {plain(proposal.to_tier)}",
                         type="primary"):
                submit(lambda s: confirm_proposal(s, actor, proposal.id,
                                                  shown_to_tier_id=proposal.to_tier_id),
                       f"{plain(p.name)} is now {plain(proposal.to_tier)}; the partner is "
                       "notified.")
    st.subheader(f"{plain(progress.tier.name)} benefits")
    st.markdown("  \n".join(f"**{name}:** {value}" for name, value in benefits(progress.tier)))
    if progress.next_tier is None:
        st.caption("The top tier.")
    elif progress.missing:
        st.markdown(f"**To reach {plain(progress.next_tier.name)}:** "
                    + literal("; ".join(progress.missing)))
        st.progress(progress.revenue_share)
    else:
        st.markdown(f"**Meets the rules of {plain(progress.next_tier.name)}.**")
    if progress.keep_missing:
        st.warning(f"Below the rules of {plain(progress.tier.name)}: "
                   + literal("; ".join(progress.keep_missing)))
    st.subheader("Tier history")
    if not view.tier_history:
        st.caption("The tier has not changed since the partner joined.")
    else:
        table([{"when": c.changed_at, "from": c.from_tier, "to": c.to_tier,
                "how": c.source_label, "by": c.changed_by, "reason": c.reason or None}
               for c in view.tier_history], HISTORY_COLUMNS)

with tabs[3]:
    ob = view.onboarding
    st.markdown(f"**{ob.done} of {ob.total} steps done** · "
                + (f"next: {plain(ob.next_step)}" if ob.next_step else "complete"))
    if ob.total:
        st.progress(ob.done / ob.total)
    if ob.steps is not None:
        table([{"step": s.title, "done": s.done, "completed": s.completed_at}
               for s in ob.steps],
              {"step": text_col("Step", "large"), "done": flag_col("Done", 60),
               "completed": time_col("Completed", 140)})

with tabs[4]:
    st.markdown(f"**{deals.open_count:,} open** registrations worth "
                f"{money(deals.open_pipeline)} (estimated), {deals.open_conflicts:,} of them "
                f"in conflict · **{deals.won_12m_count:,} won** in the last 12 months, "
                f"{money(deals.won_12m)} by the day they closed")
    table([{"status": STATUS_LABELS[DealStatus(s)], "count": n}
           for s, n in deals.by_status.items()],
          {"status": text_col("Status", 200), "count": count_col("Registrations", 120)})

with tabs[5]:
    trail = view.audit
    if trail is None:
        st.info("The audit trail is shown to administrators.")
    else:
        st.caption(f"{trail.total} events" + (f" (newest {len(trail.events)} shown)"
                                              if trail.total > len(trail.events) else ""))
        # What changed, field by field ("status: submitted -> approved"), as on the audit
        # log page.
        table([{"when": e.at, "actor": e.actor, "action": e.action, "entity": e.entity,
                "id": e.entity_id, "changes": "; ".join(e.changes) or None}
               for e in trail.events],
              {"when": time_col("When", 130), "actor": text_col("Actor", 120),
               "action": text_col("Action", 150), "entity": text_col("Entity", 130),
               "id": text_col("Id", 50), "changes": text_col("Changes", "large")})

for tab, capability in zip(tabs[6:-7], view.later, strict=True):
    with tab:
        st.info(capability.message, icon=":material/construction:")

with tabs[-7]:  # its fund balances, requests, claims and what they brought
    with db() as session:
        its_allocations = list_allocations(session, actor, partner_id=partner_id)
        its_requests, its_request_count = list_requests(session, actor, partner_id=partner_id,
                                                        limit=100)
        its_roi = roi(session, actor, by="activity", partner_id=partner_id, limit=100)
    if not its_allocations:
        st.caption("No fund allocation.")
    else:
        balance_metrics(total({a.id: a.balance for a in its_allocations}),
                        sum((a.claimed for a in its_allocations), start=0))
        allocations_table(its_allocations, key="p360_allocations", partner_view=True)
        st.markdown(f"**Requests and claims** ({its_request_count:,})")
        requests_table(its_requests, key="p360_fund_requests", partner_view=True)
        st.markdown("**What its funded activities brought**")
        roi_table(its_roi, key="p360_roi")

with tabs[-6]:  # the POS lines it sold and its rows waiting to be corrected
    with db() as session:
        its_lines, its_line_count = pos_lines_of(session, actor, partner_id, limit=100)
        its_exceptions, its_exception_count = list_exceptions(session, actor,
                                                              partner_id=partner_id, limit=50)
    st.caption(f"{its_line_count:,} clean POS lines it sold or reported; "
               f"{its_exception_count:,} of its rows waiting to be corrected.")
    table([{"invoice": f"{x.invoice_number}/{x.invoice_line}", "date": x.invoice_date,
            "sku": x.sku, "qty": x.quantity, "amount": x.amount,
            "customer": x.end_customer_name} for x in its_lines],
          {"invoice": text_col("Invoice", 140), "date": day_col("Date"),
           "sku": text_col("SKU", 120), "qty": count_col("Qty"),
           "amount": money_col("Amount"), "customer": text_col("End customer", "medium")},
          key="p360_pos")

with tabs[-5]:  # its incentive statements, quarter by quarter
    with db() as session:
        its_statements = list_statements(session, actor, partner_id=partner_id, limit=40)
    if not its_statements:
        st.caption("No incentive statement.")
    else:
        earned = sum((r.earned for r in its_statements), start=0)
        owed = sum((r.owed + r.pending for r in its_statements), start=0)
        st.caption(f"Earned over {len(its_statements)} quarter(s): {money(earned)}; "
                   f"approved or waiting for approval and not yet paid: {money(owed)}.")
        record_table([{"id": r.id, "quarter": r.quarter, "earned": r.earned,
                       "approved": r.approved, "paid": r.paid, "status": r.status_label}
                      for r in its_statements],
                     {"quarter": text_col("Quarter", 90), "earned": money_col("Earned"),
                      "approved": money_col("Approved"), "paid": money_col("Paid"),
                      "status": text_col("Status", 140)},
                     key="p360_incentives", page="incentive_statement")

with tabs[-4]:  # the leads offered to it and how it answers them
    with db() as session:
        [lead_record] = lead_stats(session, actor, partner_id=partner_id, days=90)
        capacity = lead_capacity(session, actor, partner_id)
        its_leads = list_leads(session, actor, partner_id=partner_id, limit=100)
    show_lead_stats(lead_record, capacity)
    if can(actor, "partner.edit_profile"):
        with st.form("lead_capacity"):
            own = st.number_input("Its own capacity (empty: its tier's)", min_value=0,
                                  max_value=10_000, value=capacity.own, step=1)
            if st.form_submit_button("Save capacity"):
                submit(lambda s: set_lead_capacity(s, actor, partner_id,
                                                   None if own is None else int(own)),
                       "Lead capacity saved.")
    leads_table(its_leads.leads, key="partner_leads")

with tabs[-3]:  # its users' courses and certifications
    with db() as session:
        learning = team_progress(session, actor, partner_id)
        certified = certifications(session, actor, partner_id=partner_id)
    current = [c for c in certified if c.current]
    st.caption(f"{len({c.user_id for c in current})} users hold a current certification; "
               f"{sum(r.completed_at is not None for r in learning)} courses completed.")
    table([{"holder": c.holder, "track": c.track_name, "expires": c.expires_at,
            "valid": c.current} for c in certified],
          {"holder": text_col("Holder", 160), "track": text_col("Track", 240),
           "expires": time_col("Expires", 140), "valid": flag_col("Valid", 70)})
    learners_table(learning, time_col("Completed", 140))

with tabs[-2]:  # the same scorecard as the Scorecard page's
    period = choose_period("partner_360_period")
    with db() as session:
        card = scorecard(session, actor, partner_id, period)
        months = scorecard_months(session, actor, partner_id, period)
        health = partner_health(session, actor, partner_id, period)
    show_scorecard(card, health, months)

with tabs[-1]:  # its portal engagement: downloads, reads, requests and the year's plan
    with db() as session:
        seen = engagement(session, actor, partner_id)
    figures = st.columns(3)
    figures[0].metric("Downloads, 90 days", f"{seen.downloads_90d:,}",
                      help=f"{seen.cobranded_90d:,} of them co-branded copies")
    figures[1].metric("Announcements read, 90 days", f"{seen.reads_90d:,}")
    figures[2].metric("Open requests", f"{sum(r.status != 'resolved' for r in seen.requests):,}")
    if seen.requests:
        table([{"id": r.id, "subject": r.subject, "status": r.status_label,
                "overdue": r.overdue, "opened": r.created_at} for r in seen.requests],
              {"id": text_col("#", 50), "subject": text_col("Subject", "large"),
               "status": text_col("Status", 150), "overdue": flag_col("Overdue", 70),
               "opened": time_col("Opened")}, key="p360_requests")
    if seen.plan is None:
        st.caption("No business plan for this year.")
    else:
        st.markdown(f"**{seen.plan.year} business plan**"
                    + (" · agreed" if seen.plan.agreed else " · waiting for agreement"))
        for goal in seen.plan.goals:
            share = float(goal.year_actual / goal.year_target) if goal.year_target else 0.0
            st.progress(min(share, 1.0), text=f"{plain(goal.label)}: {share:.0%} of the year")
    if target := link_for(user, "business_plan"):
        st.page_link(target, label="Open the business plan", icon=":material/flag:",
                     query_params={"id": str(partner_id)})
