from datetime import timedelta

import streamlit as st

from core.actor import PARTNER_ROLES
from core.catalog import list_product_lines
from core.deals.schemas import STAGE_LABELS as STAGES
from core.errors import DomainError
from core.leads import (
    DISQUALIFY_REASONS,
    REJECT_REASONS,
    LeadOut,
    accept_lead,
    assign_lead,
    convert_lead,
    disqualify_lead,
    disqualify_queued,
    erase_contact,
    get_lead,
    hand_over,
    offer_history,
    reject_lead,
    rename_company,
    return_lead,
    route_leads,
    teammates,
)
from core.partners import partner_choices
from core.permissions import can
from db.types import utcnow
from ui.actions import show_flash, submit
from ui.context import db, local_time
from ui.forms import FieldErrors, form_key
from ui.guard import page_guard
from ui.markdown import plain
from ui.records import back_to, record_id
from ui.tables import table, text_col, time_col

user = page_guard(__file__)
actor = user.actor
partner_side = actor.role in PARTNER_ROLES

back_to("leads_inbox" if partner_side else "leads", "Back to the leads")
show_flash()
if (lead_id := record_id("lead")) is None:
    st.stop()
try:
    with db() as session:
        lead = get_lead(session, actor, lead_id)
        offers = offer_history(session, actor, lead_id)
except DomainError as exc:  # not found, or not this partner's: core says which it may see
    st.error(plain(str(exc)))
    st.stop()


def facts(x: LeadOut) -> None:
    st.title(plain(x.company) + (" (named from its domain)" if x.company_from_domain else ""))
    st.caption(f"Lead #{x.id} · {x.status_label}" + (f" · {plain(x.partner)}" if x.partner
                                                      and not partner_side else ""))
    where = ", ".join(p for p in (x.city, x.state, x.postal_code, x.country) if p)
    st.markdown(
        f"**Where:** {plain(where)} ({x.region})  \n"
        f"**Website:** {plain(x.website or x.domain or 'none')}  \n"
        f"**Industry:** {plain(x.industry or 'none')} · **Size:** "
        f"{plain(x.company_size or 'unknown')} · **Interest:** "
        f"{plain(x.product_line or 'none')}  \n"
        f"**Source:** {plain(x.source or 'none')} · **Campaign:** {plain(x.campaign or 'none')}")
    st.subheader("Contact")
    if not x.contact_shown:
        st.info("The contact's name, e-mail and phone show once your company accepts the "
                "lead.", icon=":material/lock:")
    elif x.erased:
        st.caption("The contact's personal data was erased on request.")
    else:
        st.markdown(f"**{plain(x.contact_name or 'no name')}**"
                    f"{' · ' + plain(x.title) if x.title else ''}  \n"
                    f"{plain(x.email or 'no e-mail')} · {plain(x.phone or 'no phone')}")
        if x.notes:
            st.caption(plain(x.notes))
    if x.deadline_at is not None:
        st.warning(f"Waiting for an answer until {local_time(x.deadline_at)}.",
                   icon=":material/timer:")
    if x.outcome_reason:
        st.caption(f"Outcome: {plain(x.outcome_reason)}")
    if x.deal_id:
        st.page_link("pages/deal.py", label=f"Deal registration #{x.deal_id}",
                     query_params={"id": str(x.deal_id)}, icon=":material/description:")


def history() -> None:
    st.subheader("Offers")
    table([{"partner": o.partner, "status": o.status_label, "offered": o.offered_at,
            "answered": o.answered_at, "reason": o.reason,
            "score": o.score} for o in offers],
          {"partner": text_col("Partner", 180), "status": text_col("Status", 150),
           "offered": time_col("Offered", 140), "answered": time_col("Ended", 140),
           "reason": text_col("Reason", "medium"),
           "score": st.column_config.NumberColumn("Score", format="%.1f", width="small")})
    for o in offers:
        if o.why:
            with st.expander(f"Why {o.partner} ({local_time(o.offered_at)})"):
                st.markdown("\n".join(f"- {plain(line)}" for line in o.why))


def partner_actions(x: LeadOut) -> None:
    if x.status == "offered":
        accept, reject = st.columns(2)
        if accept.button("Accept the lead", type="primary", icon=":material/check:"):
            submit(lambda s: accept_lead(s, actor, x.id),
                   "Accepted: the lead is yours, with its contact.")
        with reject.popover("Reject", icon=":material/close:"):
            errors = FieldErrors()
            with st.form(form_key("reject_lead")):
                reason = st.selectbox("Why", list(REJECT_REASONS), format_func=REJECT_REASONS.get)
                errors.slot("reason")
                note = st.text_input("Note (needed for Other)")
                errors.slot("note")
                if st.form_submit_button("Reject the lead"):
                    submit(lambda s: reject_lead(s, actor, x.id, reason, note),
                           "Rejected: the lead goes to another partner.", errors=errors,
                           form="reject_lead")
    if x.status != "accepted":
        return
    st.subheader("Convert into a deal registration")
    st.caption("Filled from the lead; the registration is checked for conflicts like any "
               "other.")
    errors = FieldErrors()
    with db() as session:
        lines = {p.id: p.name for p in list_product_lines(session, actor)}
    interest = [i for i, name in lines.items() if name == x.product_line]
    with st.form(form_key("convert_lead")):
        product_line_ids = st.multiselect("Product lines *", list(lines), default=interest,
                                          format_func=lines.get)
        errors.slot("product_line_ids")
        value = st.text_input("Estimated value *", placeholder="e.g. 25,000")
        errors.slot("estimated_value")
        close = st.date_input("Expected close date *", value=utcnow().date() + timedelta(
            days=60))
        errors.slot("expected_close_date")
        stage = st.selectbox("Stage", list(STAGES), format_func=STAGES.get)
        errors.slot("stage")
        errors.slot("contact_email")
        errors.slot("contact_name")
        if st.form_submit_button("Register the deal", type="primary"):
            submit(lambda s: convert_lead(s, actor, x.id, {
                "estimated_value": value, "expected_close_date": close, "stage": stage,
                "product_line_ids": product_line_ids}),
                lambda done: f"Converted: deal registration #{done.deal_id} submitted.",
                errors=errors, failed="Nothing was registered.", form="convert_lead")
    with st.expander("Disqualify"):
        errors = FieldErrors()
        with st.form(form_key("disqualify_lead")):
            reason = st.selectbox("Why", list(DISQUALIFY_REASONS),
                                  format_func=DISQUALIFY_REASONS.get)
            note = st.text_input("Note (needed for Other)")
            errors.slot("note")
            if st.form_submit_button("Disqualify the lead"):
                submit(lambda s: disqualify_lead(s, actor, x.id, reason, note),
                       "Disqualified.", errors=errors, form="disqualify_lead")
    if can(actor, "lead.hand_over"):
        with db() as session:
            team = dict(teammates(session, actor))
        with st.expander("Hand to a teammate"):
            chosen = st.selectbox("Teammate", list(team), format_func=team.get, index=None)
            if st.button("Hand it over", disabled=chosen is None):
                submit(lambda s: hand_over(s, actor, x.id, chosen),
                       f"Handed to {team.get(chosen)}.")


def reason_form(title: str, key: str, button: str, done: str, write) -> None:
    """An expander with a form asking why, that writes `write(session, reason)`."""
    with st.expander(title):
        errors = FieldErrors()
        with st.form(form_key(key)):
            reason = st.text_input("Why *")
            errors.slot("reason")
            if st.form_submit_button(button):
                submit(lambda s: write(s, reason), done, errors=errors, form=key)


def vendor_actions(x: LeadOut) -> None:
    waiting = x.status in ("new", "rejected", "returned")
    if can(actor, "lead.manage") and waiting and st.button("Route it now",
                                                           icon=":material/send:"):
        submit(lambda s: route_leads(s, actor, [x.id]), lambda r: r.message + ".")
    if can(actor, "lead.assign") and x.status in ("new", "offered", "rejected", "returned"):
        with st.expander("Assign by hand"):
            with db() as session:
                partners = dict(partner_choices(session, actor))
            errors = FieldErrors()
            with st.form(form_key("assign_lead")):
                partner = st.selectbox("Partner", list(partners), format_func=partners.get,
                                       index=None)
                errors.slot("partner")
                reason = st.text_input("Why this partner *")
                errors.slot("reason")
                if st.form_submit_button("Offer it to this partner"):
                    submit(lambda s: assign_lead(s, actor, x.id, partner, reason),
                           "Offered by hand.", errors=errors, form="assign_lead")
    if can(actor, "lead.manage") and x.status in ("new", "offered", "rejected", "accepted"):
        reason_form("Return to the vendor queue", "return_lead", "Return it", "Returned.",
                    lambda s, why: return_lead(s, actor, x.id, why))
    if can(actor, "lead.manage") and waiting:
        reason_form("Disqualify", "drop_lead", "Disqualify it", "Disqualified.",
                    lambda s, why: disqualify_queued(s, actor, x.id, why))
    if can(actor, "lead.manage") and x.company_from_domain:
        with st.expander("Correct the company's name"):
            errors = FieldErrors()
            with st.form(form_key("rename_company")):
                name = st.text_input("Company", value=x.company)
                errors.slot("company")
                if st.form_submit_button("Save"):
                    submit(lambda s: rename_company(s, actor, x.id, name), "Saved.",
                           errors=errors, form="rename_company")
    if can(actor, "lead.erase") and not x.erased:
        with st.expander("Erase the contact's personal data"):
            st.caption("Name, e-mail, phone, title and notes are replaced for good; the "
                       "company, place and outcome stay for reporting.")
            if st.button("Erase", type="primary"):
                submit(lambda s: erase_contact(s, actor, x.id), "Contact erased.")


facts(lead)
if partner_side:
    partner_actions(lead)
    if offers:
        st.caption(f"Offered to your company {len(offers)} time(s).")
else:
    vendor_actions(lead)
    history()
