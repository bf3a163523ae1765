"""Tiers' queue on Home: the evaluation's proposals waiting for a decision."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.home import Waiting, counted, queue
from core.permissions import can
from db.models import TierProposal


@queue
def proposals(db: Session, actor: Actor, now: datetime) -> list[Waiting]:
    if not can(actor, "tier.decide"):
        return []
    count = db.scalar(select(func.count()).select_from(TierProposal)
                      .where(TierProposal.status == "open")) or 0
    return [counted("Tier changes proposed", count, "tiers")]
