"""Analytics' queue on Home: the channel team's partners gone quiet (no registration in the
last months), which the Partner performance page lists as at risk."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import Actor, Role
from core.analytics.performance import QUIET_MONTHS
from core.analytics.periods import add_months, month_start
from core.home import Waiting, counted, queue
from core.permissions import can
from db.models import Partner, PartnerMonthFact


@queue
def quiet_partners(db: Session, actor: Actor, now: datetime) -> list[Waiting]:
    # The channel team works them: a channel manager its own partners, an admin every one.
    if not (can(actor, "health.view") and can(actor, "tier.decide")):
        return []
    since = add_months(month_start(now.date()), 1 - QUIET_MONTHS)
    busy = select(PartnerMonthFact.partner_id).where(PartnerMonthFact.month >= since,
                                                     PartnerMonthFact.registrations > 0)
    q = select(func.count()).select_from(Partner).where(
        Partner.status == "active", Partner.id.not_in(busy))
    if actor.role == Role.CHANNEL_MANAGER:
        q = q.where(Partner.channel_manager_id == actor.user_id)
    count = db.scalar(q) or 0
    return [counted(f"Partners with no registration in {QUIET_MONTHS} months", count,
                    "partner_performance")]
