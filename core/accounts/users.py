"""User management: the admin for everybody, a partner admin for its own partner's users.
A new user gets an invitation link to choose a password; nobody is shown a password."""

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit, events, onboarding
from core.accounts.links import UNUSABLE_PASSWORD, IssuedLink, issue_link
from core.accounts.records import USER_FIELDS, UserCreated, UserOut, user_out
from core.accounts.sessions import revoke_user_sessions
from core.accounts.usernames import (
    check_username,
    derived_username,
    normalized_username,
    username_problem,
    username_taken,
)
from core.actor import PARTNER_ROLES, USER_ROLES, VENDOR_ROLES, Actor, Role
from core.errors import NotFound, PermissionDenied, RuleViolation
from core.permissions import require, scope
from core.validation import Email, RequiredText, checked, text_field
from db.models import Partner, User
from db.types import utcnow

USERNAME_TAKEN = "That username is taken."


class NewUserIn(BaseModel):
    model_config = ConfigDict(strict=True)

    username: str
    display_name: RequiredText(120, "Enter the user's display name.")
    email: Email()
    role: Role
    partner_id: int | None = None

    @field_validator("username")
    @classmethod
    def _username(cls, v: str) -> str:
        if problem := username_problem(v):
            raise ValueError(problem)
        return v.strip().lower()

    @field_validator("role", mode="before")
    @classmethod
    def _role(cls, v: object) -> Role:
        if v not in {r.value for r in USER_ROLES}:
            raise ValueError("Choose a user role.")
        return Role(v)


@dataclass(frozen=True)
class UserFilter:
    search: str | None = None
    role: str | None = None
    partner_id: int | None = None
    active: bool | None = None


def grantable_roles(actor: Actor) -> list[Role]:
    if actor.role == Role.ADMIN:
        return sorted(USER_ROLES)
    if actor.role == Role.PARTNER_ADMIN:
        return [Role.PARTNER_ADMIN, Role.PARTNER_USER]
    return []


def list_users(db: Session, actor: Actor, filt: UserFilter = UserFilter(), *,
               limit: int = 2000) -> list[UserOut]:
    require(actor, "user.view")
    onboarding.require_agreement(db, actor)
    q = scope(actor, select(User, Partner.name).outerjoin(Partner, User.partner_id == Partner.id),
              User)
    if filt.partner_id is not None and not actor.is_partner:  # a partner's is its own
        q = q.where(User.partner_id == filt.partner_id)
    if search := checked("search", text_field, filt.search, 200).lower():
        q = q.where(func.lower(User.username).contains(search, autoescape=True)
                    | func.lower(User.display_name).contains(search, autoescape=True))
    if filt.role:
        q = q.where(User.role == filt.role)
    if filt.active is not None:
        q = q.where(User.is_active == filt.active)
    rows = db.execute(q.order_by(User.username).limit(limit)).all()
    return [user_out(db, u, pname) for u, pname in rows]


def create_user(db: Session, actor: Actor, data: NewUserIn, *,
                now: datetime | None = None) -> tuple[UserOut, IssuedLink]:
    """The new user and its invitation link (mailed; shown once where no mail server is)."""
    require(actor, "user.manage")
    onboarding.require_agreement(db, actor)
    partner_id = actor.partner_id if actor.is_partner else data.partner_id
    _check_grant(db, actor, data.role, partner_id)
    return insert_user(db, actor, data.username, data.display_name.strip(), data.email,
                       data.role, partner_id, now=now)


def create_partner_admin(db: Session, actor: Actor, partner_id: int, *, display_name: str,
                         email: str, username: str | None = None,
                         now: datetime | None = None) -> tuple[UserOut, IssuedLink]:
    """The first user of a newly approved partner: its partner admin, invited by a link.
    The username is the given one, or the e-mail's local part plus the partner id."""
    require(actor, "partner.create")
    if db.get(Partner, partner_id) is None:
        raise NotFound("partner")
    username = (check_username(db, username) if (username or "").strip()
                else derived_username(db, email, partner_id))
    return insert_user(db, actor, username, display_name, email, Role.PARTNER_ADMIN,
                       partner_id, now=now)


def insert_user(db: Session, actor: Actor, username: str, display_name: str, email: str,
                role: Role, partner_id: int | None, *, password_hash: str = UNUSABLE_PASSWORD,
                invite: bool = True, now: datetime | None = None
                ) -> tuple[UserOut, IssuedLink | None]:
    """Adds the user under a savepoint: of two creations of one username at once, the second
    gets "That username is taken." like the one that comes later, not a database error."""
    now = now or utcnow()
    username = normalized_username(username)
    if username_taken(db, username):
        raise RuleViolation(USERNAME_TAKEN, field="username")
    user = User(username=username, display_name=display_name, email=email, role=role.value,
                partner_id=partner_id, password_hash=password_hash,
                must_change_password=False, created_at=now)
    try:
        with db.begin_nested():
            db.add(user)
            db.flush()
    except IntegrityError:
        raise RuleViolation(USERNAME_TAKEN, field="username") from None
    audit.record(db, actor, "user.create", "user", user.id,
                 after=audit.snapshot(user, USER_FIELDS), partner_id=partner_id, now=now)
    events.publish(db, UserCreated(actor=actor, at=now, user_id=user.id,
                                   partner_id=partner_id, role=role.value))
    link = issue_link(db, user, "invite", by=actor, now=now) if invite else None
    return user_out(db, user), link


def change_role(db: Session, actor: Actor, user_id: int, role: Role, *,
                now: datetime | None = None) -> UserOut:
    user = managed_user(db, actor, user_id, self_allowed=False)
    _check_grant(db, actor, role, user.partner_id)
    return _change(db, actor, user, "user.role_change", now, role=role.value)


def set_active(db: Session, actor: Actor, user_id: int, active: bool, *,
               now: datetime | None = None) -> UserOut:
    user = managed_user(db, actor, user_id, self_allowed=False)
    now = now or utcnow()
    if not active:
        revoke_user_sessions(db, user.id, "deactivated", now=now)
    return _change(db, actor, user, "user.activate" if active else "user.deactivate", now,
                   is_active=active)


def unlock(db: Session, actor: Actor, user_id: int, *, now: datetime | None = None) -> UserOut:
    user = managed_user(db, actor, user_id, self_allowed=True)
    return _change(db, actor, user, "user.unlock", now, failed_attempts=0, locked_until=None)


def reset_password(db: Session, actor: Actor, user_id: int, *,
                   now: datetime | None = None) -> IssuedLink:
    """The old password stops working and every session ends; the user chooses a new one
    through the reset link (mailed; shown once where no mail server is)."""
    user = managed_user(db, actor, user_id, self_allowed=False)
    now = now or utcnow()
    revoke_user_sessions(db, user.id, "password_reset", now=now)
    _change(db, actor, user, "user.password_reset", now, password_hash=UNUSABLE_PASSWORD,
            must_change_password=False, failed_attempts=0, locked_until=None)
    return issue_link(db, user, "reset", by=actor, now=now)


def managed_user(db: Session, actor: Actor, user_id: int, *, self_allowed: bool) -> User:
    require(actor, "user.manage")
    onboarding.require_agreement(db, actor)
    user = db.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise NotFound("user")
    if actor.is_partner and user.partner_id != actor.partner_id:
        raise NotFound("user")  # another partner's user does not exist for this actor
    if actor.is_partner and user.role not in PARTNER_ROLES:
        raise PermissionDenied()
    if not self_allowed and user.id == actor.user_id:
        raise RuleViolation("You cannot do this to your own account.")
    return user


def _check_grant(db: Session, actor: Actor, role: Role, partner_id: int | None) -> None:
    if role not in grantable_roles(actor):
        raise PermissionDenied("You cannot grant that role.")
    if role in PARTNER_ROLES:
        if partner_id is None or db.get(Partner, partner_id) is None:
            raise RuleViolation("Choose the partner this user belongs to.", field="partner_id")
        if actor.is_partner and partner_id != actor.partner_id:
            raise PermissionDenied()
    if role in VENDOR_ROLES and partner_id is not None:
        raise RuleViolation("Vendor users do not belong to a partner.", field="partner_id")


def _change(db: Session, actor: Actor, user: User, action: str, now: datetime | None,
            **changes) -> UserOut:
    fields = USER_FIELDS + ["failed_attempts", "locked_until"]
    before = audit.snapshot(user, fields)
    for key, value in changes.items():
        setattr(user, key, value)
    audit.record(db, actor, action, "user", user.id, before=before,
                 after=audit.snapshot(user, fields), partner_id=user.partner_id, now=now)
    return user_out(db, user)
