"""Keyed locks: make a read-then-write (first come, first served; one evaluation at a time)
one step for concurrent transactions, on both databases.

PostgreSQL: a transaction-scoped advisory lock on the key, released at commit or rollback.
SQLite has one writer at a time: a transaction that began with BEGIN IMMEDIATE
(`unit_of_work(engine, immediate=True)`: every page action and job) already holds it; one
that began deferred takes it here with a write to `keyed_locks`, before the read it guards.

A service that needs it says so by calling `hold(db, key)` before the read it guards."""

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session


def key_id(key: str) -> int:
    """The 64-bit advisory-lock number of a key name."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big",
                          signed=True)


def hold(db: Session, key: str) -> None:
    """Hold the lock on `key` until the caller's transaction ends."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key_id(key)})
    else:
        db.execute(text("INSERT INTO keyed_locks (key) VALUES (:key) ON CONFLICT DO NOTHING"),
                   {"key": key})


def hold_many(db: Session, keys: list[str]) -> None:
    """Hold the locks on all these keys (in one statement; in a fixed order, so that two
    transactions taking overlapping sets never wait on each other in a circle)."""
    if not keys:
        return
    if db.get_bind().dialect.name == "postgresql":
        ids = sorted({key_id(k) for k in keys})
        db.execute(text("SELECT count(pg_advisory_xact_lock(k)) FROM "
                        "(SELECT unnest(CAST(:ids AS bigint[])) AS k ORDER BY 1) AS ordered"),
                   {"ids": ids})
    else:
        db.execute(text("INSERT INTO keyed_locks (key) VALUES (:key) ON CONFLICT DO NOTHING"),
                   [{"key": k} for k in sorted(set(keys))])
