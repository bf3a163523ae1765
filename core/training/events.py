"""What training tells the other capabilities (core.events): a course completed (onboarding
ticks its step for the onboarding course; certifications follow), a certification issued,
renewed or expired (scorecard facts and the CRM outbox can follow them)."""

from dataclasses import dataclass

from core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class CourseCompleted(DomainEvent):
    user_id: int
    partner_id: int | None
    course_id: int
    family: str
    onboarding: bool


@dataclass(frozen=True, kw_only=True)
class CertificationChanged(DomainEvent):
    certification_id: int
    user_id: int
    partner_id: int
    track_id: int
    change: str  # "issued", "renewed" or "expired"
