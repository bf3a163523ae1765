"""Delivering the outbox: the job picks the due deliveries, sends them (outside any write
transaction: a slow receiver holds nobody's lock), then records what each receiver answered.

Order per record: a delivery waits while an earlier event about the same record is still on
its way to the same subscription, and within a run each record's events go one after the
other, stopping at the first that fails. A receiver that fails (or is down) is left alone for
the rest of the run. Retries back off exponentially (30 s, 1, 2, 4, 8 minutes, then every 15
minutes): a receiver down for an hour gets each event once when it is back, in order. After
MAX_ATTEMPTS a delivery is marked failed (the admin can replay it); it no longer holds back
the record's later events."""

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, aliased

from core.crm.signing import HEADER, signature
from db.models import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription

TIMEOUT_SECONDS = 5.0
MAX_ATTEMPTS = 60  # about 14 hours of retries
MAX_BACKOFF = timedelta(minutes=15)
BATCH = 500


@dataclass(frozen=True)
class Task:
    delivery_id: int
    subscription_id: int
    record: str
    url: str
    secret: str
    event_type: str
    idempotency_key: str
    body: bytes


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    at: datetime
    status: int | None  # the receiver's HTTP status; None when none answered
    error: str | None
    milliseconds: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def due(db: Session, now: datetime, limit: int = BATCH) -> list[Task]:
    """Pending deliveries whose time has come and that no earlier, still pending event about
    the same record (to the same subscription) holds back; by subscription, record, event."""
    D, earlier = WebhookDelivery, aliased(WebhookDelivery)
    held = exists().where(and_(earlier.subscription_id == D.subscription_id,
                               earlier.record == D.record, earlier.status == "pending",
                               earlier.event_id < D.event_id, earlier.next_attempt_at > now))
    rows = db.execute(
        select(D.id, D.subscription_id, D.record, WebhookSubscription.url,
               WebhookSubscription.secret, WebhookEvent.event_type,
               WebhookEvent.idempotency_key, WebhookEvent.payload)
        .join(WebhookEvent, WebhookEvent.id == D.event_id)
        .join(WebhookSubscription, WebhookSubscription.id == D.subscription_id)
        .where(D.status == "pending", D.next_attempt_at <= now, WebhookSubscription.active,
               ~held)
        .order_by(D.subscription_id, D.record, D.event_id).limit(limit)).all()
    return [Task(d, s, r, url, secret, kind, key,
                 json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
            for d, s, r, url, secret, kind, key, payload in rows]


def send_one(task: Task, *, timeout: float = TIMEOUT_SECONDS) -> Outcome:
    now = datetime.now(UTC)
    stamp = int(now.timestamp())
    request = urllib.request.Request(task.url, data=task.body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "PRM-Webhooks/1",
        "X-PRM-Event": task.event_type, "X-PRM-Delivery": task.idempotency_key,
        "X-PRM-Timestamp": str(stamp), HEADER: signature(task.secret, stamp, task.body)})
    began = time.monotonic()
    status, error = None, None
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        error = str(getattr(exc, "reason", exc))[:500] or type(exc).__name__
    took = int((time.monotonic() - began) * 1000)
    return Outcome(task.delivery_id, now, status, error, took)


def send(tasks: list[Task], *, timeout: float = TIMEOUT_SECONDS) -> list[Outcome]:
    """Send in order; a record's chain stops at its first failure, a failing subscription is
    left for the rest of the run."""
    out: list[Outcome] = []
    broken_records: set[tuple[int, str]] = set()
    broken_subscriptions: set[int] = set()
    for task in tasks:
        if task.subscription_id in broken_subscriptions or (
                task.subscription_id, task.record) in broken_records:
            continue
        outcome = send_one(task, timeout=timeout)
        out.append(outcome)
        if not outcome.ok:
            broken_records.add((task.subscription_id, task.record))
            if outcome.status is None or outcome.status >= 500:
                broken_subscriptions.add(task.subscription_id)
    return out


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=30 * 2 ** (attempts - 1)), MAX_BACKOFF)


def record(db: Session, outcomes: list[Outcome], now: datetime) -> tuple[int, int]:
    """Write what the receivers answered; (delivered, failed attempts)."""
    delivered = failed = 0
    for o in outcomes:
        d = db.get(WebhookDelivery, o.delivery_id)
        if d is None or d.status != "pending":
            continue  # replayed or changed meanwhile: this run's answer is history only
        db.add(WebhookAttempt(delivery_id=d.id, at=o.at, status=o.status, error=o.error,
                              milliseconds=o.milliseconds))
        d.attempts += 1
        d.last_status, d.last_error = o.status, o.error
        if o.ok:
            d.status, d.delivered_at = "delivered", now
            delivered += 1
        else:
            failed += 1
            if d.attempts >= MAX_ATTEMPTS:
                d.status = "failed"
            else:
                d.next_attempt_at = now + backoff(d.attempts)
    db.flush()
    return delivered, failed
