import streamlit as st

from core.errors import NotFound
from core.permissions import can
from core.portal.requests import (
    CATEGORIES,
    STATUSES,
    get_request,
    list_requests,
    open_request,
    reply,
    request_file,
    resolve,
)
from ui.actions import show_flash, submit
from ui.context import db
from ui.forms import FieldErrors, form_key
from ui.guard import page_guard
from ui.markdown import plain
from ui.tables import flag_col, table, text_col, time_col

KINDS = ["pdf", "png", "jpg", "jpeg", "pptx", "docx", "xlsx"]

user = page_guard(__file__)
actor = user.actor
vendor = can(actor, "portal.answer")


def _file(file_id: int) -> bytes:
    """An attachment, read through its request's scoping when its button is pressed."""
    with db() as session:
        return request_file(session, actor, file_id)[1]


st.title("Requests")
show_flash()
st.caption("Questions for the channel team (pricing, marketing help, technical, deal help): "
           "the first answer comes within the hours your tier promises."
           if not vendor else "Partners' requests to the channel team. The first answer is "
           "due within the hours of the partner's tier; overdue ones lead.")

if can(actor, "portal.request"):
    with st.expander("Ask the channel team", icon=":material/add_comment:"):
        errors = FieldErrors()
        with st.form(form_key("new_request")):
            category = st.selectbox("About *", list(CATEGORIES), format_func=CATEGORIES.get)
            subject = st.text_input("Subject *", max_chars=200)
            errors.slot("subject")
            body = st.text_area("Your request *", height=150)
            errors.slot("body")
            files = st.file_uploader("Files (optional)", type=KINDS, accept_multiple_files=True)
            errors.slot("file")
            if st.form_submit_button("Send the request", type="primary"):
                submit(lambda s: open_request(s, actor, {
                    "category": category, "subject": subject, "body": body},
                    [(f.name, f.getvalue()) for f in files or []]),
                    lambda r: f"Sent. The first answer is due by "
                              f"{r.first_response_due_at:%Y-%m-%d %H:%M} UTC.",
                    errors=errors, failed="Nothing was sent.", form="new_request")

cols = st.columns([2, 2])
status = cols[0].selectbox("Status", list(STATUSES), format_func=STATUSES.get, index=None,
                           placeholder="Any status", key="requests_status")
mine = vendor and cols[1].toggle("Only my partners'", key="requests_mine")
with db() as session:
    requests = list_requests(session, actor, status=status, mine=mine)

table([{"id": r.id, "partner": r.partner, "subject": r.subject,
        "about": CATEGORIES[r.category], "status": r.status_label, "overdue": r.overdue,
        "opened": r.created_at, "updated": r.updated_at} for r in requests],
      {"id": text_col("#", 50), "partner": text_col("Partner", 160),
       "subject": text_col("Subject", "large"), "about": text_col("About", 110),
       "status": text_col("Status", 150), "overdue": flag_col("Overdue", 70),
       "opened": time_col("Opened"), "updated": time_col("Last message")},
      key="requests_table")

labels = {r.id: f"#{r.id} · {r.subject} · {r.status_label}" for r in requests}
asked = st.query_params.get("id")
chosen_default = int(asked) if asked and asked.isdigit() and int(asked) in labels else None
chosen = st.selectbox("Open a request", list(labels), format_func=labels.get,
                      index=list(labels).index(chosen_default) if chosen_default else None,
                      placeholder="Choose one", key="requests_open")

if chosen is not None:
    try:
        with db() as session:
            detail = get_request(session, actor, chosen)
    except NotFound:
        st.error("This request is not there (or not yours).")
        st.stop()
    r = detail.request
    st.subheader(f"#{r.id} {plain(r.subject)}")
    st.caption(f"{plain(r.partner)} · {CATEGORIES[r.category]} · {r.status_label}"
               + (f" · manager {plain(r.manager)}" if r.manager else "")
               + (" · **first answer overdue**" if r.overdue else
                  f" · first answer due by {r.first_response_due_at:%Y-%m-%d %H:%M} UTC"
                  if r.first_responded_at is None else ""))
    for m in detail.messages:
        with st.chat_message("assistant" if m.from_vendor else "user"):
            st.markdown(f"**{plain(m.author)}** · {m.at:%Y-%m-%d %H:%M} UTC")
            st.markdown(plain(m.body))
            for f in m.files:
                st.download_button(f"{f.file_name} ({f.size:,} bytes)",
                                   lambda i=f.id: _file(i), file_name=f.file_name,
                                   key=f"request_file_{f.id}", on_click="ignore",
                                   icon=":material/attach_file:")
    reply_errors = FieldErrors()
    with st.form(form_key(f"reply_{r.id}")):
        text = st.text_area("Your message", height=120)
        reply_errors.slot("body")
        attach = st.file_uploader("Files", type=KINDS, accept_multiple_files=True)
        reply_errors.slot("file")
        done = st.checkbox("This resolves the request") if vendor else False
        if st.form_submit_button("Send", type="primary"):
            submit(lambda s: reply(s, actor, r.id, {"body": text},
                                   [(f.name, f.getvalue()) for f in attach or []],
                                   resolve=done),
                   "Sent.", errors=reply_errors, failed="Nothing was sent.",
                   form=f"reply_{r.id}")
    if r.status != "resolved" and st.button("Mark as resolved"):
        submit(lambda s: resolve(s, actor, r.id), "Resolved.")

