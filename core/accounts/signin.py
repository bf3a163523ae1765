"""Sign-in: lockout kept in the database, and a server-side session for each success.

An attempt is counted and committed BEFORE its password is checked, by one conditional UPDATE
that refuses a locked account: twenty simultaneous guesses against one account are twenty
UPDATEs taking turns on its row, and only the first `lockout_threshold` get a password check.
The check itself (bcrypt, ~0.25 s) runs outside any transaction, so on SQLite it never holds
the write lock that every other writer waits for. An unknown username gets the same check,
against a dummy hash, so that the answer takes as long as for a real account."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import case, literal, or_, select, update
from sqlalchemy.orm import Session

from core import audit, events, onboarding
from core.accounts.records import UserSignedIn, actor_of
from core.accounts.second_factor import owed_at_sign_in
from core.accounts.sessions import end_session, live_session, start_session
from core.accounts.usernames import username_problem
from core.actor import PARTNER_ROLES, Actor
from core.passwords import hash_password, verify_password
from core.settings import get_settings
from core.standing import closed_partner_message
from db.models import User
from db.types import UTCDateTime, utcnow

BAD_CREDENTIALS = "Wrong username or password."


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
    # The session's id, which only the browser's cookie and this run keep.
    session_token: str | None = field(default=None, repr=False)
    # When the session was last recorded as seen (the app writes it at most once a minute).
    last_seen_at: datetime | None = None
    # "verify" or "enrol" while the session still owes its second factor: the page registry
    # then offers only the two-factor page and sign-out.
    second_factor: str | None = None


@dataclass(frozen=True)
class SignInRefused:
    """A refused sign-in. Returned, not raised: the attempt it records must be committed."""

    message: str
    locked_until: datetime | None = None


@dataclass(frozen=True)
class _Attempt:
    user_id: int
    failed_attempts: int
    locked_until: datetime | None
    password_hash: str


def locked_message(until: datetime) -> str:
    return f"Too many failed sign-ins. This account is locked until {until:%Y-%m-%d %H:%M} UTC."


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    return hash_password("no-such-user-dummy-password")


def sign_in(db: Session, username: str, password: str, *, now: datetime | None = None,
            session_ref: str = "") -> SignedIn | SignInRefused:
    """Check credentials and record the attempt, successful or not. Commits twice: the count
    before the password check, the outcome after it."""
    now = now or utcnow()
    # A name outside the username rule (NUL, look-alikes, 10 kB) is no account: never sent
    # to the database as a name, answered like any unknown one.
    username = username.strip().lower() if not username_problem(username) else ""
    password = password if isinstance(password, str) else ""
    attempt = _count_attempt(db, username, now)
    db.commit()
    if attempt is None:
        return _refused_unchecked(db, username, password, now, session_ref)
    right = _check(password, attempt.password_hash)
    user = db.get(User, attempt.user_id)
    actor = actor_of(user)
    if not right or not user.is_active:
        return _failed(db, user, actor, attempt, "wrong password" if user.is_active
                       else "deactivated", now)
    user.failed_attempts = 0
    user.locked_until = None
    if closed := closed_partner_message(db, user.partner_id):
        audit.record(db, actor, "auth.login_refused_partner_closed", "user", user.id, now=now)
        return SignInRefused(closed)
    return open_session(db, user, now)


def open_session(db: Session, user: User, now: datetime, *, method: str = "password"
                 ) -> "SignedIn":
    """The first factor is right (a password, or single sign-on): record the sign-in and
    open a session, which owes the second factor when the user has or needs one."""
    actor = actor_of(user)
    owed = owed_at_sign_in(db, user)
    user.last_login_at = now
    audit.record(db, actor, "auth.login", "user", user.id,
                 after={"method": method} | ({"second_factor": owed} if owed else {}), now=now)
    events.publish(db, UserSignedIn(actor=actor, at=now, user_id=user.id,
                                    partner_id=user.partner_id))
    token = start_session(db, user.id, now=now, second_factor=owed)
    return signed_in(db, user, now, token, now, owed)


def _check(password: str, hashed: str) -> bool:
    """The password check, always a full bcrypt: against the dummy hash for an account that
    has no password yet (invited, or reset), and for an empty password too."""
    usable = hashed.startswith("$2")
    right = verify_password(password or "-", hashed if usable else dummy_hash())
    return right and usable and bool(password)


def _count_attempt(db: Session, username: str, now: datetime) -> _Attempt | None:
    """Count one attempt against an account that is not locked, locking it when this one
    reaches the threshold (a success clears that again). None: unknown or locked."""
    if not username:
        return None
    s = get_settings()
    expired = User.locked_until.is_not(None) & (User.locked_until <= now)
    count = case((expired, 1), else_=User.failed_attempts + 1)
    lock_at = literal(now + timedelta(minutes=s.lockout_minutes), UTCDateTime())
    row = db.execute(
        update(User)
        .where(User.username == username,
               or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_attempts=count,
                locked_until=case((count >= s.lockout_threshold, lock_at), else_=None))
        .returning(User.id, User.failed_attempts, User.locked_until, User.password_hash)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    return _Attempt(*row) if row else None


def _refused_unchecked(db: Session, username: str, password: str, now: datetime,
                       session_ref: str) -> SignInRefused:
    user = db.scalar(select(User).where(User.username == username)) if username else None
    db.commit()  # the lookup's transaction ends here: no lock is held during the check
    if user is not None and user.locked_until and user.locked_until > now:
        audit.record(db, actor_of(user), "auth.login_refused_locked", "user", user.id, now=now)
        return SignInRefused(locked_message(user.locked_until), user.locked_until)
    verify_password(password or "-", dummy_hash())  # as long as a real account's check
    audit.record(db, Actor.anonymous(session_ref), "auth.login_failed", "user", None,
                 after={"username": username[:80], "reason": "unknown user"}, now=now)
    return SignInRefused(BAD_CREDENTIALS)


def _failed(db: Session, user: User, actor: Actor, attempt: _Attempt, reason: str,
            now: datetime) -> SignInRefused:
    audit.record(db, actor, "auth.login_failed", "user", user.id,
                 after={"reason": reason, "failed_attempts": attempt.failed_attempts}, now=now)
    if attempt.locked_until and attempt.locked_until > now:
        audit.record(db, actor, "auth.locked", "user", user.id,
                     after={"locked_until": attempt.locked_until}, now=now)
        return SignInRefused(locked_message(attempt.locked_until), attempt.locked_until)
    return SignInRefused(BAD_CREDENTIALS)


def resume_session(db: Session, token: str | None, *,
                   now: datetime | None = None) -> SignedIn | None:
    """The user behind a session id, or None when the session has ended, expired, or its
    user may no longer sign in (deactivated, or its partner suspended or terminated)."""
    session = live_session(db, token, now=now)
    if session is None:
        return None
    user = db.get(User, session.user_id)
    if user is None or not user.is_active or closed_partner_message(db, user.partner_id):
        return None
    return signed_in(db, user, session.created_at, token, session.last_seen_at,
                     session.second_factor)


def sign_out(db: Session, actor: Actor | None, token: str | None = None, *,
             now: datetime | None = None) -> None:
    end_session(db, token, "logout", now=now)
    if actor is not None and actor.is_signed_in:
        audit.record(db, actor, "auth.logout", "user", actor.user_id, now=now)


def signed_in(db: Session, user: User, at: datetime, token: str | None,
              last_seen_at: datetime | None = None,
              second_factor: str | None = None) -> SignedIn:
    current = True
    if user.role in PARTNER_ROLES and user.partner_id is not None:
        current = onboarding.has_accepted_current(db, user.partner_id)
    return SignedIn(actor_of(user), user.username, user.display_name, user.time_zone,
                    user.must_change_password, at, current, token, last_seen_at,
                    second_factor)
