"""The admin's checklist steps: title, order, the event that ticks each, active or not."""

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.errors import NotFound, RuleViolation
from core.onboarding.schemas import STEP_FIELDS, StepIn, StepOut
from core.permissions import require
from core.validation import as_model
from db.models import (
    OnboardingProgress,
    OnboardingStep,
)

# ---------------------------------------------------------------- steps (admin)


def list_steps(db: Session, actor: Actor) -> list[StepOut]:
    """Every step, inactive ones included, in checklist order."""
    require(actor, "onboarding.manage")
    rows = db.scalars(select(OnboardingStep).order_by(OnboardingStep.position,
                                                      OnboardingStep.id))
    return [_step_out(s) for s in rows]


def save_step(db: Session, actor: Actor, data: StepIn | dict, *,
              now: datetime | None = None) -> StepOut:
    """A new step. Each event ticks one step, so an event that already has a step (active or
    not) is refused: edit or reactivate that step instead."""
    require(actor, "onboarding.manage")
    data = as_model(StepIn, data)
    if (taken := _step_for_event(db, data.event)) is not None:
        raise RuleViolation(f'The step "{taken.title}" is already ticked by this event; edit '
                            "it (or reactivate it) instead.", field="event")
    step = OnboardingStep(title=data.title, event=data.event, position=data.position,
                          active=data.active)
    try:
        with db.begin_nested():
            db.add(step)
            db.flush()
    except IntegrityError:
        raise RuleViolation("Another step with this event was added at the same moment.",
                            field="event") from None
    audit.record(db, actor, "onboarding_step.create", "onboarding_step", step.id,
                 after=audit.snapshot(step, STEP_FIELDS), now=now)
    return _step_out(step)


def update_step(db: Session, actor: Actor, step_id: int, data: StepIn | dict, *,
                now: datetime | None = None) -> StepOut:
    """Change a step's title, position, active flag or event. Steps are deactivated, never
    deleted; the event of a step that partners have already ticked cannot change (those
    ticks were for the old event)."""
    require(actor, "onboarding.manage")
    data = as_model(StepIn, data)
    step = db.get(OnboardingStep, step_id)
    if step is None:
        raise NotFound("onboarding step")
    if data.event != step.event:
        taken = _step_for_event(db, data.event)
        if taken is not None:
            raise RuleViolation(f'The step "{taken.title}" is already ticked by this event.',
                                field="event")
        if db.scalar(select(exists().where(OnboardingProgress.step_id == step.id))):
            raise RuleViolation("Partners have already completed this step, so its event "
                                "cannot change.", field="event")
    before = audit.snapshot(step, STEP_FIELDS)
    step.title, step.event, step.position, step.active = (data.title, data.event,
                                                          data.position, data.active)
    db.flush()
    audit.record(db, actor, "onboarding_step.update", "onboarding_step", step.id,
                 before=before, after=audit.snapshot(step, STEP_FIELDS), now=now)
    return _step_out(step)


def set_step_active(db: Session, actor: Actor, step_id: int, active: bool, *,
                    now: datetime | None = None) -> StepOut:
    """Deactivate (hide from every checklist) or reactivate a step."""
    require(actor, "onboarding.manage")
    step = db.get(OnboardingStep, step_id)
    if step is None:
        raise NotFound("onboarding step")
    return update_step(db, actor, step_id, StepIn(title=step.title, event=step.event,
                                                  position=step.position, active=active),
                       now=now)


def _step_for_event(db: Session, event: str) -> OnboardingStep | None:
    return db.scalar(select(OnboardingStep).where(OnboardingStep.event == event))


def _step_out(s: OnboardingStep) -> StepOut:
    return StepOut(s.id, s.title, s.event, s.position, bool(s.active))


