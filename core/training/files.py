"""A module's downloadable file: kept under PRM_UPLOAD_DIR (one folder every replica shares),
at most PRM_UPLOAD_MAX_MB, and only of the types below, told by the file's content (puremagic
reads its first bytes), never by its name: an executable renamed .pdf is refused. Nothing is
stored when a file is refused."""

import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.errors import NotFound, RuleViolation
from core.permissions import can, require
from core.settings import get_settings
from core.training.learning import _takeable
from core.training.status import CourseStatus
from core.uploads import checked_kind, folder
from db.models import Course, CourseModule

# What a content type may be called: the office formats are zip files inside, and are told
# apart by their parts, so any of them stands for the others.
ALLOWED = {".pdf": "PDF document", ".png": "PNG image", ".jpg": "JPEG image",
           ".jpeg": "JPEG image", ".gif": "GIF image", ".mp4": "MP4 video",
           ".docx": "office document", ".pptx": "office document", ".xlsx": "office document"}
REFUSAL = ("This type of file is not accepted: PDF, images, MP4 video and office documents "
           "are.")
FOLDER = "training"


@dataclass(frozen=True)
class StoredFile:
    name: str
    kind: str
    data: bytes


def attach_module_file(db: Session, actor: Actor, module_id: int, file_name: str,
                       data: bytes, *, now: datetime | None = None) -> str:
    """Attach (or replace) a draft module's file; returns what the file is."""
    require(actor, "training.author")
    module = _module(db, module_id)
    course = db.get(Course, module.course_id)
    if course.status != CourseStatus.DRAFT.value:
        raise RuleViolation("Only a draft is edited: revise the course to change it.",
                            field="file")
    kind = checked_kind(file_name, data, ALLOWED, REFUSAL,
                        max_mb=get_settings().upload_max_mb)
    said = Path(file_name or "").suffix.lower()
    key = f"{uuid.uuid4().hex}{said or '.bin'}"
    path = folder(FOLDER) / key
    temporary = path.with_suffix(".part")
    temporary.write_bytes(data)
    try:
        os.replace(temporary, path)
        module.file_name, module.file_key, module.file_type = \
            Path(file_name).name[:200] or key, key, kind
        audit.record(db, actor, "training.module_file", "course_module", module.id,
                     after={"file_name": module.file_name, "type": kind, "bytes": len(data)},
                     now=now)
        db.flush()
    except Exception:
        path.unlink(missing_ok=True)
        raise
    # A replaced file stays: the version this draft was revised from still points at it.
    return kind


def module_file(db: Session, actor: Actor, module_id: int) -> StoredFile:
    """A module's file for a learner who may take the course, or for an author."""
    module = _module(db, module_id)
    if not can(actor, "training.author"):
        _takeable(db, actor, module.course_id)
    if not module.file_key:
        raise NotFound("file")
    path = folder(FOLDER) / module.file_key
    if not path.is_file():
        raise NotFound("file")
    return StoredFile(module.file_name or module.file_key, module.file_type or "",
                      path.read_bytes())


def _module(db: Session, module_id: int) -> CourseModule:
    module = db.get(CourseModule, module_id) if isinstance(module_id, int) else None
    if module is None:
        raise NotFound("module")
    return module
