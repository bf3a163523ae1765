"""The user as services return it, the fields audited on a change, the user-created event."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import events
from core.actor import Actor
from db.models import Partner, User

USER_FIELDS = ["username", "display_name", "email", "role", "partner_id", "is_active",
               "time_zone", "email_notifications", "must_change_password"]


@dataclass(frozen=True, kw_only=True)
class UserCreated(events.DomainEvent):
    """A user was added (onboarding ticks "invite a team member" at a partner's second)."""

    user_id: int
    partner_id: int | None
    role: str


@dataclass(frozen=True, kw_only=True)
class UserSignedIn(events.DomainEvent):
    """A user signed in (active users in scorecards)."""

    user_id: int
    partner_id: int | None


@dataclass(frozen=True)
class UserOut:
    id: int
    username: str
    display_name: str
    email: str
    role: str
    partner_id: int | None
    partner: str | None
    is_active: bool
    locked_until: datetime | None
    failed_attempts: int
    must_change_password: bool
    time_zone: str
    email_notifications: bool
    last_login_at: datetime | None


def user_out(db: Session, u: User, partner_name: str | None = None) -> UserOut:
    if partner_name is None and u.partner_id:
        partner_name = db.scalar(select(Partner.name).where(Partner.id == u.partner_id))
    return UserOut(u.id, u.username, u.display_name, u.email, u.role, u.partner_id,
                   partner_name, u.is_active, u.locked_until, u.failed_attempts,
                   u.must_change_password, u.time_zone, u.email_notifications,
                   u.last_login_at)


def actor_of(user: User) -> Actor:
    return Actor.user(user.id, user.role, user.partner_id, user.username)
