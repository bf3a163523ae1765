"""Training's queues on Home: a learner's courses begun and not completed and its
certifications expiring within 60 days; a partner admin's team's expiring within 60 days; the
channel team's certifications expiring within 30 days across partners, and the partners an
expiry within 90 days will leave short of their tier."""

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import Actor, Role
from core.home import Waiting, counted, queue
from core.permissions import can, scope
from core.training.learning import begun_courses
from core.training.reports import tier_risks
from db.models import Certification, CourseCompletion


@queue
def learning(db: Session, actor: Actor, now: datetime) -> list[Waiting]:
    if not can(actor, "training.learn"):
        return []
    begun = begun_courses(db, actor.user_id)
    completed = set(db.scalars(select(CourseCompletion.course_id).where(
        CourseCompletion.user_id == actor.user_id)))
    mine = db.scalar(select(func.count()).select_from(Certification).where(
        Certification.user_id == actor.user_id, Certification.expires_at > now,
        Certification.expires_at <= now + timedelta(days=60),
        Certification.revoked_at.is_(None))) or 0
    return [counted("Courses begun, not completed", len(begun - completed), "training"),
            counted("My certifications expiring within 60 days", mine, "training")]


@queue
def expiring_certifications(db: Session, actor: Actor, now: datetime) -> list[Waiting]:
    if actor.role == Role.PARTNER_ADMIN:
        days, label = 60, "Team certifications expiring within 60 days"
        route = "training"
    elif can(actor, "training.author") and actor.role != Role.MARKETING_OPS:
        days, label = 30, "Certifications expiring within 30 days"
        route = "training_report"
    else:
        return []
    q = select(func.count()).select_from(Certification).where(
        Certification.expires_at > now, Certification.expires_at <= now + timedelta(days=days),
        Certification.revoked_at.is_(None))
    found = [counted(label, db.scalar(scope(actor, q, Certification)) or 0, route)]
    if route == "training_report":
        found.append(counted("Partners an expiry will leave short of their tier",
                             len(tier_risks(db, actor, 90, now=now)), "training_report"))
    return found
