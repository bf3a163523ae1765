"""Writing courses and tracks (admin, marketing_ops, channel_manager).

A course is written as a draft, then published. To change a published course, `revise_course`
makes a draft of the next version (a copy); publishing it replaces the published one, which
becomes "superseded": learners who took it keep their progress and results on it, and new
learners get the new version. Only a draft is edited."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.errors import NotFound, RuleViolation
from core.permissions import require
from core.training.records import course_out, load_course, modules_of, questions_of
from core.training.schemas import CourseIn, CourseOut, ModuleIn, QuestionIn, TrackIn, TrackOut
from core.training.status import CourseStatus, move
from core.validation import as_model
from db import locks
from db.models import (
    CertificationTrack,
    Course,
    CourseModule,
    ProductLine,
    QuizOption,
    QuizQuestion,
)
from db.types import utcnow

KINDS = ("course", "renewal")  # a renewal course is a quiz alone: it renews a certification
COURSE_FIELDS = tuple(CourseIn.model_fields)


class ModulesIn(BaseModel):
    modules: list[ModuleIn] = []


class QuizIn(BaseModel):
    questions: list[QuestionIn] = []


def create_course(db: Session, actor: Actor, data: CourseIn | Mapping, *,
                  kind: str = "course", now: datetime | None = None) -> CourseOut:
    require(actor, "training.author")
    if kind not in KINDS:
        raise ValueError(f"kind is one of {KINDS}")
    fields = as_model(CourseIn, data)
    _check_product_line(db, fields.product_line_id)
    course = Course(family=uuid.uuid4().hex[:16], version=1, status=CourseStatus.DRAFT.value,
                    kind=kind, created_at=now or utcnow(), **fields.model_dump())
    db.add(course)
    db.flush()
    audit.record(db, actor, "training.course_create", "course", course.id,
                 after={"family": course.family, **fields.model_dump()}, now=now)
    return course_out(db, course)


def update_course(db: Session, actor: Actor, course_id: int, data: CourseIn | Mapping, *,
                  now: datetime | None = None) -> CourseOut:
    require(actor, "training.author")
    course = _draft(db, course_id)
    fields = as_model(CourseIn, data)
    _check_product_line(db, fields.product_line_id)
    before = {f: getattr(course, f) for f in COURSE_FIELDS}
    for name, value in fields.model_dump().items():
        setattr(course, name, value)
    audit.record(db, actor, "training.course_update", "course", course.id, before=before,
                 after=fields.model_dump(), now=now)
    db.flush()
    return course_out(db, course)


def set_modules(db: Session, actor: Actor, course_id: int,
                modules: Sequence[ModuleIn | Mapping], *,
                now: datetime | None = None) -> CourseOut:
    """The draft's modules, in this order, replacing the ones it had."""
    require(actor, "training.author")
    course = _draft(db, course_id)
    checked = as_model(ModulesIn, {"modules": [_raw(m) for m in modules]}).modules
    # A module keeps the file attached at its position (files are attached one by one).
    files = {m.position: (m.file_name, m.file_key, m.file_type)
             for m in modules_of(db, course.id)}
    db.execute(delete(CourseModule).where(CourseModule.course_id == course.id))
    db.add_all(CourseModule(course_id=course.id, position=i, title=m.title, body=m.body,
                            video_url=m.video_url or None,
                            **dict(zip(("file_name", "file_key", "file_type"),
                                       files.get(i, (None, None, None)), strict=True)))
               for i, m in enumerate(checked, start=1))
    db.flush()
    audit.record(db, actor, "training.modules_set", "course", course.id,
                 after={"modules": [m.title for m in checked]}, now=now)
    return course_out(db, course)


def set_quiz(db: Session, actor: Actor, course_id: int, questions: Sequence[QuestionIn | Mapping],
             *, now: datetime | None = None) -> CourseOut:
    """The draft's quiz, in this order, replacing the one it had."""
    require(actor, "training.author")
    course = _draft(db, course_id)
    checked = as_model(QuizIn, {"questions": [_raw(q) for q in questions]}).questions
    _drop_quiz(db, course.id)
    for i, q in enumerate(checked, start=1):
        _add_question(db, course.id, i, q.text, q.multiple,
                      [(j, o.text, o.correct) for j, o in enumerate(q.options, start=1)])
    db.flush()
    audit.record(db, actor, "training.quiz_set", "course", course.id,
                 after={"questions": len(checked)}, now=now)
    return course_out(db, course)


def publish_course(db: Session, actor: Actor, course_id: int, *,
                   now: datetime | None = None) -> CourseOut:
    """A draft goes live; the family's published version, if any, is superseded."""
    require(actor, "training.author")
    now = now or utcnow()
    course = load_course(db, course_id)
    locks.hold(db, f"training:family:{course.family}")
    db.refresh(course)
    status = move(course.status, CourseStatus.PUBLISHED)
    if course.kind == "course" and not modules_of(db, course.id):
        raise RuleViolation("Add at least one module before publishing.", field="modules")
    if not questions_of(db, course.id):
        raise RuleViolation("Add the quiz's questions before publishing.", field="questions")
    for older in db.scalars(select(Course).where(
            Course.family == course.family, Course.status == CourseStatus.PUBLISHED.value)):
        older.status = move(older.status, CourseStatus.SUPERSEDED).value
        audit.record(db, actor, "training.course_supersede", "course", older.id,
                     before={"status": "published"}, after={"status": "superseded"}, now=now)
    course.status, course.published_at = status.value, now
    audit.record(db, actor, "training.course_publish", "course", course.id,
                 before={"status": "draft"}, after={"status": "published",
                                                    "version": course.version}, now=now)
    db.flush()
    return course_out(db, course)


def revise_course(db: Session, actor: Actor, course_id: int, *,
                  now: datetime | None = None) -> CourseOut:
    """A draft of the next version, copied from a published course (modules and quiz)."""
    require(actor, "training.author")
    now = now or utcnow()
    source = load_course(db, course_id)
    locks.hold(db, f"training:family:{source.family}")
    if source.status != CourseStatus.PUBLISHED.value:
        raise RuleViolation("Only a published course is revised; edit a draft directly.",
                            field="status")
    versions = list(db.scalars(select(Course).where(Course.family == source.family)))
    if any(v.status == CourseStatus.DRAFT.value for v in versions):
        raise RuleViolation("This course has a draft already: edit that one.", field="status")
    draft = Course(family=source.family, version=max(v.version for v in versions) + 1,
                   status=CourseStatus.DRAFT.value, kind=source.kind, created_at=now,
                   **{f: getattr(source, f) for f in COURSE_FIELDS})
    db.add(draft)
    db.flush()
    db.add_all(CourseModule(course_id=draft.id, position=m.position, title=m.title, body=m.body,
                            video_url=m.video_url, file_name=m.file_name, file_key=m.file_key,
                            file_type=m.file_type) for m in modules_of(db, source.id))
    for q, options in questions_of(db, source.id):
        _add_question(db, draft.id, q.position, q.text, q.multiple,
                      [(o.position, o.text, o.correct) for o in options])
    db.flush()
    audit.record(db, actor, "training.course_revise", "course", draft.id,
                 after={"family": draft.family, "version": draft.version, "from": source.id},
                 now=now)
    return course_out(db, draft)


def retire_course(db: Session, actor: Actor, course_id: int, *,
                  now: datetime | None = None) -> CourseOut:
    """Out of the catalog; what learners did on it stays."""
    require(actor, "training.author")
    course = load_course(db, course_id)
    course.status = move(course.status, CourseStatus.RETIRED).value
    audit.record(db, actor, "training.course_retire", "course", course.id,
                 before={"status": "published"}, after={"status": "retired"}, now=now)
    db.flush()
    return course_out(db, course)


def list_courses(db: Session, actor: Actor) -> list[CourseOut]:
    """Every version of every course, newest first within a course (authors' view)."""
    require(actor, "training.author")
    return [course_out(db, c) for c in db.scalars(
        select(Course).order_by(Course.title, Course.family, Course.version.desc()))]


def save_track(db: Session, actor: Actor, data: TrackIn | Mapping, track_id: int | None = None,
               *, now: datetime | None = None) -> TrackOut:
    """A certification track: the courses it requires, how long it lasts, what it certifies,
    and the renewal quiz."""
    require(actor, "training.author")
    fields = as_model(TrackIn, data)
    families = set(db.scalars(select(Course.family).where(Course.kind == "course")))
    unknown = [f for f in fields.course_families if f not in families]
    if unknown:
        raise RuleViolation("Choose the track's courses from the list.", field="course_families")
    if fields.renewal_family is not None and fields.renewal_family not in set(db.scalars(
            select(Course.family).where(Course.kind == "renewal"))):
        raise RuleViolation("Choose the renewal quiz from the list.", field="renewal_family")
    for line in fields.product_line_ids:
        _check_product_line(db, line, field="product_line_ids")
    clash = db.scalar(select(CertificationTrack.id).where(
        CertificationTrack.name == fields.name))
    if clash is not None and clash != track_id:
        raise RuleViolation("A track with this name exists already.", field="name")
    track = CertificationTrack(created_at=now or utcnow()) if track_id is None \
        else db.get(CertificationTrack, track_id)
    if track is None:
        raise NotFound("certification track")
    before = None if track_id is None else {"name": track.name,
                                            "course_families": track.course_families}
    for name, value in fields.model_dump().items():
        setattr(track, name, value)
    db.add(track)
    db.flush()
    audit.record(db, actor, "training.track_save", "certification_track", track.id,
                 before=before, after=fields.model_dump(), now=now)
    return _track_out(track)


def _draft(db: Session, course_id: int) -> Course:
    course = load_course(db, course_id)
    if course.status != CourseStatus.DRAFT.value:
        raise RuleViolation("Only a draft is edited: revise the course to change it.",
                            field="status")
    return course


def _add_question(db: Session, course_id: int, position: int, text: str, multiple: bool,
                  options: list[tuple[int, str, bool]]) -> None:
    """A question and its options ((position, text, right) each)."""
    row = QuizQuestion(course_id=course_id, position=position, text=text, multiple=multiple)
    db.add(row)
    db.flush()
    db.add_all(QuizOption(question_id=row.id, position=at, text=option, correct=right)
               for at, option, right in options)


def _drop_quiz(db: Session, course_id: int) -> None:
    ids = select(QuizQuestion.id).where(QuizQuestion.course_id == course_id)
    db.execute(delete(QuizOption).where(QuizOption.question_id.in_(ids)))
    db.execute(delete(QuizQuestion).where(QuizQuestion.course_id == course_id))


def _check_product_line(db: Session, line_id: int | None, field: str = "product_line_id") -> None:
    if line_id is not None and db.get(ProductLine, line_id) is None:
        raise RuleViolation("Choose the product line from the catalog.", field=field)


def _raw(item: BaseModel | Mapping) -> dict:
    return item.model_dump() if isinstance(item, BaseModel) else dict(item)


def list_tracks(db: Session, actor: Actor) -> list[TrackOut]:
    require(actor, "training.author")
    return [_track_out(t) for t in db.scalars(select(CertificationTrack)
                                              .order_by(CertificationTrack.name))]


def _track_out(t: CertificationTrack) -> TrackOut:
    return TrackOut(t.id, t.name, t.validity_months, tuple(t.course_families or ()),
                    tuple(t.product_line_ids or ()), t.renewal_family, t.renewal_grace_days,
                    t.active)


def course_editor(db: Session, actor: Actor, course_id: int) -> tuple[CourseOut, list[dict]]:
    """A course and its quiz with the right answers marked: for its authors only."""
    require(actor, "training.author")
    course = load_course(db, course_id)
    quiz = [{"text": q.text, "multiple": q.multiple,
             "options": [{"id": o.id, "text": o.text, "correct": o.correct} for o in options]}
            for q, options in questions_of(db, course.id)]
    return course_out(db, course), quiz
