"""Training at scale, in bulk inserts (around the services, as the rest of the scale seed):
`courses` published courses of three modules and four questions, tracks of five courses
each, and every partner user's progress on every course: some read part of it (and maybe
failed its quiz once), most completed it. A user who completed a track's courses holds its
certification, issued when the last was completed, some of them expiring within the next
months. Deterministic (its own random stream)."""

import random
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.deals.schemas import add_months
from core.training.certifications import grouped
from db.models import (
    Certification,
    CertificationTrack,
    Course,
    CourseCompletion,
    CourseModule,
    ModuleProgress,
    QuizAttempt,
    QuizOption,
    QuizQuestion,
    User,
)

BATCH = 20_000
MODULES, QUESTIONS, PER_TRACK = 3, 4, 5


def seed_scale_training(db: Session, courses: int, *, now: datetime) -> dict[str, int]:
    rng = random.Random(23)
    course_ids = _courses(db, courses, now, rng)
    modules = {c: list(db.scalars(select(CourseModule.id).where(CourseModule.course_id == c)
                                  .order_by(CourseModule.position))) for c in course_ids}
    families = dict(db.execute(select(Course.id, Course.family)
                               .where(Course.id.in_(course_ids))).tuples().all())
    tracks = _tracks(db, course_ids, families, now)
    users = db.execute(select(User.id, User.partner_id).where(User.partner_id.is_not(None))
                       .order_by(User.id)).tuples().all()
    counts = {"module_reads": 0, "attempts": 0, "completions": 0, "certifications": 0}
    reads, attempts, completions, certs = [], [], [], []

    def flush(final: bool = False) -> None:
        for rows, model, key in ((reads, ModuleProgress, "module_reads"),
                                 (attempts, QuizAttempt, "attempts"),
                                 (completions, CourseCompletion, "completions"),
                                 (certs, Certification, "certifications")):
            if rows and (final or len(rows) >= BATCH):
                db.execute(insert(model), rows)
                counts[key] += len(rows)
                rows.clear()

    for user_id, partner_id in users:
        done_at: dict[int, datetime] = {}
        for course_id in course_ids:
            began = now - timedelta(days=rng.uniform(5, 700))
            completed = rng.random() < 0.65
            read = MODULES if completed else rng.randint(1, MODULES - 1)
            reads.extend({"user_id": user_id, "module_id": m,
                          "completed_at": began + timedelta(minutes=20 * i)}
                         for i, m in enumerate(modules[course_id][:read]))
            if completed or rng.random() < 0.3:
                attempts.append(_attempt(user_id, partner_id, course_id, began, completed))
            if completed:
                at = began + timedelta(hours=2)
                done_at[course_id] = at
                completions.append({"user_id": user_id, "partner_id": partner_id,
                                    "course_id": course_id, "family": families[course_id],
                                    "completed_at": at})
        for track_id, required, months in tracks:
            if all(c in done_at for c in required):
                issued = max(done_at[c] for c in required)
                certs.append({"user_id": user_id, "partner_id": partner_id,
                              "track_id": track_id, "code": _code(rng), "issued_at": issued,
                              "expires_at": add_months(issued, months)})
        flush()
    flush(final=True)
    return counts


def _attempt(user_id: int, partner_id: int, course_id: int, at: datetime,
             passed: bool) -> dict:
    return {"user_id": user_id, "partner_id": partner_id, "course_id": course_id,
            "submitted_at": at + timedelta(hours=1), "score": 100 if passed else 50,
            "passed": passed, "answers": {}}


def _code(rng: random.Random) -> str:
    return grouped(f"{rng.getrandbits(96):024X}")  # from the seed's stream: deterministic


def _courses(db: Session, count: int, now: datetime, rng: random.Random) -> list[int]:
    published = now - timedelta(days=720)
    ids = []
    for n in range(1, count + 1):
        course = Course(family=f"{rng.getrandbits(64):016x}", version=1, status="published",
                        kind="course", title=f"Scale course {n:02d}", summary="",
                        level="foundation", minutes=30, pass_mark=75, attempts_allowed=3,
                        wait_minutes=60, created_at=published, published_at=published)
        db.add(course)
        db.flush()
        ids.append(course.id)
        db.execute(insert(CourseModule), [{"course_id": course.id, "position": p,
                                           "title": f"Module {p}", "body": "Read me."}
                                          for p in range(1, MODULES + 1)])
        for p in range(1, QUESTIONS + 1):
            question = QuizQuestion(course_id=course.id, position=p, text=f"Question {p}?",
                                    multiple=False)
            db.add(question)
            db.flush()
            db.execute(insert(QuizOption), [
                {"question_id": question.id, "position": 1, "text": "Right", "correct": True},
                {"question_id": question.id, "position": 2, "text": "Wrong",
                 "correct": False}])
    return ids


def _tracks(db: Session, course_ids: list[int], families: dict[int, str],
            now: datetime) -> list[tuple[int, list[int], int]]:
    out = []
    for n, start in enumerate(range(0, len(course_ids) - PER_TRACK + 1, PER_TRACK), start=1):
        required = course_ids[start:start + PER_TRACK]
        months = 12 if n % 2 else 24
        track = CertificationTrack(name=f"Scale track {n}", validity_months=months,
                                   course_families=[families[c] for c in required],
                                   product_line_ids=[], created_at=now - timedelta(days=720))
        db.add(track)
        db.flush()
        out.append((track.id, required, months))
    return out
