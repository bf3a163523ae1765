"""Training: courses (versioned), their modules and quizzes, what learners did, certification
tracks and the certifications they issue (core.training)."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import UTCDateTime, utcnow


class Course(Base):
    """One version of a course. The versions of one course share its `family`; a learner's
    progress and attempts point at the version taken, so a revision never changes them."""

    __tablename__ = "courses"
    __table_args__ = (UniqueConstraint("family", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # draft -> published -> superseded (a later version was published) or retired
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    kind: Mapped[str] = mapped_column(String(10), default="course")  # or "renewal" (a quiz)
    title: Mapped[str] = mapped_column(String(160))
    summary: Mapped[str] = mapped_column(Text, default="")
    product_line_id: Mapped[int | None] = mapped_column(ForeignKey("product_lines.id"))
    level: Mapped[str] = mapped_column(String(20), default="foundation")
    minutes: Mapped[int] = mapped_column(Integer, default=30)
    onboarding: Mapped[bool] = mapped_column(Boolean, default=False)  # ticks the checklist
    min_tier_rank: Mapped[int] = mapped_column(Integer, default=0)  # in the catalog from
    pass_mark: Mapped[int] = mapped_column(Integer, default=80)  # percent
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=3)
    wait_minutes: Mapped[int] = mapped_column(Integer, default=60)  # between attempts
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CourseModule(Base):
    __tablename__ = "course_modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown
    video_url: Mapped[str | None] = mapped_column(String(500))
    file_name: Mapped[str | None] = mapped_column(String(200))  # as uploaded
    file_key: Mapped[str | None] = mapped_column(String(80))  # under PRM_UPLOAD_DIR
    file_type: Mapped[str | None] = mapped_column(String(80))  # by content


class QuizQuestion(Base):
    __tablename__ = "quiz_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)  # choose every right one


class QuizOption(Base):
    __tablename__ = "quiz_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_questions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(500))
    correct: Mapped[bool] = mapped_column(Boolean, default=False)


class ModuleProgress(Base):
    """A learner finished reading a module."""

    __tablename__ = "module_progress"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("course_modules.id"), primary_key=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class QuizAttempt(Base):
    __tablename__ = "quiz_attempts"
    __table_args__ = (Index("ix_quiz_attempts_user_course", "user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    score: Mapped[int] = mapped_column(Integer)  # percent of the questions answered right
    passed: Mapped[bool] = mapped_column(Boolean)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)  # question id -> option ids chosen


class CourseCompletion(Base):
    """A learner completed a course version: every module read and its quiz passed."""

    __tablename__ = "course_completions"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    family: Mapped[str] = mapped_column(String(40))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CertificationTrack(Base):
    __tablename__ = "certification_tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    validity_months: Mapped[int] = mapped_column(Integer, default=24)
    # The course families it requires and the product lines it certifies (JSON lists: a
    # handful each, read with the track).
    course_families: Mapped[list[str]] = mapped_column(JSON, default=list)
    product_line_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    renewal_family: Mapped[str | None] = mapped_column(String(40))  # a "renewal" course
    renewal_grace_days: Mapped[int] = mapped_column(Integer, default=30)  # after expiry
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Certification(Base):
    """A user certified on a track, from `issued_at` until `expires_at` (renewal moves it)."""

    __tablename__ = "certifications"
    __table_args__ = (
        UniqueConstraint("user_id", "track_id"),
        # "Current certifications per partner" and "expiring within N days".
        Index("ix_certifications_partner_expires", "partner_id", "expires_at"),
        Index("ix_certifications_expires", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    track_id: Mapped[int] = mapped_column(ForeignKey("certification_tracks.id"))
    code: Mapped[str] = mapped_column(String(40), unique=True)  # to verify a certificate
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    renewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the job saw it lapse
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
