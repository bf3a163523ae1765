"""A user's own profile and password."""

from datetime import datetime
from functools import lru_cache
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy.orm import Session

from core import audit
from core.accounts.links import void_links
from core.accounts.records import USER_FIELDS, UserOut, user_out
from core.accounts.sessions import revoke_user_sessions, start_session
from core.actor import Actor
from core.errors import NotFound, RuleViolation
from core.passwords import hash_password, password_problem, verify_password
from core.permissions import require
from core.standing import require_open_partner
from core.validation import RequiredText
from db.models import User
from db.types import utcnow


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(z for z in available_timezones() if "/" in z or z == "UTC")


def time_zones() -> list[str]:
    return sorted(_zones())


class ProfileIn(BaseModel):
    model_config = ConfigDict(strict=True)

    display_name: RequiredText(120, "Enter a display name.")
    time_zone: str
    email_notifications: bool = True

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, v: str) -> str:
        # Checked against the list, not by loading it: "America" is a folder of zones.
        if v not in _zones():
            raise ValueError("Choose a time zone from the list.")
        return v


def get_profile(db: Session, actor: Actor) -> UserOut:
    require(actor, "profile.edit")
    return user_out(db, own_user(db, actor))


def update_profile(db: Session, actor: Actor, data: ProfileIn, *,
                   now: datetime | None = None) -> UserOut:
    require(actor, "profile.edit")
    user = own_user(db, actor)
    before = audit.snapshot(user, USER_FIELDS)
    user.display_name = data.display_name
    user.time_zone = data.time_zone
    user.email_notifications = data.email_notifications
    audit.record(db, actor, "user.profile_update", "user", user.id, before=before,
                 after=audit.snapshot(user, USER_FIELDS), now=now)
    return user_out(db, user)


def change_own_password(db: Session, actor: Actor, current: str, new: str, *,
                        now: datetime | None = None) -> str:
    """Every session of the user ends, this one too; returns the id of a new session for
    the browser that made the change, so that it alone stays signed in."""
    require(actor, "profile.edit")
    now = now or utcnow()
    user = own_user(db, actor)
    current = current if isinstance(current, str) else ""
    new = new if isinstance(new, str) else ""
    if not verify_password(current, user.password_hash):
        raise RuleViolation("The current password is not right.", field="current")
    if problem := password_problem(user.username, new):
        raise RuleViolation(problem, field="new")
    if verify_password(new, user.password_hash):
        raise RuleViolation("Choose a password different from the current one.", field="new")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    revoke_user_sessions(db, user.id, "password_change", now=now)
    void_links(db, user.id, now)
    audit.record(db, actor, "user.password_change", "user", user.id, now=now)
    return start_session(db, user.id, now=now)


def own_user(db: Session, actor: Actor) -> User:
    require_open_partner(db, actor)
    user = db.get(User, actor.user_id) if actor.user_id else None
    if user is None:
        raise NotFound("user")
    return user
