"""CRM integration: webhook subscriptions, the outbox of events written in the same
transaction as the change they tell of, and each event's delivery to each subscription with
its attempts (the delivery log)."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import BigIntKey, UTCDateTime, utcnow


class WebhookSubscription(Base):
    """A receiver: where events go, signed with its secret; all events or the chosen types;
    vendor-wide or one partner's only."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    url: Mapped[str] = mapped_column(String(500))
    # The HMAC key, shown to the admin (the receiver needs it to verify a signature).
    secret: Mapped[str] = mapped_column(String(100))
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)  # none: every type
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookEvent(Base):
    """One event in the outbox, with the record it is about (deliveries keep their order per
    record) and its idempotency key (the same on every attempt and replay)."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    event_type: Mapped[str] = mapped_column(String(40))
    record: Mapped[str] = mapped_column(String(60))  # "deal:12"
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(40), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(Base):
    """An event on its way to one subscription."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("uq_webhook_deliveries_event_id_subscription_id", "event_id", "subscription_id",
              unique=True),
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_subscription_id_record", "subscription_id", "record"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_events.id"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"))
    record: Mapped[str] = mapped_column(String(60))  # the event's, for ordering
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending/delivered/failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)  # the receiver's HTTP status
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookAttempt(Base):
    """One try: when, what the receiver answered (or the error), how long it took."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    milliseconds: Mapped[int] = mapped_column(Integer, default=0)


class ApiKey(Base):
    """An integration's key: shown once, kept as its SHA-256 (a random key needs no slow
    hash); its scopes, and the one partner it is limited to, if any."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16))  # the key's start, to recognise it
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CrmFieldMapping(Base):
    """A column a team's CRM adds of its own (a custom `Partner__c`, a HubSpot property),
    mapped once to the field of ours it holds; the CRM file import reads it from then on."""

    __tablename__ = "crm_field_mappings"
    __table_args__ = (Index("uq_crm_field_mappings_crm_column", "crm", "column_key",
                            unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    crm: Mapped[str] = mapped_column(String(20))  # salesforce, hubspot or direct
    column: Mapped[str] = mapped_column(String(200))  # as the export writes it
    column_key: Mapped[str] = mapped_column(String(200))  # folded: the mapping's identity
    field: Mapped[str] = mapped_column(String(40))
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
