"""Accounts' queue on Home: locked accounts, for whoever can unlock them (the admin: every
account; a partner admin: its own team's)."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.home import Waiting, counted, queue
from core.permissions import can, scope
from db.models import User


@queue
def locked(db: Session, actor: Actor, now: datetime) -> list[Waiting]:
    if not can(actor, "user.manage"):
        return []
    q = scope(actor, select(func.count()).select_from(User), User)
    count = db.scalar(q.where(User.locked_until > now, User.is_active.is_(True))) or 0
    return [counted("Locked accounts", count, "users")]
