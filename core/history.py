"""Timelines that users read (a deal's events, a partner's tier changes, an application's
history): one per capability, each its own table, all written by `record` here, so that
every entry says when and who in the same way. The audit log (core.audit) is apart: the
admin's who-changed-what record of every write."""

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from core.actor import Actor, Role
from db.models import User

Row = TypeVar("Row")

# The columns a timeline table keeps the time and the actor in, unless the model names its own
# (a model attribute HISTORY_COLUMNS with the same three roles).
DEFAULT_COLUMNS = ("at", "actor_user_id", "actor_label")
LABEL_LENGTH = 120


def actor_name(db: Session, actor: Actor) -> str:
    """How a timeline names who acted: the user's display name, "System" for a job, the
    actor's label otherwise."""
    if actor.user_id is not None and (user := db.get(User, actor.user_id)) is not None:
        return user.display_name
    return "System" if actor.role == Role.SYSTEM else actor.label


def record(db: Session, model: type[Row], actor: Actor, *, at: datetime,
           label: str | None = None, **fields: Any) -> Row:
    """Add one timeline entry of `model` in the caller's transaction. `label` overrides how
    the actor is named (e.g. "Applicant" for the anonymous visitor)."""
    at_col, user_col, label_col = getattr(model, "HISTORY_COLUMNS", DEFAULT_COLUMNS)
    name = label if label is not None else actor_name(db, actor)
    row = model(**{at_col: at, user_col: actor.user_id, label_col: name[:LABEL_LENGTH]},
                **fields)
    db.add(row)
    return row
