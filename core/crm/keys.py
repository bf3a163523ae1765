"""API keys for integrations (the admin's, on the Integrations page): created with scopes and
optionally limited to one partner, shown once, kept as a SHA-256, revocable, with the time
they were last used. `authenticate` is what the API runs on every call."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, field_validator
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor, Role
from core.crm.outbox import known
from core.errors import DomainError, NotFound, PermissionDenied, RuleViolation
from core.permissions import require
from core.validation import RequiredText, as_model
from db.models import ApiKey, Partner, User
from db.session import unit_of_work
from db.types import utcnow

SCOPES = {
    "partners:read": "Read partners",
    "deals:read": "Read deal registrations",
    "deals:write": "Write deal registrations",
    "leads:write": "Create leads",
    "direct_opportunities:write": "Upsert direct opportunities",
    "funds:read": "Read fund claims",
}
PREFIX = "prm_"
# Last-used is written at most this often: a busy integration should not write per call.
TOUCH_EVERY = timedelta(minutes=1)


class Unauthenticated(DomainError):
    """No key, or one that is unknown or revoked (the API answers 401)."""


class KeyIn(BaseModel):
    name: RequiredText(120, "Name the integration.",
                       too_long="Keep the name to 120 characters.") = ""
    scopes: list[str] = []
    partner_id: int | None = None

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("Choose at least one scope.")
        return known(v, SCOPES, "scope(s)")


@dataclass(frozen=True)
class KeyOut:
    id: int
    name: str
    prefix: str
    scopes: tuple[str, ...]
    partner_id: int | None
    partner_name: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class NewKey:
    key: KeyOut
    secret: str  # the whole key, shown this once


@dataclass(frozen=True)
class Caller:
    """An authenticated integration: the actor the core services run as, and its scopes."""

    key_id: int
    actor: Actor
    scopes: frozenset[str]


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _out(db: Session, k: ApiKey) -> KeyOut:
    partner = db.get(Partner, k.partner_id).name if k.partner_id else None
    return KeyOut(k.id, k.name, k.prefix, tuple(k.scopes), k.partner_id, partner,
                  k.created_at, k.last_used_at, k.revoked_at)


def create_key(db: Session, actor: Actor, data: KeyIn | dict, *,
               now: datetime | None = None) -> NewKey:
    require(actor, "integration.manage")
    now = now or utcnow()
    data = as_model(KeyIn, data)
    if data.partner_id is not None and db.get(Partner, data.partner_id) is None:
        raise RuleViolation("Choose the partner from the list.", field="partner_id")
    raw = PREFIX + secrets.token_urlsafe(32)
    k = ApiKey(name=data.name, prefix=raw[:12], key_hash=_digest(raw), scopes=data.scopes,
               partner_id=data.partner_id, created_by_user_id=actor.user_id, created_at=now)
    db.add(k)
    db.flush()
    audit.record(db, actor, "integration.key_create", "api_key", k.id,
                 after={"name": k.name, "prefix": k.prefix, "scopes": k.scopes,
                        "partner_id": k.partner_id}, now=now)
    return NewKey(_out(db, k), raw)


def list_keys(db: Session, actor: Actor) -> list[KeyOut]:
    require(actor, "integration.manage")
    return [_out(db, k) for k in db.scalars(select(ApiKey).order_by(ApiKey.id))]


def revoke_key(db: Session, actor: Actor, key_id: int, *,
               now: datetime | None = None) -> KeyOut:
    """From the next call on, the key is refused."""
    require(actor, "integration.manage")
    now = now or utcnow()
    k = db.get(ApiKey, key_id)
    if k is None:
        raise NotFound("API key")
    if k.revoked_at is not None:
        raise RuleViolation("This key is revoked already.")
    k.revoked_at = now
    db.flush()
    audit.record(db, actor, "integration.key_revoke", "api_key", k.id,
                 before={"revoked_at": None}, after={"revoked_at": now}, now=now)
    return _out(db, k)


def actor_of(k: ApiKey) -> Actor:
    """The actor an integration's calls run as: a partner-limited key as that partner's
    admin (core scopes every read to the partner), a vendor-wide one as the vendor's admin;
    the key's scopes narrow either to the API's resources it names."""
    if k.partner_id is not None:
        return Actor(role=Role.PARTNER_ADMIN, partner_id=k.partner_id, label=f"api:{k.name}")
    return Actor(role=Role.ADMIN, label=f"api:{k.name}")


def authenticate(db: Session, raw: str | None, scope: str, *,
                 now: datetime | None = None) -> Caller:
    """The caller of an API request: Unauthenticated without a live key, PermissionDenied
    when the key lacks `scope`."""
    now = now or utcnow()
    if not raw or not raw.startswith(PREFIX):
        raise Unauthenticated("Send the integration's key as 'Authorization: Bearer prm_...'.")
    k = db.scalar(select(ApiKey).where(ApiKey.key_hash == _digest(raw)))
    if k is None or k.revoked_at is not None:
        raise Unauthenticated("This API key is unknown or revoked.")
    if scope not in k.scopes:
        raise PermissionDenied(f"This API key's scopes do not include {scope}.")
    if k.last_used_at is None or now - k.last_used_at >= TOUCH_EVERY:
        k.last_used_at = now
        db.flush()
    return Caller(k.id, actor_of(k), frozenset(k.scopes))


def acting_user(db: Session, actor: Actor, email: str) -> Actor:
    """The partner user a partner-limited integration acts for (its deals are registered by
    and owned by that rep): an active user of the key's partner with this e-mail."""
    if actor.partner_id is None:
        raise PermissionDenied("Only a key limited to one partner registers that partner's "
                               "deals.")
    wanted = (email or "").strip().lower()
    user = db.scalar(select(User).where(func.lower(User.email) == wanted,
                                        User.partner_id == actor.partner_id,
                                        User.is_active).order_by(User.id).limit(1))
    if not wanted or user is None:
        raise RuleViolation("Give the e-mail of an active user of this partner.",
                            field="owner_email")
    return Actor.user(user.id, user.role, user.partner_id, f"{user.username} ({actor.label})")


def refused_call(engine: Engine, raw: str | None, method: str, path: str, reason: str, *,
                 now: datetime | None = None) -> None:
    """Audit a call refused with a live key (a scope it lacks, a record outside its partner),
    in a transaction of its own: the call's was rolled back."""
    with unit_of_work(engine) as db:
        k = db.scalar(select(ApiKey).where(ApiKey.key_hash == _digest(raw))) if raw else None
        if k is None:
            return
        actor = actor_of(k)
        audit.record(db, actor, "api.refused", "api_key", k.id,
                     after={"method": method, "path": path, "reason": reason[:300]},
                     partner_id=actor.partner_id, now=now or utcnow())


def key_id_of(engine: Engine, raw: str | None) -> int | None:
    """The id of the live key `raw` is, or None."""
    if not raw or not raw.startswith(PREFIX):
        return None
    with engine.connect() as conn:
        return conn.scalar(select(ApiKey.id).where(ApiKey.key_hash == _digest(raw),
                                                   ApiKey.revoked_at.is_(None)))
