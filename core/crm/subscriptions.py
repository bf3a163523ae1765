"""Webhook subscriptions and their delivery log: the admin's (Integrations page)."""

import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from pydantic import BaseModel, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.crm.outbox import EVENT_TYPES, known
from core.errors import NotFound, RuleViolation
from core.permissions import require
from core.validation import RequiredText, as_model
from db.models import Partner, WebhookDelivery, WebhookEvent, WebhookSubscription
from db.types import utcnow


class SubscriptionIn(BaseModel):
    name: RequiredText(120, "Name the receiver.", too_long="Keep the name to 120 characters.") \
        = ""
    url: RequiredText(500, "Enter the receiver's URL.", too_long="Keep the URL to 500 "
                      "characters.") = ""
    event_types: list[str] = []
    partner_id: int | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        parts = urlsplit(v)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("Enter an http:// or https:// address, e.g. "
                             "https://crm.example.com/hooks/prm.")
        return v

    @field_validator("event_types")
    @classmethod
    def _types(cls, v: list[str]) -> list[str]:
        return known(v, EVENT_TYPES, "event type(s)")


@dataclass(frozen=True)
class SubscriptionOut:
    id: int
    name: str
    url: str
    secret: str
    event_types: tuple[str, ...]
    partner_id: int | None
    partner_name: str | None
    active: bool
    pending: int
    failed: int


def _out(db: Session, s: WebhookSubscription) -> SubscriptionOut:
    counts = dict(db.execute(select(WebhookDelivery.status, func.count()).where(
        WebhookDelivery.subscription_id == s.id).group_by(WebhookDelivery.status)).all())
    partner = db.get(Partner, s.partner_id).name if s.partner_id else None
    return SubscriptionOut(s.id, s.name, s.url, s.secret, tuple(s.event_types), s.partner_id,
                           partner, s.active, counts.get("pending", 0), counts.get("failed", 0))


def create_subscription(db: Session, actor: Actor, data: SubscriptionIn | dict, *,
                        now: datetime | None = None) -> SubscriptionOut:
    require(actor, "integration.manage")
    now = now or utcnow()
    data = as_model(SubscriptionIn, data)
    if data.partner_id is not None and db.get(Partner, data.partner_id) is None:
        raise RuleViolation("Choose the partner from the list.", field="partner_id")
    s = WebhookSubscription(name=data.name, url=data.url, event_types=data.event_types,
                            partner_id=data.partner_id, secret="whsec_" + secrets.token_hex(24),
                            active=True, created_by_user_id=actor.user_id, created_at=now)
    db.add(s)
    db.flush()
    audit.record(db, actor, "integration.webhook_create", "webhook_subscription", s.id,
                 after={"name": s.name, "url": s.url, "event_types": s.event_types,
                        "partner_id": s.partner_id}, now=now)
    return _out(db, s)


def list_subscriptions(db: Session, actor: Actor) -> list[SubscriptionOut]:
    require(actor, "integration.manage")
    return [_out(db, s) for s in db.scalars(select(WebhookSubscription).order_by(
        WebhookSubscription.id))]


def set_active(db: Session, actor: Actor, subscription_id: int, active: bool, *,
               now: datetime | None = None) -> SubscriptionOut:
    """Pause or resume a receiver: while paused it gets no new events, and those already on
    their way to it wait until it is resumed."""
    require(actor, "integration.manage")
    s = db.get(WebhookSubscription, subscription_id)
    if s is None:
        raise NotFound("webhook subscription")
    before, s.active = s.active, active
    db.flush()
    audit.record(db, actor, "integration.webhook_active", "webhook_subscription", s.id,
                 before={"active": before}, after={"active": active}, now=now)
    return _out(db, s)


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    subscription: str
    event_type: str
    record: str
    status: str
    attempts: int
    last_status: int | None
    last_error: str | None
    next_attempt_at: datetime
    delivered_at: datetime | None
    occurred_at: datetime


def delivery_log(db: Session, actor: Actor, *, subscription_id: int | None = None,
                 status: str | None = None, delivery_id: int | None = None,
                 limit: int = 200) -> list[DeliveryRow]:
    require(actor, "integration.manage")
    D = WebhookDelivery
    q = (select(D, WebhookSubscription.name, WebhookEvent.event_type, WebhookEvent.occurred_at)
         .join(WebhookSubscription, WebhookSubscription.id == D.subscription_id)
         .join(WebhookEvent, WebhookEvent.id == D.event_id).order_by(D.id.desc()).limit(limit))
    if subscription_id is not None:
        q = q.where(D.subscription_id == subscription_id)
    if status:
        q = q.where(D.status == status)
    if delivery_id is not None:
        q = q.where(D.id == delivery_id)
    return [DeliveryRow(d.id, name, kind, d.record, d.status, d.attempts, d.last_status,
                        d.last_error, d.next_attempt_at, d.delivered_at, at)
            for d, name, kind, at in db.execute(q)]


def replay(db: Session, actor: Actor, delivery_id: int, *,
           now: datetime | None = None) -> DeliveryRow:
    """Send a delivery again at the next run (delivered or failed): the same event, the same
    idempotency key, so a receiver that has it can tell."""
    require(actor, "integration.manage")
    now = now or utcnow()
    d = db.get(WebhookDelivery, delivery_id)
    if d is None:
        raise NotFound("delivery")
    if d.status == "pending":
        raise RuleViolation("This delivery is still on its way: it is tried again by itself.")
    before = d.status
    d.status, d.next_attempt_at, d.attempts = "pending", now, 0
    db.flush()
    audit.record(db, actor, "integration.webhook_replay", "webhook_delivery", d.id,
                 before={"status": before}, after={"status": "pending"}, now=now)
    return delivery_log(db, actor, delivery_id=d.id)[0]
