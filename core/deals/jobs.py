"""The deal-protection job: approved registrations expire when protection ends (unless won or
lost first), and their partner is reminded 14 and 3 days before.

Idempotent with the clock injected: a registration expires once (the transition table refuses
a second move), and reminder notifications carry a dedupe key with the protection end date,
so a run repeated, or two runners, remind once, and an extension earns fresh reminders."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.deals.records import audited, change_status, notify_partner_side, snapshot
from core.deals.status import DealStatus
from core.jobs import Job, register
from db.models import DealRegistration

JOB_NAME = "deal-protection"
REMINDER_DAYS = (14, 3)
BATCH = 500


def run_deal_protection(db: Session, now: datetime) -> str:
    expired = _expire(db, now)
    reminded = _remind(db, now)
    return f"{expired} expired, {reminded} reminders sent"


def _expire(db: Session, now: datetime) -> int:
    system = Actor.system(JOB_NAME)
    count = 0
    while True:
        batch = list(db.scalars(
            select(DealRegistration)
            .where(DealRegistration.status == DealStatus.APPROVED.value,
                   DealRegistration.protection_ends_at <= now)
            .order_by(DealRegistration.id).limit(BATCH).with_for_update()))
        if not batch:
            return count
        for deal in batch:
            before = snapshot(deal)
            change_status(db, deal, system, DealStatus.EXPIRED,
                          f"Protection ended on {deal.protection_ends_at:%Y-%m-%d}.", now=now)
            audited(db, system, "deal.expire", deal, before, now=now)
            notify_partner_side(db, deal, f"Deal #{deal.id} expired: {deal.customer_name}",
                                f"Protection of your registration of {deal.customer_name} "
                                "ended. Register it again if the opportunity is still open.",
                                key=f"deal:{deal.id}:expired", now=now)
            count += 1
        db.flush()


def _remind(db: Session, now: datetime) -> int:
    sent = 0
    horizon = now + timedelta(days=max(REMINDER_DAYS))
    deals = db.scalars(
        select(DealRegistration)
        .where(DealRegistration.status == DealStatus.APPROVED.value,
               DealRegistration.protection_ends_at > now,
               DealRegistration.protection_ends_at <= horizon)
        .order_by(DealRegistration.protection_ends_at, DealRegistration.id))
    for deal in list(deals):
        left = deal.protection_ends_at - now
        # The nearest threshold only: a deal 2 days from its end gets the 3-day reminder,
        # not a late 14-day one as well.
        days = min(d for d in REMINDER_DAYS if left <= timedelta(days=d))
        ends = f"{deal.protection_ends_at:%Y-%m-%d}"
        extend = (" You can ask for one extension on the deal's page."
                  if deal.extension_status is None else "")
        sent += notify_partner_side(
            db, deal, f"Deal #{deal.id} protection ends on {ends}: {deal.customer_name}",
            f"Protection of {deal.customer_name} ends on {ends}. Mark it won or lost, or it "
            f"expires then.{extend}", key=f"deal:{deal.id}:reminder:{days}:{ends}", now=now)
    return sent


register(Job(JOB_NAME, timedelta(hours=1), run_deal_protection,
             "Expires approved deal registrations at the end of protection and reminds "
             "partners 14 and 3 days before."))
