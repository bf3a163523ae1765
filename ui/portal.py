"""Widgets the portal's pages share: the audience picker (tiers, partner types, regions)."""

import streamlit as st

from core.partners import PARTNER_TYPES, REGIONS


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
