"""Learning (a partner's users): the catalog for the partner's tier, reading modules, quiz
attempts graded here, completion.

A learner takes the published version of a course; one it has started keeps being open to it
after a later version is published. Quiz answers never leave core before an attempt: pages get
`QuizView`. An attempt is refused when none is left or inside the wait after the last one
(the message says when the next opens), with unknown or missing answers, or when the quiz is
passed already; two submitted at once take turns on the learner's lock, so the limit holds."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit, events
from core.actor import Actor
from core.errors import NotFound, RuleViolation
from core.onboarding import require_agreement
from core.permissions import require
from core.training.events import CourseCompleted
from core.training.records import course_out, load_course, modules_of, questions_of, quiz_view
from core.training.schemas import AttemptOut, CourseOut, QuizView, Standing
from core.training.status import CourseStatus
from db import locks
from db.models import (
    Course,
    CourseCompletion,
    CourseModule,
    ModuleProgress,
    Partner,
    QuizAttempt,
    Tier,
)
from db.types import utcnow

OPEN = (CourseStatus.PUBLISHED.value,)


@dataclass(frozen=True)
class CatalogEntry:
    course: CourseOut
    standing: Standing


def catalog(db: Session, actor: Actor, *, now: datetime | None = None) -> list[CatalogEntry]:
    """The published courses the learner's tier reaches, and where the learner stands."""
    _learner(db, actor)
    rank = db.scalar(select(Tier.rank).join(Partner, Partner.tier_id == Tier.id)
                     .where(Partner.id == actor.partner_id)) or 0
    courses = db.scalars(select(Course).where(Course.status.in_(OPEN), Course.kind == "course",
                                              Course.min_tier_rank <= rank)
                         .order_by(Course.onboarding.desc(), Course.title))
    return [CatalogEntry(course_out(db, c, _done(db, actor.user_id, c.id)),
                         standing(db, actor.user_id, c, now=now)) for c in courses]


def open_course(db: Session, actor: Actor, course_id: int) -> CourseOut:
    """A course as the learner reads it (which modules it finished)."""
    course = _takeable(db, actor, course_id)
    return course_out(db, course, _done(db, actor.user_id, course.id))


def my_standing(db: Session, actor: Actor, course_id: int, *,
                now: datetime | None = None) -> Standing:
    """Where the learner stands with a course it may take."""
    return standing(db, actor.user_id, _takeable(db, actor, course_id), now=now)


def quiz_for(db: Session, actor: Actor, course_id: int) -> QuizView:
    return quiz_view(db, _takeable(db, actor, course_id))


def complete_module(db: Session, actor: Actor, module_id: int, *,
                    now: datetime | None = None) -> Standing:
    now = now or utcnow()
    module = db.get(CourseModule, module_id) if isinstance(module_id, int) else None
    if module is None:
        raise NotFound("module")
    course = _takeable(db, actor, module.course_id)
    locks.hold(db, f"training:learner:{actor.user_id}:{course.id}")
    if db.get(ModuleProgress, (actor.user_id, module.id)) is None:
        db.add(ModuleProgress(user_id=actor.user_id, module_id=module.id, completed_at=now))
        db.flush()
    _complete_if_done(db, actor, course, now)
    return standing(db, actor.user_id, course, now=now)


def submit_attempt(db: Session, actor: Actor, course_id: int,
                   answers: Mapping[int, Iterable[int]], *,
                   now: datetime | None = None) -> AttemptOut:
    """Grade the learner's answers ({question id: option ids chosen}): a question counts when
    exactly its right options are chosen; the score is the share of questions right."""
    now = now or utcnow()
    course = _takeable(db, actor, course_id)
    locks.hold(db, f"training:learner:{actor.user_id}:{course.id}")
    before = standing(db, actor.user_id, course, now=now)
    if before.passed:
        raise RuleViolation("You passed this quiz already.", field="quiz")
    if before.attempts_left == 0:
        raise RuleViolation("No attempts are left for this quiz: ask your channel manager.",
                            field="quiz")
    if before.next_attempt_at is not None:
        raise RuleViolation(f"The next attempt opens at {before.next_attempt_at:%Y-%m-%d %H:%M} "
                            "UTC.", field="quiz")
    chosen = _checked(questions_of(db, course.id), answers)
    right = sum(chosen[q.id] == {o.id for o in opts if o.correct}
                for q, opts in questions_of(db, course.id))
    score = round(100 * right / len(chosen)) if chosen else 0
    passed = score >= course.pass_mark
    attempt = QuizAttempt(user_id=actor.user_id, partner_id=actor.partner_id,
                          course_id=course.id, submitted_at=now, score=score, passed=passed,
                          answers={str(q): sorted(o) for q, o in chosen.items()})
    db.add(attempt)
    db.flush()
    audit.record(db, actor, "training.quiz_attempt", "quiz_attempt", attempt.id,
                 after={"course_id": course.id, "score": score, "passed": passed}, now=now)
    completed = _complete_if_done(db, actor, course, now) if passed else False
    after = standing(db, actor.user_id, course, now=now)
    return AttemptOut(attempt.id, course.id, now, score, passed, after.attempts_left,
                      after.next_attempt_at, completed)


def standing(db: Session, user_id: int, course: Course, *, now: datetime | None = None,
             ) -> Standing:
    now = now or utcnow()
    modules = [m.id for m in modules_of(db, course.id)]
    done = len(_done(db, user_id, course.id) & set(modules))
    attempts = list(db.scalars(select(QuizAttempt).where(
        QuizAttempt.user_id == user_id, QuizAttempt.course_id == course.id)
        .order_by(QuizAttempt.submitted_at)))
    passed = any(a.passed for a in attempts)
    left = max(0, course.attempts_allowed - len(attempts))
    opens = None
    if attempts and not passed and left:
        opens = attempts[-1].submitted_at + timedelta(minutes=course.wait_minutes)
        opens = opens if opens > now else None
    completed = db.scalar(select(CourseCompletion.id).where(
        CourseCompletion.user_id == user_id, CourseCompletion.course_id == course.id)) is not None
    return Standing(done, len(modules), len(attempts), left,
                    max((a.score for a in attempts), default=None), passed, completed, opens)


def completed_families(db: Session, user_id: int) -> set[str]:
    """The courses (any version) the user completed."""
    return set(db.scalars(select(CourseCompletion.family).where(
        CourseCompletion.user_id == user_id)))


# ---------------------------------------------------------------- inside


def _learner(db: Session, actor: Actor) -> None:
    require(actor, "training.learn")
    require_agreement(db, actor)


def _takeable(db: Session, actor: Actor, course_id: int) -> Course:
    """A published course, or one the learner has started (a later version may have replaced
    it since)."""
    _learner(db, actor)
    course = load_course(db, course_id)
    if course.status in OPEN:
        return course
    started = db.scalar(select(func.count()).select_from(QuizAttempt).where(
        QuizAttempt.user_id == actor.user_id, QuizAttempt.course_id == course.id)) or \
        db.scalar(select(func.count()).select_from(ModuleProgress).join(
            CourseModule, CourseModule.id == ModuleProgress.module_id).where(
            ModuleProgress.user_id == actor.user_id, CourseModule.course_id == course.id))
    if course.status == CourseStatus.SUPERSEDED.value and started:
        return course
    raise NotFound("course")


def _done(db: Session, user_id: int, course_id: int) -> set[int]:
    return set(db.scalars(select(ModuleProgress.module_id).join(
        CourseModule, CourseModule.id == ModuleProgress.module_id).where(
        ModuleProgress.user_id == user_id, CourseModule.course_id == course_id)))


def _checked(questions, answers: Mapping[int, Iterable[int]]) -> dict[int, set[int]]:
    """The answers as {question id: option ids}, every question answered with its own
    options; a RuleViolation for anything else (nothing is written)."""
    options = {q.id: {o.id for o in opts} for q, opts in questions}
    single = {q.id for q, _ in questions if not q.multiple}
    chosen: dict[int, set[int]] = {}
    for question, picked in answers.items():
        if question not in options:
            raise RuleViolation("An answer is to a question that is not in this quiz.",
                                field="quiz")
        ids = set(picked)
        if not ids <= options[question]:
            raise RuleViolation("An answer is not one of the question's options.",
                                field=f"q{question}")
        chosen[question] = ids
    for question in options:
        if not chosen.get(question):
            raise RuleViolation("Answer every question.", field=f"q{question}")
        if question in single and len(chosen[question]) != 1:
            raise RuleViolation("Choose one answer.", field=f"q{question}")
    return chosen


def _complete_if_done(db: Session, actor: Actor, course: Course, now: datetime) -> bool:
    """Completed when every module is read and the quiz passed: recorded once, and told."""
    state = standing(db, actor.user_id, course, now=now)
    if state.completed or not state.passed or state.modules_done < state.modules:
        return False
    row = CourseCompletion(user_id=actor.user_id, partner_id=actor.partner_id,
                           course_id=course.id, family=course.family, completed_at=now)
    db.add(row)
    db.flush()
    audit.record(db, actor, "training.course_complete", "course_completion", row.id,
                 after={"course_id": course.id, "family": course.family}, now=now)
    events.publish(db, CourseCompleted(actor=actor, at=now, user_id=actor.user_id,
                                       partner_id=actor.partner_id, course_id=course.id,
                                       family=course.family, onboarding=course.onboarding))
    return True
