"""Server-side sessions, one-time account links, second factors, single sign-on identities
and the public form's rate-limit hits."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import BigIntKey, UTCDateTime, utcnow


class UserSession(Base):
    """A signed-in browser. The cookie carries a random id; only its SHA-256 is stored, so a
    copy of this table signs nobody in. Every run checks the row, so a revoke (logout,
    password change, deactivation, "end all sessions") holds on every replica."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(30))
    # "verify" or "enrol" while the second factor is still owed (the session opens only the
    # two-factor page until then, and expires soon); None once it is done or not needed.
    second_factor: Mapped[str | None] = mapped_column(String(10))
    second_factor_failures: Mapped[int] = mapped_column(default=0, server_default="0")


class SecondFactor(Base):
    """A user's authenticator (TOTP): its secret, confirmed once a first code matched, and
    the last time step used, so that a code works once."""

    __tablename__ = "user_second_factors"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)


class RecoveryCode(Base):
    """A one-time code that stands in for the authenticator; only its SHA-256 is kept."""

    __tablename__ = "user_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserIdentity(Base):
    """A single sign-on identity linked to a user: recognised by (issuer, subject) only,
    never by its e-mail address, which the provider may let its owner change."""

    __tablename__ = "user_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(320))  # as verified when it was linked
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    linked_via: Mapped[str] = mapped_column(String(20))  # "invitation" or "admin"
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The issue time (iat) of the last identity token used: each token signs in once.
    last_token_iat: Mapped[int | None] = mapped_column(BigInteger)


class AccountLink(Base):
    """A one-time link that lets its holder set a password: an invitation or a reset.
    Only the token's SHA-256 is stored; valid once, until `expires_at`."""

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # "invite" or "reset"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class RateLimitHit(Base):
    """One counted attempt of a rate-limited action (the public application form) under one
    key: a client address, an e-mail address or an e-mail domain."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_bucket_key_at", "bucket", "key", "at"),)

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    bucket: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
