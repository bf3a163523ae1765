"""The outbox: an event is written in the caller's transaction (so it exists exactly when the
change does), with one delivery for each active subscription that wants it. The active
subscriptions are one small read per event; a paused one gets nothing new."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.audit import jsonable
from db.models import WebhookDelivery, WebhookEvent, WebhookSubscription

# What a subscription may ask for; "as each capability exists".
EVENT_TYPES = {
    "deal.registered": "A deal registered", "deal.approved": "A deal approved",
    "deal.rejected": "A deal rejected", "deal.expired": "A deal's protection expired",
    "deal.won": "A deal won", "deal.lost": "A deal lost",
    "lead.accepted": "A lead accepted", "lead.rejected": "A lead rejected",
    "lead.returned": "A lead returned to the vendor", "lead.converted": "A lead converted",
    "claim.paid": "A fund claim paid", "partner.tier_changed": "A partner's tier changed",
    "incentive.approved": "An incentive statement approved",
    "incentive.paid": "An incentive payment",
}


def known(values: list[str], allowed, what: str) -> list[str]:
    """`values` sorted and once each, every one of `allowed`; ValueError naming the others."""
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValueError(f"Unknown {what}: {', '.join(unknown)}.")
    return sorted(set(values))


def emit(db: Session, event_type: str, record: str, partner_id: int | None,
         data: dict[str, Any], at: datetime) -> WebhookEvent | None:
    """Write the event and its deliveries; nothing when no active subscription wants it (a
    receiver gets the events from its subscription on, as webhooks go)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event {event_type}")
    wanted = [s for s, types, scope in db.execute(
        select(WebhookSubscription.id, WebhookSubscription.event_types,
               WebhookSubscription.partner_id).where(WebhookSubscription.active))
        if (not types or event_type in types) and (scope is None or scope == partner_id)]
    if not wanted:
        return None
    key = uuid.uuid4().hex
    payload = {"id": key, "type": event_type, "occurred_at": at.isoformat(),
               "data": jsonable(data)}
    event = WebhookEvent(event_type=event_type, record=record, partner_id=partner_id,
                         idempotency_key=key, payload=payload, occurred_at=at, created_at=at)
    db.add(event)
    db.flush()
    db.execute(insert(WebhookDelivery), [
        {"event_id": event.id, "subscription_id": s, "record": record, "status": "pending",
         "attempts": 0, "next_attempt_at": at, "created_at": at} for s in wanted])
    return event
