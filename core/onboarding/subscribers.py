"""The checklist listens: other capabilities say what happened (core.events) and the step that
event completes ticks itself. Accepting the agreement ticks its step directly (same package)."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.accounts import UserCreated
from core.deals.events import DealRegistered
from core.events import subscriber
from core.onboarding.checklist import record_event
from core.partners import PartnerProfileChanged
from core.training.events import CourseCompleted
from db.models import User


@subscriber(DealRegistered)
def first_deal_registered(db: Session, event: DealRegistered) -> None:
    record_event(db, event.partner_id, "first_deal_registered", now=event.at, actor=event.actor)


@subscriber(PartnerProfileChanged)
def profile_completed(db: Session, event: PartnerProfileChanged) -> None:
    if event.complete:
        record_event(db, event.partner_id, "profile_completed", now=event.at, actor=event.actor)


@subscriber(UserCreated)
def team_member_added(db: Session, event: UserCreated) -> None:
    # "Invite at least one team member" means a second user at the partner (the first is the
    # partner admin created when the partner was approved).
    if event.partner_id is None:
        return
    users = db.scalar(select(func.count()).select_from(User)
                      .where(User.partner_id == event.partner_id)) or 0
    if users >= 2:
        record_event(db, event.partner_id, "team_member_added", now=event.at, actor=event.actor)


@subscriber(CourseCompleted)
def course_completed(db: Session, event: CourseCompleted) -> None:
    # Only the course marked as the onboarding course ticks the step.
    if event.onboarding and event.partner_id is not None:
        record_event(db, event.partner_id, "course_completed", now=event.at, actor=event.actor)
