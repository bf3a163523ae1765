import streamlit as st

from core.customers.identity import country_choices
from core.funds import activity_choices
from core.leads import (
    STATUS_LABELS,
    LeadStatus,
    create_lead,
    list_leads,
    queue_counts,
    route_leads,
)
from core.leads.intake import product_lines
from core.leads.records import export_leads
from core.partners import INDUSTRIES
from core.permissions import can
from ui.actions import show_flash, submit
from ui.context import db
from ui.downloads import CSV, download
from ui.forms import FieldErrors, form_key
from ui.guard import page_guard
from ui.leads import leads_table, show_plan
from ui.registry import page_file

PAGE = 50
PLAN_KEY = "lead_routing_plan"
WAITING = [LeadStatus.NEW.value, LeadStatus.REJECTED.value, LeadStatus.RETURNED.value]

user = page_guard(__file__)
actor = user.actor

st.title("Leads")
show_flash()
with db() as session:
    counts = queue_counts(session, actor)
    activities = dict(activity_choices(session, actor))
figures = st.columns(4)
figures[0].metric("Waiting to be routed", f"{counts.new + counts.rejected:,}",
                  help="New leads, and leads every eligible partner passed on.")
figures[1].metric("Offered, waiting for an answer", f"{counts.offered:,}")
figures[2].metric("Accepted by partners", f"{counts.accepted:,}")
figures[3].metric("Returned to the vendor queue", f"{counts.returned:,}")
st.page_link(page_file("lead_import"), label="Import leads from a CRM export",
             icon=":material/upload_file:")

queue_tab, add_tab = st.tabs(["Queue", "Add a lead"])

with queue_tab:
    left, mid, right = st.columns([2, 2, 1])
    statuses = left.multiselect("Status", [s.value for s in LeadStatus], default=WAITING,
                                format_func=lambda s: STATUS_LABELS[LeadStatus(s)])
    search = mid.text_input("Company or domain", placeholder="Search")
    page_no = right.number_input("Page", min_value=1, value=1, step=1)
    with db() as session:
        found = list_leads(session, actor, statuses=statuses, search=search,
                           offset=(page_no - 1) * PAGE, limit=PAGE)
    st.caption(f"{found.total:,} leads; {PAGE} a page.")
    leads_table(found.leads, key="lead_queue")

    def export() -> bytes:
        with db() as session:
            return export_leads(session, actor, statuses=statuses, search=search)

    download("CSV of every lead that matches", export, "leads.csv", CSV)

    st.subheader("Route")
    routable = [x.id for x in found.leads if x.status in WAITING]
    scope = st.radio("Which leads", ["every", "page"], horizontal=True,
                     format_func={"every": "Every lead waiting (new or passed on)",
                                  "page": f"The {len(routable)} waiting leads on this page"}.get)
    ids = None if scope == "every" else routable
    if st.button("Dry run: show where they would go", icon=":material/preview:"):
        with db() as session:
            st.session_state[PLAN_KEY] = (scope, route_leads(session, actor, ids,
                                                             dry_run=True))
    plan = st.session_state.get(PLAN_KEY)
    if plan is not None and plan[0] == scope:
        report = plan[1]
        st.info(report.message + ". Nothing is offered until you press Offer them.",
                icon=":material/info:")
        show_plan(report, {x.id: x.company for x in found.leads})
        chosen = [p.lead_id for p in report.routed]
        if st.button(f"Offer them ({len(chosen)} leads)", type="primary",
                     disabled=not chosen, icon=":material/send:"):
            st.session_state.pop(PLAN_KEY, None)
            submit(lambda session: route_leads(session, actor, chosen),
                   lambda done: done.message + ".")

with add_tab:
    if not can(actor, "lead.manage"):
        st.stop()
    with db() as session:
        lines = sorted(product_lines(session))
    errors = FieldErrors()
    countries = dict(country_choices())
    with st.form(form_key("add_lead")):
        one, two = st.columns(2)
        company = one.text_input("Company")
        errors.slot("company")
        website = two.text_input("Website or domain")
        errors.slot("website")
        first, last = one.text_input("Contact's first name"), two.text_input("Last name")
        email = one.text_input("E-mail")
        errors.slot("email")
        phone = two.text_input("Phone", help="With its country code, e.g. +49 89 123456.")
        errors.slot("phone")
        title = one.text_input("Title")
        country = two.selectbox("Country *", list(countries), index=None,
                                format_func=countries.get, placeholder="Choose a country")
        errors.slot("country")
        state, postal = one.text_input("State or region"), two.text_input("Postal code")
        city = one.text_input("City")
        industry = two.selectbox("Industry", INDUSTRIES, index=None, placeholder="Any")
        size = one.text_input("Company size", placeholder="e.g. 51-200")
        line = two.selectbox("Product line of interest", lines, index=None,
                             format_func=str.title, placeholder="None")
        errors.slot("product_line")
        source, campaign = one.text_input("Source"), two.text_input("Campaign")
        activity = one.selectbox("Funded activity", list(activities), index=None,
                                 format_func=activities.get, placeholder="None",
                                 help="The MDF or co-op activity the lead came from (ROI).")
        errors.slot("fund_activity")
        notes = st.text_area("Notes")
        st.caption("A country, and the contact's e-mail or the company, are needed.")
        sent = st.form_submit_button("Add the lead", type="primary")
    if sent:
        data = {"company": company, "website": website, "first_name": first, "last_name": last,
                "email": email, "phone": phone, "title": title, "country": country or "",
                "state": state, "postal_code": postal, "city": city, "industry": industry,
                "company_size": size, "product_line": line or "", "source": source,
                "campaign": campaign, "notes": notes, "fund_activity": activity}
        submit(lambda session: create_lead(session, actor, data),
               lambda lead: f"Lead #{lead.id} added: {lead.company}. It waits in the queue.",
               errors=errors, failed="Nothing was added.", form="add_lead")
