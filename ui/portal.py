"""Widgets the portal's pages share: the audience picker (tiers, partner types, regions)."""

import streamlit as st

from core.money import base_money
from core.partners import PARTNER_TYPES, REGIONS
from ui.markdown import plain
from ui.registry import link_for


def audience_picker(key: str, tiers: dict[int, str]) -> dict:
    """Three multiselects, none chosen meaning every partner; the AudienceIn values."""
    st.markdown("**Who sees it** (leave a list empty for every partner)")
    cols = st.columns(3)
    tier_ids = cols[0].multiselect("Tiers", list(tiers), format_func=tiers.get,
                                   key=f"{key}_tiers")
    types = cols[1].multiselect("Partner types", PARTNER_TYPES, key=f"{key}_types",
                                format_func=lambda t: t.replace("_", " "))
    regions = cols[2].multiselect("Regions", REGIONS, key=f"{key}_regions")
    return {"tier_ids": tier_ids, "types": types, "regions": regions}


def show_glance(user, glance) -> None:
    """A partner's Home at a glance: tier and what the next needs, funds, pinned news, the
    year's plan; each links to the page that acts on it."""
    cols = st.columns(3)
    with cols[0].container(border=True):
        st.markdown(f"**{plain(glance.tier)}** tier")
        if glance.next_tier and glance.missing:
            st.caption(f"{plain(glance.next_tier)} still needs: "
                       + "; ".join(plain(m) for m in glance.missing))
        elif glance.next_tier:
            st.caption(f"You meet {plain(glance.next_tier)}'s rules: it comes with the next "
                       "review.")
        if target := link_for(user, "my_tier"):
            st.page_link(target, label="Our tier", icon=":material/military_tech:")
    if glance.funds_available is not None:
        with cols[1].container(border=True):
            st.markdown(f"**{base_money(glance.funds_available)}** of funds available")
            if target := link_for(user, "funds"):
                st.page_link(target, label="Funds", icon=":material/savings:")
    if glance.plan is not None:
        with cols[2].container(border=True):
            plan = glance.plan
            st.markdown(f"**{plan.year} business plan**"
                        + ("" if plan.agreed else " · waiting for agreement"))
            for goal in plan.goals[:3]:
                target = goal.year_target
                share = float(goal.year_actual / target) if target else 0.0
                st.progress(min(share, 1.0), text=f"{plain(goal.label)}: {share:.0%}")
            if target := link_for(user, "business_plan"):
                st.page_link(target, label="Business plan", icon=":material/flag:")
    for a in glance.pinned:
        with st.container(border=True):
            st.markdown(f":orange-badge[pinned] **{plain(a.title)}**"
                        + ("" if a.read else " · :blue-badge[unread]"))
            if target := link_for(user, "announcements"):
                st.page_link(target, label="Read it", icon=":material/campaign:")
