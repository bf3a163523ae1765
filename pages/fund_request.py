import streamlit as st

from core.errors import DomainError
from core.funds import (
    add_proof,
    answer_request,
    approve_claim,
    approve_request,
    ask_claim_proof,
    ask_request_info,
    claim_file,
    get_request,
    history,
    record_payment,
    reject_claim,
    reject_request,
    share_of,
    submit_claim,
    withdraw_request,
)
from core.funds.programs import get_program
from core.money import base_money
from core.permissions import can
from core.validation.parsers import checked, parse_amount
from db.types import utcnow
from ui.actions import show_flash, submit
from ui.context import db, local_time
from ui.forms import FieldErrors, form_key
from ui.guard import page_guard
from ui.markdown import plain
from ui.records import back_to, record_id
from ui.tables import table, text_col, time_col

PROOF_TYPES = ["pdf", "png", "jpg", "jpeg", "csv", "xlsx"]

user = page_guard(__file__)
actor = user.actor

back_to("funds" if actor.is_partner else "fund_desk", "Back to funds")
show_flash()
if (request_id := record_id("fund request")) is None:
    st.stop()
try:
    with db() as session:
        r = get_request(session, actor, request_id)
        events = history(session, actor, request_id)
        program = get_program(session, actor, r.program_id)
except DomainError as exc:  # not found, or another partner's
    st.error(plain(str(exc)))
    st.stop()

st.title(plain(r.name))
st.caption(f"Fund request #{r.id} · {r.status_label}"
           + ("" if actor.is_partner else f" · {plain(r.partner_name)}"))
st.markdown(
    f"**Program:** {plain(r.program_name)} · **Type:** {r.activity_label}  \n"
    f"**When:** {r.starts_on:%Y-%m-%d} to {r.ends_on:%Y-%m-%d}  \n"
    f"**Requested:** {base_money(r.requested_amount, symbol=False)}"
    + (f" · **Approved:** {base_money(r.approved_amount, symbol=False)}"
       if r.approved_amount is not None else "")
    + (f" · **Claim due by:** {r.claim_due_on:%Y-%m-%d}" if r.claim_due_on else "") + "  \n"
    f"**Expected:** {r.expected_leads:,} leads, "
    f"{base_money(r.expected_pipeline, symbol=False)} pipeline")
if r.description:
    st.caption(plain(r.description))
if r.decision_note:
    st.info(f"Note from marketing: {plain(r.decision_note)}")

claim = r.claim
if claim is not None:
    st.subheader(f"Claim: {claim.status_label}")
    st.markdown(
        f"**Actual spend:** {base_money(claim.actual_spend, symbol=False)} · **Claimed:** "
        f"{base_money(claim.claimed_amount, symbol=False)}"
        + (f" · **Approved:** {base_money(claim.approved_amount, symbol=False)}"
           if claim.approved_amount is not None else "")
        + f" · **Paid:** {base_money(claim.paid_amount, symbol=False)}  \n"
        f"**Results:** {claim.leads:,} leads, {claim.attendees:,} attendees, "
        f"{claim.opportunities:,} opportunities"
        + (f"  \n**Payment:** {claim.paid_on:%Y-%m-%d}, reference "
           f"{plain(claim.payment_reference or '')}" if claim.paid_on else ""))
    if claim.note:
        st.caption(plain(claim.note))
    if claim.decision_note:
        st.info(f"Note from finance: {plain(claim.decision_note)}")
    st.markdown("**Proof of performance**")
    for f in claim.files:
        def build(file_id=f.id, claim_id=claim.id):
            with db() as s:
                return claim_file(s, actor, claim_id, file_id).data
        st.download_button(f"{f.file_name} ({f.kind}, {f.size / 1024:,.0f} KB)", build,
                           file_name=f.file_name, icon=":material/attach_file:",
                           on_click="ignore", key=f"proof-{f.id}",
                           disabled=not can(actor, "fund.files"))


def note_form(key: str, title: str, label: str, button: str, done: str, write,
              field: str = "note") -> None:
    with st.expander(title):
        errors = FieldErrors()
        with st.form(form_key(key)):
            text = st.text_area(label, max_chars=1000)
            errors.slot(field)
            if st.form_submit_button(button):
                submit(lambda s: write(s, text), done, errors=errors, form=key)


def decision_form(key: str, title: str, cap: str, button: str, done: str, write) -> None:
    with st.expander(title, expanded=True):
        errors = FieldErrors()
        with st.form(form_key(key)):
            amount = st.text_input(f"Amount (empty: all {cap})")
            errors.slot("amount")
            note = st.text_input("Comment", max_chars=1000)
            errors.slot("note")
            if st.form_submit_button(button, type="primary"):
                def run(s):
                    value = checked("amount", parse_amount, amount, what="amount") \
                        if amount.strip() else None  # empty: all of it
                    return write(s, value, note)
                submit(run, done, errors=errors, form=key)


def partner_actions() -> None:
    if r.status == "info_requested":
        note_form("fund_answer", "Answer marketing", "Your answer *", "Send the answer",
                  "Answered: the request is back with marketing.",
                  lambda s, t: answer_request(s, actor, r.id, t))
    if r.status in ("submitted", "info_requested") and st.button(
            "Withdraw the request", icon=":material/undo:"):
        submit(lambda s: withdraw_request(s, actor, r.id),
               "Withdrawn: the amount is available again.")
    if r.status == "approved":
        claim_form()
    if claim is not None and claim.status in ("submitted", "proof_requested"):
        with st.expander("Add proof", expanded=claim.status == "proof_requested"):
            errors = FieldErrors()
            with st.form(form_key("fund_proof")):
                files = st.file_uploader("Files (PDF, PNG, JPEG, CSV, XLSX) *",
                                         type=PROOF_TYPES, accept_multiple_files=True)
                errors.slot("file")
                note = st.text_input("Note")
                errors.slot("note")
                if st.form_submit_button("Add the files"):
                    uploads = [(f.name, f.getvalue()) for f in files or []]
                    submit(lambda s: add_proof(s, actor, r.id, uploads, note),
                           "Added: finance sees the new proof.", errors=errors,
                           form="fund_proof")


def claim_form() -> None:
    st.subheader("Claim")
    today = utcnow().date()
    if today < r.ends_on:
        st.caption(f"Claim once the activity is over (after {r.ends_on:%Y-%m-%d}).")
        return
    st.caption(f"At most {base_money(r.approved_amount, symbol=False)} (the approved amount) "
               f"and at most {program.reimbursement_percent:g}% of the actual spend. Due by "
               f"{r.claim_due_on:%Y-%m-%d}.")
    errors = FieldErrors()
    with st.form(form_key("fund_claim")):
        spend = st.text_input("Actual spend *", placeholder="e.g. 12,400")
        errors.slot("actual_spend")
        claimed = st.text_input("Amount claimed *", placeholder="e.g. 6,200")
        errors.slot("claimed_amount")
        results = st.columns(3)
        leads = results[0].number_input("Leads", min_value=0, step=1)
        attendees = results[1].number_input("Attendees", min_value=0, step=1)
        opportunities = results[2].number_input("Opportunities", min_value=0, step=1)
        errors.slot("leads")
        note = st.text_area("What happened", max_chars=4000)
        errors.slot("note")
        files = st.file_uploader("Proof of performance (PDF, PNG, JPEG, CSV, XLSX) *",
                                 type=PROOF_TYPES, accept_multiple_files=True)
        errors.slot("file")
        if st.form_submit_button("Submit the claim", type="primary"):
            uploads = [(f.name, f.getvalue()) for f in files or []]
            submit(lambda s: submit_claim(s, actor, r.id, {
                "actual_spend": spend, "claimed_amount": claimed, "leads": leads,
                "attendees": attendees, "opportunities": opportunities, "note": note},
                uploads), "Claim submitted: finance reviews it.", errors=errors,
                failed="Nothing was claimed.", form="fund_claim")


def marketing_actions() -> None:
    if r.status != "submitted":
        return
    decision_form("fund_approve", "Approve", f"{base_money(r.requested_amount)} requested",
                  "Approve", "Approved: the amount is committed.",
                  lambda s, a, n: approve_request(s, actor, r.id, a, n))
    note_form("fund_reject", "Reject", "Why *", "Reject the request",
              "Rejected: the amount is released.",
              lambda s, t: reject_request(s, actor, r.id, t))
    note_form("fund_info", "Ask for more information", "Question *", "Ask the partner",
              "Asked: the partner answers on this page.",
              lambda s, t: ask_request_info(s, actor, r.id, t))


def finance_actions() -> None:
    if claim is None:
        return
    if claim.status == "submitted" and can(actor, "fund.review_claim"):
        share = share_of(claim.actual_spend, int(program.reimbursement_percent * 100))
        st.caption(f"The program reimburses {program.reimbursement_percent:g}% of the spend: "
                   f"at most {base_money(share)} of {base_money(claim.actual_spend)}.")
        decision_form("claim_approve", "Approve the claim", f"{base_money(claim.claimed_amount)}"
                      " claimed", "Approve", "Claim approved: it waits for payment.",
                      lambda s, a, n: approve_claim(s, actor, r.id, a, n))
        note_form("claim_reject", "Reject the claim", "Why *", "Reject the claim",
                  "Rejected: the commitment is released.",
                  lambda s, t: reject_claim(s, actor, r.id, t))
        note_form("claim_proof", "Ask for more proof", "What is missing *", "Ask the partner",
                  "Asked: the partner adds proof on this page.",
                  lambda s, t: ask_claim_proof(s, actor, r.id, t))
    if claim.status == "approved" and can(actor, "fund.pay"):
        owed = claim.approved_amount - claim.paid_amount
        with st.expander("Record the payment", expanded=True):
            errors = FieldErrors()
            with st.form(form_key("claim_pay")):
                paid_on = st.date_input("Paid on *", value=utcnow().date())
                errors.slot("paid_on")
                reference = st.text_input("Payment reference *", max_chars=100)
                errors.slot("reference")
                amount = st.text_input("Amount paid *", value=f"{owed:.2f}")
                errors.slot("amount")
                if st.form_submit_button("Record the payment", type="primary"):
                    submit(lambda s: record_payment(s, actor, r.id, {
                        "paid_on": paid_on, "reference": reference, "amount": amount}),
                        "Payment recorded.", errors=errors, form="claim_pay")


if can(actor, "fund.request"):
    partner_actions()
if can(actor, "fund.review_request"):
    marketing_actions()
if can(actor, "fund.review_claim") or can(actor, "fund.pay"):
    finance_actions()

st.subheader("History")
table([{"at": e.at, "by": e.actor, "what": e.action, "note": e.note} for e in events],
      {"at": time_col("When", 140), "by": text_col("By", 150), "what": text_col("What", 170),
       "note": text_col("Note", "large")}, key="fund_history")
if r.submitted_at:
    st.caption(f"Submitted {local_time(r.submitted_at)}.")
