"""Loading training rows and shaping them as results; what a learner may open."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.training.schemas import CourseOut, ModuleOut, OptionView, QuestionView, QuizView
from db.models import Course, CourseModule, QuizOption, QuizQuestion


def load_course(db: Session, course_id: object) -> Course:
    course = db.get(Course, course_id) if isinstance(course_id, int) else None
    if course is None:
        raise NotFound("course")
    return course


def modules_of(db: Session, course_id: int) -> list[CourseModule]:
    return list(db.scalars(select(CourseModule).where(CourseModule.course_id == course_id)
                           .order_by(CourseModule.position)))


def questions_of(db: Session, course_id: int) -> list[tuple[QuizQuestion, list[QuizOption]]]:
    questions = list(db.scalars(select(QuizQuestion).where(QuizQuestion.course_id == course_id)
                                .order_by(QuizQuestion.position)))
    options: dict[int, list[QuizOption]] = {q.id: [] for q in questions}
    if questions:
        for o in db.scalars(select(QuizOption).where(QuizOption.question_id.in_(options))
                            .order_by(QuizOption.question_id, QuizOption.position)):
            options[o.question_id].append(o)
    return [(q, options[q.id]) for q in questions]


def course_out(db: Session, course: Course, done: set[int] = frozenset()) -> CourseOut:
    modules = tuple(ModuleOut(m.id, m.position, m.title, m.body, m.video_url, m.file_name,
                              m.id in done) for m in modules_of(db, course.id))
    questions = db.scalar(select(func.count()).select_from(QuizQuestion)
                          .where(QuizQuestion.course_id == course.id)) or 0
    return CourseOut(course.id, course.family, course.version, course.status, course.kind,
                     course.title, course.summary, course.product_line_id, course.level,
                     course.minutes, course.onboarding, course.min_tier_rank, course.pass_mark,
                     course.attempts_allowed, course.wait_minutes, modules, questions)


def quiz_view(db: Session, course: Course) -> QuizView:
    """The quiz without its answers: what may reach a page before an attempt."""
    return QuizView(course.id, course.pass_mark, tuple(
        QuestionView(q.id, q.text, q.multiple, tuple(OptionView(o.id, o.text) for o in opts))
        for q, opts in questions_of(db, course.id)))
