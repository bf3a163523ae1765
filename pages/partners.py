import pandas as pd
import streamlit as st

from core.partners import (
    PARTNER_STATUSES,
    PARTNER_TYPES,
    REGIONS,
    PartnerFilter,
    list_partners,
    list_tiers,
)
from ui.context import db
from ui.guard import page_guard

user = page_guard(__file__)
actor = user.actor

st.title("Partners")
with db() as session:
    tiers = [t.name for t in list_tiers(session, actor)]

cols = st.columns(5)
search = cols[0].text_input("Search by name")
tier = cols[1].selectbox("Tier", tiers, index=None, placeholder="Any tier")
region = cols[2].selectbox("Region", REGIONS, index=None, placeholder="Any region")
ptype = cols[3].selectbox("Type", PARTNER_TYPES, index=None, placeholder="Any type")
status = cols[4].selectbox("Status", PARTNER_STATUSES, index=None, placeholder="Any status")

with db() as session:
    partners = list_partners(session, actor, PartnerFilter(search or None, tier, region, ptype,
                                                           status))

shown_all = len(partners) < 1000
st.caption(f"{len(partners)} partners" if shown_all else
           "The first 1,000 partners by name: narrow the search or the filters.")
frame = pd.DataFrame(
    [{"Name": p.name, "Tier": p.tier, "Type": p.partner_type, "Country": p.country,
      "Regions": ", ".join(p.regions), "Industries": ", ".join(p.industries),
      "Status": p.status, "Channel manager": p.channel_manager, "Website": p.website}
     for p in partners]
)
st.dataframe(frame, hide_index=True, width="stretch")
