import streamlit as st

from core.customers import country_choices
from core.leads.desk import lead_capacity, set_lead_capacity
from core.partners import (
    INDUSTRIES,
    PARTNER_STATUS_LABELS,
    PARTNER_TYPES,
    REGIONS,
    get_partner,
    update_partner_profile,
)
from core.recruitment import PARTNER_TYPE_LABELS
from ui.actions import show_flash, submit
from ui.context import db
from ui.forms import FieldErrors
from ui.guard import page_guard
from ui.markdown import plain

user = page_guard(__file__)
actor = user.actor

st.title("Company profile")
show_flash()
with db() as session:
    partner = get_partner(session, actor, actor.partner_id)
st.caption(f"Tier: **{plain(partner.tier)}** · Status: "
           f"{PARTNER_STATUS_LABELS.get(partner.status, partner.status)} · Channel manager: "
           f"{plain(partner.channel_manager or 'not assigned')}")
countries = dict(country_choices())

with st.form("company_profile"):
    st.caption("Fields marked \\* are required; a website and industries complete the "
               "profile.")
    errors = FieldErrors()
    name = st.text_input("Company name *", value=partner.name)
    errors.slot("name")
    website = st.text_input("Website", value=partner.website or "",
                            placeholder="e.g. https://www.example.com")
    errors.slot("website")
    codes = list(countries)
    country = st.selectbox("Country *", codes, format_func=countries.get,
                           placeholder="Choose a country",
                           index=codes.index(partner.country) if partner.country in codes
                           else None)
    errors.slot("country")
    regions = st.multiselect("Regions served *", REGIONS, default=partner.regions,
                             placeholder="Choose the regions you serve")
    errors.slot("regions")
    ptype = st.selectbox("Partner type *", PARTNER_TYPES, format_func=PARTNER_TYPE_LABELS.get,
                         placeholder="Choose a partner type",
                         index=PARTNER_TYPES.index(partner.partner_type)
                         if partner.partner_type in PARTNER_TYPES else None)
    errors.slot("partner_type")
    industries = st.multiselect("Industries", INDUSTRIES, placeholder="Choose industries",
                                default=[i for i in partner.industries if i in INDUSTRIES])
    errors.slot("industries")
    errors.slot("")
    if st.form_submit_button("Save profile", type="primary"):
        data = dict(name=name, website=website, country=country or "", regions=regions,
                    partner_type=ptype or "", industries=industries)
        submit(lambda s: update_partner_profile(s, actor, actor.partner_id, data),
               "Company profile saved.", errors=errors)

st.subheader("Leads")
with db() as session:
    capacity = lead_capacity(session, actor, actor.partner_id)
st.caption(f"The vendor offers you at most this many leads waiting for your answer at once; "
           f"your tier's figure is {capacity.tier}. {capacity.waiting} wait now.")
with st.form("lead_capacity"):
    errors = FieldErrors()
    own = st.number_input("Leads at once (empty: your tier's)", min_value=0, max_value=10_000,
                          value=capacity.own, step=1)
    errors.slot("lead_capacity")
    if st.form_submit_button("Save"):
        submit(lambda s: set_lead_capacity(s, actor, actor.partner_id,
                                           None if own is None else int(own)),
               "Lead capacity saved.", errors=errors)
