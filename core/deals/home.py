"""Deal registration's queues on Home: the desk's waiting registrations and extension
requests; a partner's deals that need an answer and protections ending soon; the quarter's
won revenue for executives."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import Actor, Role
from core.deals.revenue import quarter_start, won_summary
from core.deals.status import OPEN, PENDING, DealStatus
from core.home import Waiting, counted, queue
from core.money import format_money
from core.permissions import can
from core.settings import get_settings
from db.models import DealRegistration as D

ENDING_SOON = timedelta(days=14)


@queue
def desk(db: Session, actor: Actor, now: datetime) -> list[Waiting]:
    if not can(actor, "deal.desk"):
        return []
    waiting, oldest = db.execute(select(func.count(), func.min(D.submitted_at)).where(
        D.status.in_([s.value for s in PENDING]))).one()
    detail = f"the oldest waits {(now - oldest).days} days" if oldest else ""
    asked = db.scalar(select(func.count()).select_from(D).where(
        D.extension_status == "requested", D.status.in_([s.value for s in OPEN]))) or 0
    return [counted("Registrations waiting for the desk", waiting, "deal_desk", detail),
            counted("Protection extensions asked for", asked, "deal_desk")]


@queue
def partner(db: Session, actor: Actor, now: datetime) -> list[Waiting]:
    if not actor.is_partner or not can(actor, "deal.list_own"):
        return []
    mine = [D.partner_id == actor.partner_id]
    if actor.role != Role.PARTNER_ADMIN:  # a rep's own deals; the admin's, the team's
        mine.append(D.owner_user_id == actor.user_id)
    answer = db.scalar(select(func.count()).select_from(D).where(
        *mine, D.status == DealStatus.MORE_INFO.value)) or 0
    ending = db.scalar(select(func.count()).select_from(D).where(
        *mine, D.status == DealStatus.APPROVED.value, D.protection_ends_at > now,
        D.protection_ends_at <= now + ENDING_SOON)) or 0
    return [counted("Deals the desk asked you about", answer, "my_deals"),
            counted("Protections ending within 14 days", ending, "my_deals")]


@queue
def quarter(db: Session, actor: Actor, now: datetime) -> list[Waiting]:
    if actor.role != Role.EXECUTIVE or not can(actor, "deal.export_won"):
        return []
    today = now.astimezone(ZoneInfo("UTC")).date()
    start = quarter_start(today)
    last_end = start - timedelta(days=1)
    last_start = quarter_start(last_end)
    this = won_summary(db, actor, start, today)
    last = won_summary(db, actor, last_start, last_end)

    def money(total) -> str:  # "48,000.00 USD": a "$" would start Markdown maths
        return format_money(total or Decimal(0), get_settings().base_currency, symbol=False)

    return [Waiting("Won this quarter", money(this.total), "won_deals",
                    f"{this.count:,} deals; last quarter {money(last.total)} from "
                    f"{last.count:,}", this.count, always=True)]
