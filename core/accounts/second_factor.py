"""Two-factor sign-in for vendor staff: an authenticator app (TOTP, RFC 6238, through pyotp)
and ten one-time recovery codes.

Required for admins and finance (PRM_SECOND_FACTOR_ROLES), offered to the other vendor roles.
A sign-in (a password or single sign-on) whose user has an authenticator, or must have one,
opens a session that owes its second factor (`UserSession.second_factor`: "verify" or
"enrol"). Such a session reaches only the two-factor page and expires in PENDING_MINUTES;
five wrong codes end it. A code is
good in its 30-second step and the step either side, once: the last step used is kept.

Enrolment, recovery codes used or made again, turning it off and an admin's reset are
audited. Recovery codes are shown once, and only their SHA-256 is kept."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from core import audit
from core.actor import VENDOR_ROLES, Actor, Role
from core.errors import NotFound, PermissionDenied, RuleViolation
from core.permissions import require
from core.settings import get_settings
from db.models import RecoveryCode, SecondFactor, User, UserSession
from db.types import utcnow

ISSUER = "PRM"
PENDING_MINUTES = 10
MAX_FAILURES = 5
RECOVERY_CODES = 10
STEP_SECONDS = 30
WRONG_CODE = "That code is not right. Check the time on your phone, or use a recovery code."
TOO_MANY = "Too many wrong codes: sign in again."
PENDING_EXPIRED = "This sign-in has expired: sign in again."
VERIFY, ENROL = "verify", "enrol"


@dataclass(frozen=True)
class Enrolment:
    """What the user's authenticator app needs: the secret (to type in) and its URI (the
    QR code's content)."""

    secret: str
    uri: str


@dataclass(frozen=True)
class SecondFactorStatus:
    offered: bool  # a vendor role: may set one up
    required: bool  # admin or finance: must have one
    enrolled: bool
    recovery_codes_left: int


@dataclass(frozen=True)
class Verified:
    """A pending session's second factor done; recovery codes left (when one was used)."""

    used_recovery_code: bool
    recovery_codes_left: int


@dataclass(frozen=True)
class CodeRefused:
    """A wrong code. Returned, not raised: the failure it counts must be committed."""

    message: str
    session_ended: bool


def required_roles() -> frozenset[Role]:
    names = [n.strip() for n in get_settings().second_factor_roles.split(",") if n.strip()]
    roles = {Role(n) for n in names if n in {r.value for r in VENDOR_ROLES}}
    if len(roles) != len(names):
        raise ValueError(f"PRM_SECOND_FACTOR_ROLES: {names} holds a name that is not a vendor "
                         f"role ({', '.join(sorted(r.value for r in VENDOR_ROLES))})")
    return frozenset(roles)


# ---------------------------------------------------------------- at sign-in


def owed_at_sign_in(db: Session, user: User) -> str | None:
    """What a new session of this user owes: "verify" (it has an authenticator), "enrol"
    (its role needs one and it has none) or None."""
    if Role(user.role) not in VENDOR_ROLES:
        return None
    factor = db.get(SecondFactor, user.id)
    if factor is not None and factor.confirmed_at is not None:
        return VERIFY
    return ENROL if Role(user.role) in required_roles() else None


def pending_expiry(now: datetime) -> datetime:
    return now + timedelta(minutes=PENDING_MINUTES)


def _pending_session(db: Session, token: str, state: str, now: datetime) -> UserSession:
    from core.accounts.sessions import token_hash

    row = db.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token))
                    .with_for_update())
    if (row is None or row.revoked_at is not None or row.second_factor != state
            or row.expires_at <= now):
        raise RuleViolation(PENDING_EXPIRED)
    return row


def _complete(row: UserSession, now: datetime) -> None:
    row.second_factor = None
    row.second_factor_failures = 0
    row.expires_at = now + timedelta(days=get_settings().cookie_expiry_days)


def _failed(db: Session, actor: Actor, row: UserSession, reason: str,
            now: datetime) -> CodeRefused:
    """Count a wrong code against the pending session, ending it at MAX_FAILURES."""
    row.second_factor_failures += 1
    ended = row.second_factor_failures >= MAX_FAILURES
    if ended:
        row.revoked_at, row.revoked_reason = now, "second_factor_failed"
    audit.record(db, actor, "auth.second_factor_failed", "user", row.user_id,
                 after={"reason": reason, "failures": row.second_factor_failures,
                        "session_ended": ended}, now=now)
    return CodeRefused(TOO_MANY if ended else WRONG_CODE, ended)


def verify_sign_in(db: Session, actor: Actor, token: str, code: str, *,
                   now: datetime | None = None) -> Verified | CodeRefused:
    """The second factor of a pending sign-in: a code of the authenticator or a recovery
    code. A wrong one is counted, and refused by the answer (the caller commits it)."""
    now = now or utcnow()
    row = _pending_session(db, token, VERIFY, now)
    if row.user_id != actor.user_id:
        raise PermissionDenied()
    factor = db.get(SecondFactor, row.user_id)
    if factor is None or factor.confirmed_at is None:
        raise RuleViolation(PENDING_EXPIRED)
    code = (code or "").strip()
    used_recovery = False
    if _totp_code(code):
        if not _take_step(factor, code, now):
            return _failed(db, actor, row, "wrong code", now)
    elif _use_recovery_code(db, row.user_id, code, now):
        used_recovery = True
    else:
        return _failed(db, actor, row, "wrong recovery code", now)
    _complete(row, now)
    left = _codes_left(db, row.user_id)
    audit.record(db, actor, "auth.second_factor_ok", "user", row.user_id,
                 after={"recovery_code": used_recovery, "recovery_codes_left": left}, now=now)
    return Verified(used_recovery, left)


# ---------------------------------------------------------------- enrolment


def status(db: Session, actor: Actor) -> SecondFactorStatus:
    require(actor, "account.second_factor")
    role = Role(actor.role)
    factor = db.get(SecondFactor, actor.user_id)
    enrolled = factor is not None and factor.confirmed_at is not None
    return SecondFactorStatus(role in VENDOR_ROLES, role in required_roles(), enrolled,
                              _codes_left(db, actor.user_id) if enrolled else 0)


def begin_enrolment(db: Session, actor: Actor, *, now: datetime | None = None) -> Enrolment:
    """A new secret for the actor's authenticator, kept unconfirmed until a code of it
    matches. Refused while one is set up (turn it off, or ask an admin to reset it)."""
    require(actor, "account.second_factor")
    if Role(actor.role) not in VENDOR_ROLES:
        raise PermissionDenied("Two-factor sign-in is for vendor staff.")
    now = now or utcnow()
    user = db.get(User, actor.user_id)
    factor = db.get(SecondFactor, user.id)
    if factor is not None and factor.confirmed_at is not None:
        raise RuleViolation("Two-factor sign-in is already set up for your account.")
    secret = pyotp.random_base32()
    if factor is None:
        db.add(SecondFactor(user_id=user.id, secret=secret, created_at=now))
    else:
        factor.secret, factor.created_at, factor.last_used_step = secret, now, None
    db.flush()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return Enrolment(secret, uri)


def confirm_enrolment(db: Session, actor: Actor, code: str, *, token: str | None = None,
                      now: datetime | None = None) -> list[str]:
    """Confirm the authenticator with a first code; returns the recovery codes, shown this
    once. A session that owed its enrolment (`token`) is complete from now on."""
    require(actor, "account.second_factor")
    now = now or utcnow()
    factor = db.get(SecondFactor, actor.user_id)
    if factor is None or factor.confirmed_at is not None:
        raise RuleViolation("Start the set-up again.", field="code")
    # A wrong code here is not counted: the secret is the one just shown to this user.
    row = _pending_session(db, token, ENROL, now) if token is not None else None
    _require_code(factor, code, now)
    factor.confirmed_at = now
    codes = _new_recovery_codes(db, actor.user_id, now)
    if row is not None:
        _complete(row, now)
    audit.record(db, actor, "user.second_factor_enrolled", "user", actor.user_id,
                 after={"recovery_codes": len(codes)}, now=now)
    return codes


def new_recovery_codes(db: Session, actor: Actor, code: str, *,
                       now: datetime | None = None) -> list[str]:
    """Ten new recovery codes for a current authenticator code; the old ones stop working."""
    now = now or utcnow()
    factor = _confirmed(db, actor)
    _require_code(factor, code, now)
    codes = _new_recovery_codes(db, actor.user_id, now)
    audit.record(db, actor, "user.recovery_codes_renewed", "user", actor.user_id,
                 after={"recovery_codes": len(codes)}, now=now)
    return codes


def turn_off(db: Session, actor: Actor, code: str, *, now: datetime | None = None) -> None:
    """Remove one's own authenticator, with a current code; not for admins and finance."""
    now = now or utcnow()
    factor = _confirmed(db, actor)
    if Role(actor.role) in required_roles():
        raise RuleViolation("Your role requires two-factor sign-in: it cannot be turned off.")
    _require_code(factor, code, now)
    _remove(db, actor.user_id)
    audit.record(db, actor, "user.second_factor_off", "user", actor.user_id, now=now)


def reset_for_user(db: Session, actor: Actor, user_id: int, *,
                   now: datetime | None = None) -> int:
    """An admin removes another user's authenticator and recovery codes (a lost phone) and
    ends the user's sessions; the user sets one up again at the next sign-in (admin and
    finance) or when it wants to. Returns the sessions ended."""
    from core.accounts.sessions import revoke_user_sessions

    require(actor, "user.second_factor_reset")
    now = now or utcnow()
    user = db.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise NotFound("user")
    if user.id == actor.user_id:
        raise RuleViolation("Another admin resets your own two-factor sign-in.")
    factor = db.get(SecondFactor, user.id)
    if factor is None or factor.confirmed_at is None:
        raise RuleViolation(f"{user.display_name} has no two-factor sign-in to reset.")
    _remove(db, user.id)
    ended = revoke_user_sessions(db, user.id, "second_factor_reset", now=now)
    audit.record(db, actor, "user.second_factor_reset", "user", user.id,
                 after={"sessions_ended": ended}, now=now)
    return ended


def enrolled_user_ids(db: Session, actor: Actor, user_ids: list[int]) -> set[int]:
    """Which of these users have two-factor sign-in set up (for the Users page)."""
    require(actor, "user.view")
    if not user_ids:
        return set()
    return set(db.scalars(select(SecondFactor.user_id).where(
        SecondFactor.user_id.in_(user_ids), SecondFactor.confirmed_at.is_not(None))))


# ---------------------------------------------------------------- codes


def _totp_code(code: str) -> bool:
    return len(code) == 6 and code.isdigit()


def _require_code(factor: SecondFactor, code: str | None, now: datetime) -> None:
    """A current, unused code of the authenticator, else the wrong-code refusal."""
    code = (code or "").strip()
    if not _totp_code(code) or not _take_step(factor, code, now):
        raise RuleViolation(WRONG_CODE, field="code")


def _take_step(factor: SecondFactor, code: str, now: datetime) -> bool:
    """Whether `code` is the authenticator's for this step or one either side and was not
    used before; the step is kept, so the same code (or an older one) fails next time."""
    totp = pyotp.TOTP(factor.secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if factor.last_used_step is not None and step <= factor.last_used_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            factor.last_used_step = step
            return True
    return False


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").replace(" ", "").lower().encode()).hexdigest()


def _new_recovery_codes(db: Session, user_id: int, now: datetime) -> list[str]:
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)  # 40 bits, shown as xxxxx-xxxxx
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.add(RecoveryCode(user_id=user_id, code_hash=_code_hash(raw), created_at=now))
    db.flush()
    return codes


def _use_recovery_code(db: Session, user_id: int, code: str, now: datetime) -> bool:
    if not code or len(code) > 40:
        return False
    used = db.execute(update(RecoveryCode).where(
        RecoveryCode.user_id == user_id, RecoveryCode.code_hash == _code_hash(code),
        RecoveryCode.used_at.is_(None)).values(used_at=now)
        .execution_options(synchronize_session=False))
    return used.rowcount == 1


def _codes_left(db: Session, user_id: int) -> int:
    return db.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))) or 0


def _confirmed(db: Session, actor: Actor) -> SecondFactor:
    require(actor, "account.second_factor")
    factor = db.get(SecondFactor, actor.user_id)
    if factor is None or factor.confirmed_at is None:
        raise RuleViolation("Two-factor sign-in is not set up for your account.")
    return factor


def _remove(db: Session, user_id: int) -> None:
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    db.execute(delete(SecondFactor).where(SecondFactor.user_id == user_id))
