"""Server-side sessions. The browser's cookie holds a random session id, signed with the
cookie key; the database holds the id's SHA-256 with the user, when it started, when it was
last seen, when it expires and whether it was revoked. Every run of the app checks that row,
so a logout, a password change, a deactivation or an admin's "end all sessions" holds at once
on every replica, and a copied cookie is worth nothing after it."""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.settings import get_settings
from db.models import User, UserSession
from db.types import utcnow

# last_seen_at is written at most this often: a run is not a write.
TOUCH_EVERY = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _signature(token: str, key: str) -> str:
    mac = hmac.new(key.encode(), token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def cookie_value(token: str, key: str) -> str:
    return f"{token}.{_signature(token, key)}"


def token_from_cookie(value: str | None, key: str) -> str | None:
    """The session id of a cookie signed with `key`, else None (a forged or foreign cookie
    is not even looked up)."""
    if not value or value.count(".") != 1:
        return None
    token, signature = value.split(".")
    if not token or not hmac.compare_digest(signature, _signature(token, key)):
        return None
    return token


@dataclass(frozen=True)
class SessionRow:
    id: int
    user_id: int
    created_at: datetime
    last_seen_at: datetime
    second_factor: str | None = None  # still owed: "verify" or "enrol"


def start_session(db: Session, user_id: int, *, now: datetime | None = None,
                  second_factor: str | None = None) -> str:
    """A new session for the user; returns its id, which only the cookie keeps. A session
    that still owes its second factor lasts minutes, not days, until it is given."""
    from core.accounts.second_factor import pending_expiry

    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    expires = (pending_expiry(now) if second_factor
               else now + timedelta(days=get_settings().cookie_expiry_days))
    db.add(UserSession(token_hash=token_hash(token), user_id=user_id, created_at=now,
                       last_seen_at=now, expires_at=expires, second_factor=second_factor))
    db.flush()
    return token


def live_session(db: Session, token: str | None, *,
                 now: datetime | None = None) -> SessionRow | None:
    """The session behind `token` while it is neither revoked nor expired. A read only: the
    app checks this on every run; `touch_session` writes "last seen" now and then."""
    if not isinstance(token, str) or not token or len(token) > 100:
        return None
    now = now or utcnow()
    row = db.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    return SessionRow(row.id, row.user_id, row.created_at, row.last_seen_at, row.second_factor)


def touch_due(last_seen_at: datetime, now: datetime | None = None) -> bool:
    return (now or utcnow()) - last_seen_at >= TOUCH_EVERY


def touch_session(db: Session, token: str, *, now: datetime | None = None) -> None:
    """Last seen now, written at most once a minute (the caller asks `touch_due` first)."""
    now = now or utcnow()
    db.execute(update(UserSession).where(UserSession.token_hash == token_hash(token),
                                         UserSession.last_seen_at <= now - TOUCH_EVERY)
               .values(last_seen_at=now).execution_options(synchronize_session=False))


def end_session(db: Session, token: str | None, reason: str, *,
                now: datetime | None = None) -> None:
    if token:
        _revoke(db, UserSession.token_hash == token_hash(token), reason, now)


def revoke_user_sessions(db: Session, user_id: int, reason: str, *,
                         now: datetime | None = None) -> int:
    """Ends every live session of the user; how many there were."""
    return _revoke(db, UserSession.user_id == user_id, reason, now)


def _revoke(db: Session, where, reason: str, now: datetime | None) -> int:
    now = now or utcnow()
    result = db.execute(update(UserSession).where(where, UserSession.revoked_at.is_(None),
                                                  UserSession.expires_at > now)
                        .values(revoked_at=now, revoked_reason=reason)
                        .execution_options(synchronize_session=False))
    return result.rowcount or 0


def live_session_count(db: Session, user_id: int, *, now: datetime | None = None) -> int:
    now = now or utcnow()
    return db.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None),
        UserSession.expires_at > now)) or 0


def end_all_sessions(db: Session, actor: Actor, user_id: int, *,
                     now: datetime | None = None) -> int:
    """An admin (or a partner admin for its own partner's users) signs a user out of every
    browser at once; audited. Returns the number of sessions ended."""
    from core.accounts.users import managed_user  # users imports this module

    user: User = managed_user(db, actor, user_id, self_allowed=True)
    ended = revoke_user_sessions(db, user.id, "ended_by_admin", now=now)
    audit.record(db, actor, "user.sessions_end", "user", user.id, after={"ended": ended},
                 partner_id=user.partner_id, now=now)
    return ended
