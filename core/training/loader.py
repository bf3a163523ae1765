"""A course from a folder, so that content owners keep courses in version control:

    course.yaml     title, summary, level, minutes, product_line (its name), onboarding,
                    min_tier_rank, pass_mark, attempts_allowed, wait_minutes; `kind:
                    renewal` for a track's renewal quiz (no modules); `family` to load a
                    new version of a course loaded before
    quiz.yaml       questions: - text, multiple (default false), options: - text, correct
    any other *.md, *.yaml or *.yml, in the order of their names, is a module: a YAML file
                    holds title, body and video_url; a Markdown file is the body, with an
                    optional YAML front matter (--- title, video_url ---) and else the first
                    "# " heading as its title.

Every file is read and checked before anything is written; any error, in any file, writes
nothing and says which file and what."""

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.errors import DomainError, field_errors
from core.training import authoring
from core.training.schemas import CourseIn, CourseOut, ModuleIn, QuestionIn
from core.training.status import CourseStatus
from db.models import Course, ProductLine

COURSE_FILE, QUIZ_FILE = "course.yaml", "quiz.yaml"
MODULE_SUFFIXES = (".md", ".yaml", ".yml")


class FolderErrors(Exception):
    """What is wrong, file by file (nothing was written)."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors))
        self.errors = errors


@dataclass
class _Read:
    course: dict = field(default_factory=dict)
    modules: list[dict] = field(default_factory=list)
    questions: list[dict] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)


def load_folder(db: Session, actor: Actor, path: Path, *, publish: bool = False) -> CourseOut:
    """Create the course (or the next version of its `family`) from the folder, as a draft,
    or published with `publish`. Raises FolderErrors and writes nothing on any error."""
    read = _read(Path(path))
    if read.errors:
        raise FolderErrors(read.errors)
    family = read.course.pop("family", None)
    kind = read.course.pop("kind", "course")
    line_name = read.course.pop("product_line", None)
    if line_name is not None:
        line = db.scalar(select(ProductLine.id).where(
            func.lower(ProductLine.name) == str(line_name).strip().lower()))
        if line is None:
            raise FolderErrors([(COURSE_FILE, f"There is no product line {line_name!r}.")])
        read.course["product_line_id"] = line
    try:
        with db.begin_nested():
            course = _draft_for(db, actor, family, kind, read.course)
            authoring.set_modules(db, actor, course.id, read.modules)
            out = authoring.set_quiz(db, actor, course.id, read.questions)
            if publish:
                out = authoring.publish_course(db, actor, course.id)
    except (ValidationError, DomainError) as exc:
        raise FolderErrors(_where(exc)) from exc
    return out


def _draft_for(db: Session, actor: Actor, family: str | None, kind: str,
               fields: dict) -> CourseOut:
    if family is None:
        return authoring.create_course(db, actor, fields, kind=kind)
    versions = list(db.scalars(select(Course).where(Course.family == str(family))))
    if not versions:
        raise FolderErrors([(COURSE_FILE, f"There is no course {family!r} to load a new "
                             "version of (leave `family` out for a new course).")])
    draft = next((v for v in versions if v.status == CourseStatus.DRAFT.value), None)
    if draft is None:
        published = next((v for v in versions if v.status == CourseStatus.PUBLISHED.value),
                         None)
        if published is None:
            raise FolderErrors([(COURSE_FILE, "That course is retired: load it as a new one.")])
        draft_out = authoring.revise_course(db, actor, published.id)
        return authoring.update_course(db, actor, draft_out.id, fields)
    return authoring.update_course(db, actor, draft.id, fields)


def _read(folder: Path) -> _Read:
    read = _Read()
    if not folder.is_dir():
        read.errors.append((str(folder), "is not a folder"))
        return read
    read.course = _yaml(folder / COURSE_FILE, read.errors, required=True) or {}
    if not isinstance(read.course, dict):
        read.errors.append((COURSE_FILE, "should be a mapping of fields."))
        read.course = {}
    kind = read.course.get("kind", "course")
    unknown = sorted(set(read.course) - set(CourseIn.model_fields) - {
        "family", "product_line", "kind"})
    if unknown:
        read.errors.append((COURSE_FILE, f"unknown field{'s' if len(unknown) > 1 else ''}: "
                            f"{', '.join(map(str, unknown))}."))
    if kind not in authoring.KINDS:
        read.errors.append((COURSE_FILE, f"kind: one of {', '.join(authoring.KINDS)}."))
    _check(CourseIn, {k: v for k, v in read.course.items()
                      if k not in ("family", "product_line", "kind")}, COURSE_FILE,
           read.errors)
    quiz = _yaml(folder / QUIZ_FILE, read.errors, required=True) or {}
    questions = quiz.get("questions") if isinstance(quiz, dict) else None
    if not isinstance(questions, list) or not questions:
        read.errors.append((QUIZ_FILE, "Give the quiz a list of questions."))
    else:
        for i, q in enumerate(questions, start=1):
            _check(QuestionIn, q, f"{QUIZ_FILE} question {i}", read.errors)
        read.questions = questions
    for file in sorted(folder.iterdir()):
        if file.name in (COURSE_FILE, QUIZ_FILE) or file.suffix not in MODULE_SUFFIXES:
            continue
        module = _module(file, read.errors)
        if module is not None and _check(ModuleIn, module, file.name, read.errors):
            read.modules.append(module)
    if not read.modules and not read.errors and kind == "course":
        read.errors.append((str(folder), "Add at least one module file (.md or .yaml)."))
    return read


def _module(file: Path, errors: list) -> dict | None:
    if file.suffix in (".yaml", ".yml"):
        data = _yaml(file, errors)
        if not isinstance(data, dict):
            if data is not None or not any(name == file.name for name, _ in errors):
                errors.append((file.name, "A module file holds title, body and video_url."))
            return None
        return data
    text = _text(file, errors)
    if text is None:
        return None
    meta: dict = {}
    if text.startswith("---\n") and "\n---" in text[4:]:
        head, _, text = text[4:].partition("\n---")
        text = text.lstrip("-").lstrip("\n")
        try:
            meta = yaml.safe_load(head) or {}
        except yaml.YAMLError as exc:
            errors.append((file.name, f"its front matter is not valid YAML ({_short(exc)})."))
            return None
        if not isinstance(meta, dict):
            errors.append((file.name, "its front matter holds title and video_url."))
            return None
    if "title" not in meta:
        heading = next((line[2:].strip() for line in text.splitlines()
                        if line.startswith("# ")), None)
        meta["title"] = heading or file.stem
    return {**meta, "body": text}


def _yaml(file: Path, errors: list, *, required: bool = False):
    if not file.exists():
        if required:
            errors.append((file.name, "is missing."))
        return None
    text = _text(file, errors)
    if text is None:
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        errors.append((file.name, f"is not valid YAML ({_short(exc)})."))
        return None


def _text(file: Path, errors: list) -> str | None:
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        errors.append((file.name, "cannot be read as UTF-8 text."))
        return None


def _check(model, data, where: str, errors: list) -> bool:
    if not isinstance(data, dict):
        errors.append((where, "should be a mapping of fields."))
        return False
    try:
        model.model_validate(data)
    except ValidationError as exc:
        errors.extend((where, f"{name}: {message}" if name else message)
                      for name, message in field_errors(exc).items())
        return False
    return True


def _where(exc: Exception) -> list[tuple[str, str]]:
    if isinstance(exc, ValidationError):
        return [(COURSE_FILE, message) for message in field_errors(exc).values()]
    return [(COURSE_FILE, str(exc))]


def _short(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or "syntax error"
    return f"{problem} at line {mark.line + 1}" if mark is not None else problem
