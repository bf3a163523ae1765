import streamlit as st

from core.customers import country_choices
from core.onboarding import current_agreement
from core.partners import INDUSTRIES, REGIONS
from core.recruitment import PARTNER_TYPE_LABELS, DuplicateApplication, submit_application
from core.settings import get_settings
from ui.actions import submit
from ui.client import client_key
from ui.context import current_actor, db
from ui.forms import FieldErrors
from ui.guard import page_guard
from ui.markdown import plain
from ui.registry import page_file

page_guard(__file__)

st.title("Become a partner")
st.write("Resell, integrate or refer our products and grow with us: deal protection, market "
         "development funds, training and leads routed to you. Tell us about your company; "
         "the channel team answers within a few working days.")
st.page_link(page_file("application_status"), label="Already applied? Check your application",
             icon=":material/search:")

with db() as session:
    terms = current_agreement(session)
if terms:
    with st.expander(f"Read the program terms (version {terms.version})"):
        st.markdown(terms.body_markdown)

# The honeypot: people never see this field, simple bots fill it in.
st.html("<style>.st-key-company_fax { display: none; }</style>")
countries = dict(country_choices())

with st.form("application"):
    st.caption("Fields marked * are required.")
    errors = FieldErrors()
    st.subheader("Your company")
    left, right = st.columns(2)
    with left:
        company_name = st.text_input("Company name *")
        errors.slot("company_name")
        country = st.selectbox("Country *", list(countries), index=None, format_func=countries.get,
                               placeholder="Choose a country")
        errors.slot("country")
        partner_type = st.selectbox("Partner type *", list(PARTNER_TYPE_LABELS), index=None,
                                    format_func=PARTNER_TYPE_LABELS.get,
                                    placeholder="How you would work with us")
        errors.slot("partner_type")
        currency = get_settings().base_currency
        revenue = st.text_input(f"Expected annual revenue with us ({currency}) *",
                                placeholder="e.g. 250,000")
        errors.slot("expected_annual_revenue")
    with right:
        website = st.text_input("Website *", placeholder="e.g. www.example.com")
        errors.slot("website")
        regions = st.multiselect("Regions served *", REGIONS)
        errors.slot("regions")
        industries = st.multiselect("Industries", INDUSTRIES)
        errors.slot("industries")
        headcount = st.text_input("Employees *", placeholder="e.g. 25")
        errors.slot("headcount")
    st.subheader("Main contact")
    cols = st.columns(3)
    with cols[0]:
        contact_name = st.text_input("Full name *")
        errors.slot("contact_name")
    with cols[1]:
        contact_email = st.text_input("E-mail *")
        errors.slot("contact_email")
    with cols[2]:
        contact_phone = st.text_input("Phone *", placeholder="e.g. +44 20 7946 0958")
        errors.slot("contact_phone")
    honeypot = st.text_input("Fax", key="company_fax", autocomplete="off")
    accepted = st.checkbox("I accept the partner program terms")
    errors.slot("terms_accepted")
    errors.slot("")
    submitted = st.form_submit_button("Apply", type="primary")

if submitted:
    data = dict(company_name=company_name, website=website, country=country or "",
                regions=regions, partner_type=partner_type or "", industries=industries,
                expected_annual_revenue=revenue, headcount=headcount,
                contact_name=contact_name, contact_email=contact_email,
                contact_phone=contact_phone, terms_accepted=accepted)

    def sent(receipt) -> None:
        # The receipt says it all once: thanks, the reference, what to keep it for.
        st.success(plain(receipt.message))

    client = client_key()
    submit(lambda s: submit_application(s, current_actor(), data, honeypot=honeypot,
                                        client_address=client),
           errors=errors, then=sent, notices=(DuplicateApplication,),
           failed="Your application was not sent: see the messages above.")
