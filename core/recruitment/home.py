"""Recruitment's queue on Home: applications waiting for the channel team."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.home import Waiting, counted, queue
from core.permissions import can
from core.recruitment.status import OPEN
from db.models import PartnerApplication as PA


@queue
def applications(db: Session, actor: Actor, now: datetime) -> list[Waiting]:
    if not can(actor, "application.review"):
        return []
    count, oldest = db.execute(select(func.count(), func.min(PA.submitted_at)).where(
        PA.status.in_([s.value for s in OPEN]))).one()
    detail = f"the oldest came in {(now - oldest).days} days ago" if oldest else ""
    return [counted("Partner applications to review", count, "applications", detail)]
