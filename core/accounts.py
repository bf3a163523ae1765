"""Sign-in with lockout kept in the database, sessions, profiles and user management."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import case, func, literal, select, update
from sqlalchemy.orm import Session

from core import audit, events, onboarding
from core.actor import PARTNER_ROLES, USER_ROLES, VENDOR_ROLES, Actor, Role
from core.errors import NotFound, PermissionDenied, RuleViolation
from core.passwords import hash_password, password_problem, temporary_password, verify_password
from core.permissions import require, scope
from core.settings import get_settings
from core.validation import Email, RequiredText
from db.models import Partner, User
from db.types import UTCDateTime, utcnow

BAD_CREDENTIALS = "Wrong username or password."


@dataclass(frozen=True, kw_only=True)
class UserCreated(events.DomainEvent):
    """A user was added (onboarding ticks "invite a team member" at a partner's second)."""

    user_id: int
    partner_id: int | None
    role: str
USER_FIELDS = ["username", "display_name", "email", "role", "partner_id", "is_active",
               "time_zone", "email_notifications", "must_change_password"]


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    username: str
    display_name: str
    time_zone: str
    must_change_password: bool
    signed_in_at: datetime
    # False while the user's partner has not accepted the current agreement: the page registry
    # then offers only the agreement, the profile pages and sign-out. Always True for vendors.
    agreement_current: bool = True


@dataclass(frozen=True)
class SignInRefused:
    """A refused sign-in. Returned, not raised: the attempt it records must be committed."""

    message: str
    locked_until: datetime | None = None


def _locked_message(until: datetime) -> str:
    return f"Too many failed sign-ins. This account is locked until {until:%Y-%m-%d %H:%M} UTC."


# ---------------------------------------------------------------- sign-in and sessions


def sign_in(db: Session, username: str, password: str, *, now: datetime | None = None,
            session_ref: str = "") -> SignedIn | SignInRefused:
    """Check credentials and record the attempt, successful or not."""
    now = now or utcnow()
    username = (username or "").strip().lower()
    user = db.scalar(select(User).where(User.username == username))
    if user is None or not password:
        audit.record(db, Actor.anonymous(session_ref), "auth.login_failed", "user", None,
                     after={"username": username, "reason": "unknown user"}, now=now)
        return SignInRefused(BAD_CREDENTIALS)
    actor = _actor(user)
    if user.locked_until and user.locked_until > now:
        audit.record(db, actor, "auth.login_refused_locked", "user", user.id, now=now)
        return SignInRefused(_locked_message(user.locked_until), user.locked_until)
    if not verify_password(password, user.password_hash) or not user.is_active:
        reason = "wrong password" if user.is_active else "deactivated"
        return _record_failure(db, user, actor, reason, now)
    user.failed_attempts = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record(db, actor, "auth.login", "user", user.id, now=now)
    return _signed_in(db, user, now)


def _record_failure(db: Session, user: User, actor: Actor, reason: str,
                    now: datetime) -> SignInRefused:
    """Count the failure and lock at the threshold in one UPDATE, so concurrent attempts
    on any replica neither lose a count nor race the lock."""
    s = get_settings()
    expired = (User.locked_until.is_not(None)) & (User.locked_until <= now)
    new_count = case((expired, 1), else_=User.failed_attempts + 1)
    lock_at = literal(now + timedelta(minutes=s.lockout_minutes), UTCDateTime())
    stmt = (
        update(User)
        .where(User.id == user.id)
        .values(
            failed_attempts=new_count,
            locked_until=case((new_count >= s.lockout_threshold, lock_at),
                              else_=case((expired, None), else_=User.locked_until)),
        )
        .returning(User.failed_attempts, User.locked_until)
        .execution_options(synchronize_session=False)
    )
    count, locked_until = db.execute(stmt).one()
    db.expire(user)
    audit.record(db, actor, "auth.login_failed", "user", user.id,
                 after={"reason": reason, "failed_attempts": count}, now=now)
    if locked_until and locked_until > now and count >= s.lockout_threshold:
        audit.record(db, actor, "auth.locked", "user", user.id,
                     after={"locked_until": locked_until}, now=now)
        return SignInRefused(_locked_message(locked_until), locked_until)
    return SignInRefused(BAD_CREDENTIALS)


def resume_session(db: Session, username: str, signed_in_at: datetime) -> SignedIn | None:
    """The user behind a session or cookie, or None when it has been ended since."""
    user = db.scalar(select(User).where(User.username == (username or "").lower()))
    if user is None or not user.is_active:
        return None
    if user.sessions_valid_after and signed_in_at < user.sessions_valid_after:
        return None
    return _signed_in(db, user, signed_in_at)


def sign_out(db: Session, actor: Actor, *, now: datetime | None = None) -> None:
    if actor.is_signed_in:
        audit.record(db, actor, "auth.logout", "user", actor.user_id, now=now)


def _actor(user: User) -> Actor:
    return Actor.user(user.id, user.role, user.partner_id, user.username)


def _signed_in(db: Session, user: User, at: datetime) -> SignedIn:
    current = True
    if user.role in PARTNER_ROLES and user.partner_id is not None:
        current = onboarding.has_accepted_current(db, user.partner_id)
    return SignedIn(_actor(user), user.username, user.display_name, user.time_zone,
                    user.must_change_password, at, current)


# ---------------------------------------------------------------- profile


class ProfileIn(BaseModel):
    display_name: RequiredText(120, "Enter a display name.")
    time_zone: str
    email_notifications: bool = True

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("Choose a time zone from the list.") from None
        return v


def time_zones() -> list[str]:
    return sorted(z for z in available_timezones() if "/" in z or z == "UTC")


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


def get_profile(db: Session, actor: Actor) -> UserOut:
    require(actor, "profile.edit")
    return _user_out(db, _own(db, actor))


def update_profile(db: Session, actor: Actor, data: ProfileIn, *,
                   now: datetime | None = None) -> UserOut:
    require(actor, "profile.edit")
    user = _own(db, actor)
    before = audit.snapshot(user, USER_FIELDS)
    user.display_name = data.display_name
    user.time_zone = data.time_zone
    user.email_notifications = data.email_notifications
    audit.record(db, actor, "user.profile_update", "user", user.id, before=before,
                 after=audit.snapshot(user, USER_FIELDS), now=now)
    return _user_out(db, user)


def change_own_password(db: Session, actor: Actor, current: str, new: str, *,
                        now: datetime | None = None) -> datetime:
    """Returns the moment from which sessions are valid: the caller's own session restarts
    there, every other session of the user ends."""
    require(actor, "profile.edit")
    now = now or utcnow()
    user = _own(db, actor)
    if not verify_password(current or "", user.password_hash):
        raise RuleViolation("The current password is not right.", field="current")
    if problem := password_problem(user.username, new or ""):
        raise RuleViolation(problem, field="new")
    if verify_password(new, user.password_hash):
        raise RuleViolation("Choose a password different from the current one.", field="new")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.sessions_valid_after = now
    audit.record(db, actor, "user.password_change", "user", user.id, now=now)
    return now


def _own(db: Session, actor: Actor) -> User:
    user = db.get(User, actor.user_id) if actor.user_id else None
    if user is None:
        raise NotFound("user")
    return user


# ---------------------------------------------------------------- user management


class NewUserIn(BaseModel):
    username: str = Field(min_length=3, max_length=80)
    display_name: RequiredText(120, "Enter the user's display name.")
    email: Email()
    role: Role
    partner_id: int | None = None

    @field_validator("username")
    @classmethod
    def _username(cls, v: str) -> str:
        v = v.strip().lower()
        if not v.replace(".", "").replace("_", "").replace("-", "").isalnum():
            raise ValueError("Use letters, digits, dots, dashes or underscores.")
        return v

    @field_validator("role")
    @classmethod
    def _role(cls, v: Role) -> Role:
        if v not in USER_ROLES:
            raise ValueError("Choose a user role.")
        return v


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
    if filt.search:
        term = f"%{filt.search.strip().lower()}%"
        q = q.where(func.lower(User.username).like(term)
                    | func.lower(User.display_name).like(term))
    if filt.role:
        q = q.where(User.role == filt.role)
    if filt.active is not None:
        q = q.where(User.is_active == filt.active)
    rows = db.execute(q.order_by(User.username).limit(limit)).all()
    return [_user_out(db, u, pname) for u, pname in rows]


def create_user(db: Session, actor: Actor, data: NewUserIn, *,
                now: datetime | None = None) -> tuple[UserOut, str]:
    """Returns the new user and a temporary password to show once."""
    require(actor, "user.manage")
    onboarding.require_agreement(db, actor)
    partner_id = actor.partner_id if actor.is_partner else data.partner_id
    _check_grant(db, actor, data.role, partner_id)
    user, temp = _insert_user(db, actor, data.username, data.display_name.strip(), data.email,
                              data.role, partner_id, now=now)
    return _user_out(db, user), temp


def create_partner_admin(db: Session, actor: Actor, partner_id: int, *, display_name: str,
                         email: str, username: str | None = None,
                         now: datetime | None = None) -> tuple[UserOut, str]:
    """The first user of a newly approved partner: its partner admin, with a temporary
    password returned once (only its hash is stored) and to be changed at first sign-in.

    The username is the given one, or the e-mail's local part plus the partner id
    (jane.doe.p41)."""
    require(actor, "partner.create")
    if db.get(Partner, partner_id) is None:
        raise NotFound("partner")
    username = (check_username(db, username) if (username or "").strip()
                else derived_username(db, email, partner_id))
    user, temp = _insert_user(db, actor, username, display_name, email, Role.PARTNER_ADMIN,
                              partner_id, now=now)
    return _user_out(db, user), temp


_USERNAME = re.compile(r"[a-z0-9._-]+")


def check_username(db: Session, username: str) -> str:
    """A username typed by a person: 3 to 80 letters, digits, dots, dashes or underscores,
    not yet taken."""
    username = username.strip().lower()
    if not 3 <= len(username) <= 80 or not _USERNAME.fullmatch(username):
        raise RuleViolation("Use 3 to 80 letters, digits, dots, dashes or underscores.",
                            field="username")
    if db.scalar(select(User.id).where(User.username == username)) is not None:
        raise RuleViolation("That username is taken.", field="username")
    return username


def derived_username(db: Session, email: str, partner_id: int) -> str:
    """The e-mail's local part plus the partner id, made unique."""
    local = email.rsplit("@", 1)[0].lower()
    local = re.sub(r"[^a-z0-9._-]+", ".", local)
    local = re.sub(r"\.{2,}", ".", local).strip("._-")[:60] or "admin"
    base = f"{local}.p{partner_id}"
    candidate, n = base, 1
    while db.scalar(select(User.id).where(User.username == candidate)) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _insert_user(db: Session, actor: Actor, username: str, display_name: str, email: str,
                 role: Role, partner_id: int | None, *,
                 now: datetime | None) -> tuple[User, str]:
    if db.scalar(select(User.id).where(User.username == username)):
        raise RuleViolation("That username is taken.", field="username")
    temp = temporary_password()
    user = User(username=username, display_name=display_name, email=email, role=role.value,
                partner_id=partner_id, password_hash=hash_password(temp),
                must_change_password=True, created_at=now or utcnow())
    db.add(user)
    db.flush()
    audit.record(db, actor, "user.create", "user", user.id,
                 after=audit.snapshot(user, USER_FIELDS), partner_id=partner_id, now=now)
    events.publish(db, UserCreated(actor=actor, at=user.created_at, user_id=user.id,
                                   partner_id=partner_id, role=role.value))
    return user, temp


def change_role(db: Session, actor: Actor, user_id: int, role: Role, *,
                now: datetime | None = None) -> UserOut:
    user = _managed(db, actor, user_id, self_allowed=False)
    _check_grant(db, actor, role, user.partner_id)
    return _change(db, actor, user, "user.role_change", now, role=role.value)


def set_active(db: Session, actor: Actor, user_id: int, active: bool, *,
               now: datetime | None = None) -> UserOut:
    user = _managed(db, actor, user_id, self_allowed=False)
    now = now or utcnow()
    changes: dict = {"is_active": active}
    if not active:
        changes["sessions_valid_after"] = now
    return _change(db, actor, user, "user.activate" if active else "user.deactivate", now,
                   **changes)


def unlock(db: Session, actor: Actor, user_id: int, *, now: datetime | None = None) -> UserOut:
    user = _managed(db, actor, user_id, self_allowed=True)
    return _change(db, actor, user, "user.unlock", now, failed_attempts=0, locked_until=None)


def reset_password(db: Session, actor: Actor, user_id: int, *,
                   now: datetime | None = None) -> str:
    """A temporary password, shown once; the user must change it at next sign-in."""
    user = _managed(db, actor, user_id, self_allowed=False)
    now = now or utcnow()
    temp = temporary_password()
    _change(db, actor, user, "user.password_reset", now, password_hash=hash_password(temp),
            must_change_password=True, sessions_valid_after=now, failed_attempts=0,
            locked_until=None)
    return temp


def _managed(db: Session, actor: Actor, user_id: int, *, self_allowed: bool) -> User:
    require(actor, "user.manage")
    onboarding.require_agreement(db, actor)
    user = db.get(User, user_id)
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
    before = audit.snapshot(user, USER_FIELDS + ["failed_attempts", "locked_until"])
    for key, value in changes.items():
        setattr(user, key, value)
    audit.record(db, actor, action, "user", user.id, before=before,
                 after=audit.snapshot(user, USER_FIELDS + ["failed_attempts", "locked_until"]),
                 partner_id=user.partner_id, now=now)
    return _user_out(db, user)


def _user_out(db: Session, u: User, partner_name: str | None = None) -> UserOut:
    if partner_name is None and u.partner_id:
        partner_name = db.scalar(select(Partner.name).where(Partner.id == u.partner_id))
    return UserOut(u.id, u.username, u.display_name, u.email, u.role, u.partner_id,
                   partner_name, u.is_active, u.locked_until, u.failed_attempts,
                   u.must_change_password, u.time_zone, u.email_notifications,
                   u.last_login_at)
