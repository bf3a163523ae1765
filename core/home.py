"""What is waiting for a user, for their Home: counts that link to the work.

Each capability package adds its queues in `core/<package>/home.py` with `@queue`; the kernel
adds its own below (unread notifications; failed jobs and the outbox for the admin). A queue
function takes (db, actor, now) and returns the Waiting items the actor may act on, scoped
as that actor's other reads are, or none."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.packages import load
from core.permissions import can
from db.models import JobState, Notification, OutboxMail
from db.types import utcnow


@dataclass(frozen=True)
class Waiting:
    label: str  # "Registrations waiting for the desk"
    value: str  # "12", "$48,000.00"
    route: str  # the page that holds the work
    detail: str = ""  # "the oldest waits 9 days"
    count: int = 0  # 0: nothing waiting (shown only when `always`)
    always: bool = False  # a figure rather than a queue: shown even at zero


Queue = Callable[[Session, Actor, datetime], list[Waiting]]
_QUEUES: list[Queue] = []


def queue(fn: Queue) -> Queue:
    _QUEUES.append(fn)
    return fn


def waiting(db: Session, actor: Actor, *, now: datetime | None = None) -> list[Waiting]:
    """Everything waiting for the actor, in the order the packages registered it; queues
    with nothing in them left out."""
    load("home")
    now = now or utcnow()
    found = [w for q in _QUEUES for w in q(db, actor, now)]
    return [w for w in found if w.count or w.always]


def counted(label: str, count: int, route: str, detail: str = "") -> Waiting:
    return Waiting(label, f"{count:,}", route, detail if count else "", count)


@queue
def _notifications(db: Session, actor: Actor, now: datetime) -> list[Waiting]:
    if not actor.is_signed_in or not can(actor, "notification.view"):
        return []
    unread = db.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == actor.user_id, Notification.read_at.is_(None))) or 0
    return [counted("Unread notifications", unread, "notifications")]


@queue
def _operations(db: Session, actor: Actor, now: datetime) -> list[Waiting]:
    if not can(actor, "job.view"):
        return []
    failed = db.scalar(select(func.count()).select_from(JobState)
                       .where(JobState.last_outcome == "error")) or 0
    backlog = db.scalar(select(func.count()).select_from(OutboxMail)
                        .where(OutboxMail.status == "pending")) or 0
    return [counted("Background jobs whose last run failed", failed, "jobs"),
            counted("E-mails waiting in the outbox", backlog, "jobs")]
