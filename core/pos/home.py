"""POS queues on Home: the exceptions waiting for vendor ops (admin, finance), and a partner
admin's own rows waiting to be corrected."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.home import Waiting, counted, queue
from core.permissions import can
from db.models import PosException


@queue
def pos_exceptions(db: Session, actor: Actor, now: datetime) -> list[Waiting]:
    if can(actor, "pos.exceptions"):
        waiting = db.scalar(select(func.count()).select_from(PosException).where(
            PosException.status == "open")) or 0
        return [counted("POS rows waiting to be corrected", waiting, "pos_exceptions")]
    if can(actor, "pos.upload") and actor.partner_id is not None:
        waiting = db.scalar(select(func.count()).select_from(PosException).where(
            PosException.status == "open", PosException.partner_id == actor.partner_id)) or 0
        return [counted("Rows of your POS files the vendor is correcting", waiting,
                        "pos_exceptions")]
    return []
