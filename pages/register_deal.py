from datetime import date

import streamlit as st

from core.catalog import list_product_lines
from core.customers import country_choices
from core.deals import STAGE_LABELS, DealStage, register_deal
from core.funds import activity_choices
from core.settings import get_settings
from ui.actions import show_flash, submit
from ui.context import db
from ui.forms import FieldErrors, form_key
from ui.guard import page_guard
from ui.markdown import plain
from ui.registry import page_file

user = page_guard(__file__)
actor = user.actor

st.title("Register a deal")
st.write("Claim an opportunity at a named end customer. Once approved, it is protected for "
         "your tier's protection period: no other partner and no direct rep takes it.")

if show_flash():
    st.page_link(page_file("my_deals"), label="See it in My deals",
                 icon=":material/arrow_forward:")

with db() as session:
    lines = {p.id: p.name for p in list_product_lines(session, actor)}
    activities = dict(activity_choices(session, actor))
countries = dict(country_choices())

with st.form(form_key("register_deal")):
    st.caption("Fields marked * are required.")
    errors = FieldErrors()
    st.subheader("End customer")
    left, right = st.columns(2)
    with left:
        company = st.text_input("Company *")
        errors.slot("company")
        country = st.selectbox("Country *", list(countries), index=None,
                               format_func=countries.get, placeholder="Choose a country")
        errors.slot("country")
    with right:
        website = st.text_input("Website", placeholder="e.g. acme.com")
        errors.slot("website")
        state = st.text_input("State or region")
        errors.slot("state")
    st.subheader("Customer contact")
    cols = st.columns(3)
    with cols[0]:
        contact_name = st.text_input("Contact name *")
        errors.slot("contact_name")
    with cols[1]:
        contact_email = st.text_input("Contact e-mail *")
        errors.slot("contact_email")
    with cols[2]:
        contact_title = st.text_input("Contact title")
        errors.slot("contact_title")
    st.subheader("Opportunity")
    product_line_ids = st.multiselect("Product lines *", list(lines), format_func=lines.get)
    errors.slot("product_line_ids")
    cols = st.columns(3)
    with cols[0]:
        value = st.text_input(f"Estimated value ({get_settings().base_currency}) *",
                              placeholder="e.g. 25000")
        errors.slot("estimated_value")
    with cols[1]:
        # The widget's bounds are the kernel's: a date it accepts is the date core checks
        # (and refuses with a message when it is past or too far ahead). Narrower bounds
        # made the widget keep the last valid date while it showed the one typed.
        close = st.date_input("Expected close date *", value=None, min_value=date(1900, 1, 1),
                              max_value=date(2100, 12, 31))
        errors.slot("expected_close_date")
    with cols[2]:
        stage = st.selectbox("Stage *", list(DealStage), index=None,
                             format_func=STAGE_LABELS.get, placeholder="Choose a stage")
        errors.slot("stage")
    description = st.text_area("Description", placeholder="Scope, competition, next steps")
    errors.slot("description")
    activity = None
    if activities:  # only when the company has a funded marketing activity to name
        activity = st.selectbox("Came from a funded activity", list(activities), index=None,
                                format_func=activities.get, placeholder="None",
                                help="The MDF or co-op activity this opportunity came from: "
                                     "it counts in the activity's ROI.")
        errors.slot("fund_request_id")
    errors.slot("")
    submitted = st.form_submit_button("Submit registration", type="primary")

if submitted:
    data = dict(company=company, website=website, country=country or "", state=state,
                contact_name=contact_name, contact_email=contact_email,
                contact_title=contact_title, product_line_ids=product_line_ids,
                estimated_value=value, expected_close_date=close, stage=stage,
                description=description, fund_request_id=activity)

    def registered(deal) -> str:
        return (f"Registration #{deal.id} for {plain(deal.customer_name)} is "
                f"**{deal.status_label.lower()}**.")

    submit(lambda s: register_deal(s, actor, data), registered, errors=errors,
           form="register_deal",
           failed="The registration was not saved: correct the fields marked above.")
