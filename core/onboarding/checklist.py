"""The checklist: steps tick themselves from the events that complete them, never by hand."""

from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.onboarding.schemas import KNOWN_EVENTS, TICKER, Checklist, ChecklistStep
from core.partners import partner_for
from db.models import (
    OnboardingProgress,
    OnboardingStep,
)
from db.types import utcnow

# ---------------------------------------------------------------- events


def record_event(db: Session, partner_id: int, event: str, *, now: datetime | None = None,
                 actor: Actor | None = None) -> bool:
    """Tick the step that `event` completes for the partner. True when a step was newly
    ticked; False when there is no such step or it was ticked already (safe to call twice,
    and from two transactions at once). Runs in the caller's transaction; no permission
    check: core services call it after their own. `actor`, whose action caused the event,
    is who the audit log shows (default: the system actor "onboarding")."""
    if event not in KNOWN_EVENTS:
        raise ValueError(f"unknown onboarding event {event!r}")
    now = now or utcnow()
    step_id = db.scalar(select(OnboardingStep.id).where(OnboardingStep.event == event))
    if step_id is None:
        return False
    if db.scalar(select(OnboardingProgress.id).where(OnboardingProgress.partner_id == partner_id,
                                                     OnboardingProgress.step_id == step_id)):
        return False
    progress = OnboardingProgress(partner_id=partner_id, step_id=step_id, completed_at=now)
    try:
        with db.begin_nested():
            db.add(progress)
            db.flush()
    except IntegrityError:
        return False
    audit.record(db, actor or Actor.system(TICKER), "onboarding.step_done", "onboarding_progress",
                 progress.id, after={"partner_id": partner_id, "step_id": step_id,
                                     "event": event, "completed_at": now},
                 partner_id=partner_id, now=now)
    return True


def checklist(db: Session, actor: Actor, partner_id: int | None = None) -> Checklist:
    """The active steps in order, each done or not. A partner admin gets its own partner's
    (another partner's id is not found, like a missing one); vendor roles name a partner."""
    if partner_id is None:
        partner_id = actor.partner_id
    partner = partner_for(db, actor, partner_id, "onboarding.view")
    rows = db.execute(
        select(OnboardingStep, OnboardingProgress.completed_at)
        .outerjoin(OnboardingProgress,
                   and_(OnboardingProgress.step_id == OnboardingStep.id,
                        OnboardingProgress.partner_id == partner.id))
        .where(OnboardingStep.active)
        .order_by(OnboardingStep.position, OnboardingStep.id)
    ).all()
    steps = [ChecklistStep(s.id, s.title, s.event, s.position, at is not None, at)
             for s, at in rows]
    return Checklist(partner.id, partner.name, steps, sum(s.done for s in steps), len(steps))


