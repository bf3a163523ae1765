import streamlit as st

from core.crm.keys import SCOPES, create_key, list_keys, revoke_key
from core.crm.outbox import EVENT_TYPES
from core.crm.subscriptions import (
    create_subscription,
    delivery_log,
    list_subscriptions,
    replay,
    set_active,
)
from core.partners import partner_choices
from ui.actions import show_flash, submit
from ui.context import db
from ui.forms import FieldErrors, form_key
from ui.guard import page_guard
from ui.markdown import plain
from ui.tables import count_col, table, text_col, time_col

user = page_guard(__file__)
actor = user.actor

st.title("Integrations")
show_flash()
st.caption("Webhooks: each event (a deal registered, approved, won; a lead accepted; a claim "
           "paid; a tier changed...) is written to an outbox with the change and sent to each "
           "receiver that wants it, signed with its secret (`X-PRM-Signature: t=<unix "
           "seconds>,v1=<HMAC-SHA256 of \"t.body\">`), in order per record, retried with "
           "backoff. `X-PRM-Delivery` is the event's idempotency key, the same on every retry "
           "and replay.")
with db() as session:
    subscriptions = list_subscriptions(session, actor)
    partners = dict(partner_choices(session, actor))
    keys = list_keys(session, actor)

st.subheader("API keys")
st.caption("Each integration calls the API with its own key (`Authorization: Bearer prm_...`):"
           " shown once, kept only as a hash, limited to its scopes and, for a partner's own "
           "CRM, to that partner's records. A revoked key is refused from its next call.")


def shown_once(new) -> None:
    st.success(f"Key created for {plain(new.key.name)}. Copy it now: it is not shown again.")
    st.code(new.secret, language=None)


with st.expander("New API key", expanded=not keys):
    key_errors = FieldErrors()
    with st.form(form_key("new_api_key")):
        key_name = st.text_input("Integration name *", max_chars=120,
                                 placeholder="Salesforce sync")
        key_errors.slot("name")
        scopes = st.multiselect("Scopes *", list(SCOPES), format_func=SCOPES.get)
        key_errors.slot("scopes")
        key_partner = st.selectbox("Limited to this partner (empty: vendor-wide)",
                                   list(partners), format_func=partners.get, index=None)
        key_errors.slot("partner_id")
        if st.form_submit_button("Create the key", type="primary"):
            submit(lambda s: create_key(s, actor, {"name": key_name, "scopes": scopes,
                                                   "partner_id": key_partner}),
                   errors=key_errors, failed="No key was created.", then=shown_once,
                   form="new_api_key")
if keys:
    table([{"name": k.name, "prefix": f"{k.prefix}…", "scopes": ", ".join(k.scopes),
            "partner": k.partner_name or "vendor-wide", "created": k.created_at,
            "used": k.last_used_at, "revoked": k.revoked_at} for k in keys],
          {"name": text_col("Integration", 160), "prefix": text_col("Key", 120),
           "scopes": text_col("Scopes", "medium"), "partner": text_col("Partner", 140),
           "created": time_col("Created", 140), "used": time_col("Last used", 140),
           "revoked": time_col("Revoked", 140)}, key="api_keys")
    live = {k.id: f"{k.name} ({k.prefix}…)" for k in keys if k.revoked_at is None}
    if live:
        cols = st.columns([3, 1])
        doomed = cols[0].selectbox("Key to revoke", list(live), format_func=live.get,
                                   index=None)
        if cols[1].button("Revoke", disabled=doomed is None):
            submit(lambda s: revoke_key(s, actor, doomed), "Key revoked: its next call is "
                   "refused.")

st.subheader("Webhooks")

with st.expander("New webhook receiver", expanded=not subscriptions):
    errors = FieldErrors()
    with st.form(form_key("new_webhook")):
        name = st.text_input("Name *", max_chars=120, placeholder="Salesforce sync")
        errors.slot("name")
        url = st.text_input("URL *", max_chars=500,
                            placeholder="https://crm.example.com/hooks/prm")
        errors.slot("url")
        types = st.multiselect("Events (none: all)", list(EVENT_TYPES),
                               format_func=lambda t: f"{t} — {EVENT_TYPES[t]}")
        errors.slot("event_types")
        partner = st.selectbox("Only this partner's events (empty: every partner's)",
                               list(partners), format_func=partners.get, index=None)
        errors.slot("partner_id")
        if st.form_submit_button("Add the receiver", type="primary"):
            submit(lambda s: create_subscription(s, actor, {
                "name": name, "url": url, "event_types": types, "partner_id": partner}),
                lambda out: f"Added {plain(out.name)}. Its signing secret is under its name "
                            "below: give it to the receiver.", errors=errors,
                failed="Nothing was added.", form="new_webhook")

for s in subscriptions:
    cols = st.columns([4, 2, 2])
    scope = f" · {plain(s.partner_name)} only" if s.partner_name else ""
    cols[0].markdown(f"**{plain(s.name)}** · `{s.url.replace('`', '')}`{scope}  \n"
                     f"{', '.join(s.event_types) or 'every event'} · "
                     f"{s.pending:,} pending, {s.failed:,} failed"
                     + ("" if s.active else " · **paused**"))
    with cols[1].popover("Signing secret"):
        st.code(s.secret, language=None)
    label = "Pause" if s.active else "Resume"
    if cols[2].button(label, key=f"webhook_active_{s.id}"):
        submit(lambda session, s=s: set_active(session, actor, s.id, not s.active),
               f"{label}d {plain(s.name)}.")

if subscriptions:
    st.subheader("Delivery log")
    statuses = {"": "Any status", "pending": "Pending", "delivered": "Delivered",
                "failed": "Failed"}
    status = st.selectbox("Status", list(statuses), format_func=statuses.get)
    with db() as session:
        rows = delivery_log(session, actor, status=status or None)
    table([{"id": r.id, "when": r.occurred_at, "receiver": r.subscription,
            "event": r.event_type, "record": r.record, "status": r.status,
            "attempts": r.attempts, "answer": r.last_status, "error": r.last_error,
            "next": r.next_attempt_at if r.status == "pending" else None,
            "delivered": r.delivered_at} for r in rows],
          {"id": count_col("#"), "when": time_col("Event at", 140),
           "receiver": text_col("Receiver", 140), "event": text_col("Event", 140),
           "record": text_col("Record", 100), "status": text_col("Status", 90),
           "attempts": count_col("Attempts"), "answer": count_col("HTTP"),
           "error": text_col("Error", "medium"), "next": time_col("Next try", 140),
           "delivered": time_col("Delivered", 140)}, key="webhook_log")
    done = [r.id for r in rows if r.status != "pending"]
    if done:
        cols = st.columns([2, 1])
        chosen = cols[0].selectbox("Delivery to send again", done, format_func=lambda i: f"#{i}")
        if cols[1].button("Replay", icon=":material/replay:"):
            submit(lambda session: replay(session, actor, chosen),
                   f"Delivery #{chosen} will be sent again at the next run.")
