"""Server-side sessions, one-time account links and the public form's rate-limit hits."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
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
