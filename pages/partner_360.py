import pandas as pd
import streamlit as st

from core.actor import ROLE_LABELS, Role
from core.deals import STATUS_LABELS, DealStatus
from core.errors import DomainError
from core.partner360 import parse_partner_id, partner_360
from core.partners import partner_choices
from core.tiers import benefits, confirm_proposal
from ui.actions import show_flash, submit
from ui.context import db, local_time
from ui.deals import money
from ui.guard import page_guard
from ui.markdown import literal, plain
from ui.registry import page_file

user = page_guard(__file__)
actor = user.actor

st.title("Partner 360")
show_flash()
st.page_link(page_file("partners"), label="Back to the partner directory",
             icon=":material/arrow_back:")
with db() as session:
    choices = dict(partner_choices(session, actor))

# The directory links here with ?id=<partner id>; the choice below keeps the address in step.
linked = st.query_params.get("id")
wanted = None
if linked is not None:
    try:
        wanted = parse_partner_id(linked)
    except DomainError as exc:
        st.warning(plain(str(exc)))
    if wanted is not None and wanted not in choices:
        st.warning(f"There is no partner with id {wanted}; choose one from the list.")
        wanted = None
ids = list(choices)
partner_id = st.selectbox("Partner", ids, index=ids.index(wanted) if wanted is not None else None,
                          format_func=choices.get, placeholder="Choose a partner")
if partner_id is None:
    st.info("Choose a partner to see its profile, users, tier, onboarding, deals and history.")
    st.stop()
if linked != str(partner_id):
    st.query_params["id"] = str(partner_id)

try:
    with db() as session:
        view = partner_360(session, actor, partner_id)
except DomainError as exc:
    st.error(plain(str(exc)))
    st.stop()

p, deals = view.profile, view.deals
st.header(plain(p.name))
cols = st.columns(6)
cols[0].metric("Tier", plain(p.tier))
cols[1].metric("Status", p.status)
cols[2].metric("Open deals", f"{deals.open_count:,}")
cols[3].metric("Open pipeline", money(deals.open_pipeline))
cols[4].metric("Won, last 12 months", money(deals.won_12m))
cols[5].metric("Open conflicts", f"{deals.open_conflicts:,}",
               help="Open registrations the matcher found to collide (conflict or possible).")

tabs = st.tabs(["Profile", "Users", "Tier", "Onboarding", "Deals", "Audit trail",
                *[c.name for c in view.later]])

with tabs[0]:
    st.markdown(
        f"**Website:** {plain(p.website or 'none')}  \n"
        f"**Country:** {p.country} · **Regions:** {', '.join(p.regions) or 'none'}  \n"
        f"**Type:** {p.partner_type} · **Industries:** {', '.join(p.industries) or 'none'}  \n"
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
        st.dataframe(pd.DataFrame(
            [{"Name": c.display_name, "Username": c.username, "E-mail": c.email,
              "Role": ROLE_LABELS.get(Role(c.role), c.role), "Active": c.is_active,
              "Last sign-in": local_time(c.last_login_at)} for c in users.contacts],
            columns=["Name", "Username", "E-mail", "Role", "Active", "Last sign-in"]),
            hide_index=True, width="stretch")

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
        st.dataframe(pd.DataFrame(
            [{"When": local_time(c.changed_at), "From": c.from_tier, "To": c.to_tier,
              "How": c.source_label, "By": c.changed_by, "Reason": c.reason}
             for c in view.tier_history]), hide_index=True, width="stretch")

with tabs[3]:
    ob = view.onboarding
    st.markdown(f"**{ob.done} of {ob.total} steps done** · "
                + (f"next: {plain(ob.next_step)}" if ob.next_step else "complete"))
    if ob.total:
        st.progress(ob.done / ob.total)
    if ob.steps is not None:
        st.dataframe(pd.DataFrame(
            [{"Step": s.title, "Done": s.done, "Completed": local_time(s.completed_at)}
             for s in ob.steps], columns=["Step", "Done", "Completed"]),
            hide_index=True, width="stretch")

with tabs[4]:
    st.markdown(f"**{deals.open_count:,} open** registrations worth "
                f"{money(deals.open_pipeline)} (estimated), {deals.open_conflicts:,} of them "
                f"in conflict · **{deals.won_12m_count:,} won** in the last 12 months, "
                f"{money(deals.won_12m)} by the day they closed")
    st.dataframe(pd.DataFrame(
        [{"Status": STATUS_LABELS[DealStatus(s)], "Registrations": n}
         for s, n in deals.by_status.items()]), hide_index=True, width="stretch")

with tabs[5]:
    trail = view.audit
    if trail is None:
        st.info("The audit trail is shown to administrators.")
    else:
        st.caption(f"{trail.total} events" + (f" (newest {len(trail.events)} shown)"
                                              if trail.total > len(trail.events) else ""))
        st.dataframe(pd.DataFrame(
            [{"When": local_time(e.at, "%Y-%m-%d %H:%M:%S"), "Actor": e.actor,
              "Action": e.action, "Entity": e.entity, "Id": e.entity_id,
              "Before": str(e.before or ""), "After": str(e.after or "")}
             for e in trail.events],
            columns=["When", "Actor", "Action", "Entity", "Id", "Before", "After"]),
            hide_index=True, width="stretch")

for tab, capability in zip(tabs[6:], view.later, strict=True):
    with tab:
        st.info(capability.message, icon=":material/construction:")
