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

from sqlalchemy import select
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
    Certification,
    CertificationTrack,
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
RENEWAL_OPENS_DAYS = 60  # a renewal quiz is offered from this many days before expiry


@dataclass(frozen=True)
class CatalogEntry:
    course: CourseOut
    standing: Standing


def catalog(db: Session, actor: Actor, *, now: datetime | None = None) -> list[CatalogEntry]:
    """The published courses the learner's tier reaches, and where the learner stands; a
    course it began on a version since replaced stays listed on that version (its progress
    and its completion are there)."""
    _learner(db, actor)
    rank = _tier_rank(db, actor)
    courses = list(db.scalars(select(Course).where(
        Course.status.in_(OPEN), Course.kind == "course", Course.min_tier_rank <= rank)
        .order_by(Course.onboarding.desc(), Course.title)))
    for older in _begun_superseded(db, actor.user_id):
        courses = [older if c.family == older.family else c for c in courses]
    courses = [*renewals_due(db, actor, now=now), *courses]
    return [CatalogEntry(course_out(db, c, _done(db, actor.user_id, c.id)),
                         standing(db, actor.user_id, c, now=now)) for c in courses]


def open_course(db: Session, actor: Actor, course_id: int, *,
                now: datetime | None = None) -> CourseOut:
    """A course as the learner reads it (which modules it finished)."""
    course = _takeable(db, actor, course_id, now)
    return course_out(db, course, _done(db, actor.user_id, course.id))


def my_standing(db: Session, actor: Actor, course_id: int, *,
                now: datetime | None = None) -> Standing:
    """Where the learner stands with a course it may take."""
    return standing(db, actor.user_id, _takeable(db, actor, course_id, now), now=now)


def quiz_for(db: Session, actor: Actor, course_id: int, *,
             now: datetime | None = None) -> QuizView:
    return quiz_view(db, _takeable(db, actor, course_id, now))


def complete_module(db: Session, actor: Actor, module_id: int, *,
                    now: datetime | None = None) -> Standing:
    now = now or utcnow()
    module = db.get(CourseModule, module_id) if isinstance(module_id, int) else None
    if module is None:
        raise NotFound("module")
    course = _takeable(db, actor, module.course_id, now)
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
    course = _takeable(db, actor, course_id, now)
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
    questions = questions_of(db, course.id)
    chosen = _checked(questions, answers)
    right = sum(chosen[q.id] == {o.id for o in opts if o.correct} for q, opts in questions)
    score = round(100 * right / len(chosen)) if chosen else 0
    # Exactly, not on the rounded score: 39 of 49 (79.6%) does not pass a mark of 80.
    passed = bool(chosen) and 100 * right >= course.pass_mark * len(chosen)
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
    """Where the user stands with a course version. For a renewal quiz, only what was done
    since the user's certification was last issued or renewed counts: each renewal is
    taken afresh."""
    now = now or utcnow()
    since = _renewal_since(db, user_id, course) if course.kind == "renewal" else \
        lapsed_since(db, user_id, course.family, now)
    modules = [m.id for m in modules_of(db, course.id)]
    done = len(_done(db, user_id, course.id) & set(modules))
    q = select(QuizAttempt).where(QuizAttempt.user_id == user_id,
                                  QuizAttempt.course_id == course.id)
    if since is not None:
        q = q.where(QuizAttempt.submitted_at > since)
    attempts = list(db.scalars(q.order_by(QuizAttempt.submitted_at)))
    passed = any(a.passed for a in attempts)
    left = max(0, course.attempts_allowed - len(attempts))
    opens = None
    if attempts and not passed and left:
        opens = attempts[-1].submitted_at + timedelta(minutes=course.wait_minutes)
        opens = opens if opens > now else None
    completion = db.scalar(select(CourseCompletion.completed_at).where(
        CourseCompletion.user_id == user_id, CourseCompletion.course_id == course.id))
    completed = completion is not None and (since is None or completion > since)
    return Standing(done, len(modules), len(attempts), left,
                    max((a.score for a in attempts), default=None), passed, completed, opens)


def _renewal_since(db: Session, user_id: int, course: Course) -> datetime | None:
    """For a renewal quiz: when the user's certification it renews was last issued or
    renewed (None for a course, or with no such certification)."""
    if course.kind != "renewal":
        return None
    moments = db.execute(select(Certification.issued_at, Certification.renewed_at).join(
        CertificationTrack, CertificationTrack.id == Certification.track_id).where(
        Certification.user_id == user_id,
        CertificationTrack.renewal_family == course.family)).all()
    return max((renewed or issued for issued, renewed in moments), default=None)


def renewals_due(db: Session, actor: Actor, *, now: datetime | None = None) -> list[Course]:
    """The renewal quizzes open to the learner: its certification on their track expires
    within 60 days or expired within the track's grace days."""
    now = now or utcnow()
    due = []
    for track, expires in db.execute(select(CertificationTrack, Certification.expires_at).join(
            Certification, Certification.track_id == CertificationTrack.id).where(
            Certification.user_id == actor.user_id, Certification.revoked_at.is_(None),
            CertificationTrack.renewal_family.is_not(None))).tuples():
        if expires - timedelta(days=RENEWAL_OPENS_DAYS) <= now <= \
                expires + timedelta(days=track.renewal_grace_days):
            course = db.scalar(select(Course).where(Course.family == track.renewal_family,
                                                    Course.status.in_(OPEN)))
            if course is not None and course not in due:  # two tracks may share one
                due.append(course)
    return due


def completed_families(db: Session, user_id: int, since: datetime | None = None) -> set[str]:
    """The courses (any version) the user completed (after `since`)."""
    q = select(CourseCompletion.family).where(CourseCompletion.user_id == user_id)
    if since is not None:
        q = q.where(CourseCompletion.completed_at > since)
    return set(db.scalars(q))


def lapsed_since(db: Session, user_id: int, family: str, now: datetime) -> datetime | None:
    """When the user's certification on a track that requires this course lapsed for good
    (expired and past its grace): the course counts again only if taken after that. None
    while no certification of the user on such a track has lapsed."""
    lapses = [expires + timedelta(days=track.renewal_grace_days)
              for track, expires in db.execute(
                  select(CertificationTrack, Certification.expires_at).join(
                      Certification, Certification.track_id == CertificationTrack.id)
                  .where(Certification.user_id == user_id)).tuples()
              if family in (track.course_families or ())]
    lapsed = [moment for moment in lapses if moment < now]
    return max(lapsed) if lapsed and len(lapsed) == len(lapses) else None


# ---------------------------------------------------------------- inside


def _learner(db: Session, actor: Actor) -> None:
    require(actor, "training.learn")
    require_agreement(db, actor)


def _takeable(db: Session, actor: Actor, course_id: int,
              now: datetime | None = None) -> Course:
    """A published course the learner's tier reaches (a renewal quiz: while it is due), or
    one the learner has started (a later version may have replaced it since)."""
    _learner(db, actor)
    course = load_course(db, course_id)
    if course.kind == "renewal":
        if course.id not in {c.id for c in renewals_due(db, actor, now=now)}:
            raise RuleViolation(f"This renewal is not open: it opens {RENEWAL_OPENS_DAYS} "
                                "days before your certification expires and closes when "
                                "its grace days are over.", field="quiz")
        return course
    if course.status in OPEN and course.min_tier_rank <= _tier_rank(db, actor):
        return course
    if course.status == CourseStatus.SUPERSEDED.value and \
            course.id in begun_courses(db, actor.user_id):
        return course
    raise NotFound("course")


def begun_courses(db: Session, user_id: int) -> set[int]:
    """The course versions the user began: read a module of, or tried the quiz of."""
    return set(db.scalars(select(CourseModule.course_id).join(
        ModuleProgress, ModuleProgress.module_id == CourseModule.id).where(
        ModuleProgress.user_id == user_id))) | set(db.scalars(
            select(QuizAttempt.course_id).where(QuizAttempt.user_id == user_id)))


def _begun_superseded(db: Session, user_id: int) -> list[Course]:
    begun = begun_courses(db, user_id)
    if not begun:
        return []
    return list(db.scalars(select(Course).where(
        Course.id.in_(begun), Course.status == CourseStatus.SUPERSEDED.value)))


def _tier_rank(db: Session, actor: Actor) -> int:
    return db.scalar(select(Tier.rank).join(Partner, Partner.tier_id == Tier.id)
                     .where(Partner.id == actor.partner_id)) or 0


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
    row = db.scalar(select(CourseCompletion).where(  # a renewal quiz taken again
        CourseCompletion.user_id == actor.user_id, CourseCompletion.course_id == course.id))
    if row is None:
        row = CourseCompletion(user_id=actor.user_id, partner_id=actor.partner_id,
                               course_id=course.id, family=course.family, completed_at=now)
        db.add(row)
    row.completed_at = now
    db.flush()
    audit.record(db, actor, "training.course_complete", "course_completion", row.id,
                 after={"course_id": course.id, "family": course.family}, now=now)
    events.publish(db, CourseCompleted(actor=actor, at=now, user_id=actor.user_id,
                                       partner_id=actor.partner_id, course_id=course.id,
                                       family=course.family, onboarding=course.onboarding))
    return True
