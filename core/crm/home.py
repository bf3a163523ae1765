"""Integrations' queues on the admin's Home: webhook deliveries a receiver keeps refusing
(still retrying, and those given up on), so a broken CRM endpoint is seen before its team
asks where the events went."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.home import Waiting, counted, queue
from core.permissions import can
from db.models import WebhookDelivery


@queue
def webhook_deliveries(db: Session, actor: Actor, now: datetime) -> list[Waiting]:
    if not can(actor, "integration.manage"):
        return []
    D = WebhookDelivery
    failed = db.scalar(select(func.count()).select_from(D).where(D.status == "failed")) or 0
    # Every pending delivery of a receiver that refuses: a record's later events wait for
    # its first, which is the one being retried.
    refusing = select(D.subscription_id).where(D.status == "pending", D.attempts > 0)
    retrying, oldest = db.execute(select(func.count(), func.min(D.created_at)).where(
        D.status == "pending", D.subscription_id.in_(refusing))).one()
    detail = f"the oldest since {oldest:%Y-%m-%d %H:%M} UTC" if oldest else ""
    return [counted("Webhook deliveries waiting on a receiver that refuses them", retrying or 0,
                    "integrations", detail),
            counted("Webhook deliveries given up on (replay them)", failed, "integrations")]
