"""Rate limits over time, kept in the database so that they hold across sessions, replicas
and restarts: at most `limit` counted attempts per (bucket, key) in a sliding `window`.

A bucket names what is limited and by what ("application-address", "application-email");
the key is the value (a client address, an e-mail address, a domain). An empty key is not
limited: a caller that does not know the client's address still applies its other limits.

What counts: an attempt that a limit allows is counted in the caller's transaction, so it
stays counted only when the caller's work is committed; an attempt refused by a limit writes
nothing (a flood of refused attempts does not fill the table, and a refused visitor is not
locked out for longer). A caller that wants every attempt counted, whatever its outcome
(e.g. "Forgot password", which always answers the same), counts in a transaction of its own.

    check_and_count(db, Limit("reset-email", email, 3, timedelta(hours=1), message), now=now)

`check` then `count` separately when some keys are known only later (the public form checks
the client address before validating the form, the e-mail address after). Checks and counts
of one bucket are serialized with a keyed lock, so two simultaneous attempts cannot both take
the last place. `purge` deletes hits older than RETENTION, the longest window allowed."""

import ipaddress
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.errors import RuleViolation
from db import locks
from db.models import RateLimitHit
from db.types import utcnow

log = logging.getLogger("prm.ratelimit")

RETENTION = timedelta(days=7)
KEY_MAX = 254  # the column's length: an e-mail address's longest


class RateLimited(RuleViolation):
    """A limit said no; `retry_after`: the seconds until there is room again (an API's
    Retry-After)."""

    def __init__(self, message: str, field: str | None = None, *, retry_after: int = 1):
        super().__init__(message, field=field)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    """At most `limit` attempts per `key` of `bucket` within `window`; `limit` <= 0 turns
    the limit off. `message` is the refusal, with `{wait}` replaced by "N minutes" or
    "N hours" (how long until one attempt leaves the window); `field` is the input the
    refusal is shown beside (None: the form as a whole)."""

    bucket: str
    key: str
    limit: int
    window: timedelta
    message: str = "Too many attempts. Please try again in {wait}."
    field: str | None = None

    def __post_init__(self) -> None:
        if self.window > RETENTION:
            raise ValueError(f"a rate-limit window may be at most {RETENTION}")

    @property
    def normalized_key(self) -> str:
        return (self.key or "").strip().lower()[:KEY_MAX]

    @property
    def active(self) -> bool:
        return self.limit > 0 and bool(self.normalized_key)


def check(db: Session, limits: Iterable[Limit], *, now: datetime | None = None) -> None:
    """Raise RuleViolation (the first exceeded limit's message) when any limit is reached;
    write nothing but the keyed lock of each bucket."""
    now = now or utcnow()
    for lim in _active(limits):
        locks.hold(db, _lock_key(lim.bucket))
        recent = list(db.scalars(
            select(RateLimitHit.at)
            .where(RateLimitHit.bucket == lim.bucket, RateLimitHit.key == lim.normalized_key,
                   RateLimitHit.at > now - lim.window)
            .order_by(RateLimitHit.at)))
        if len(recent) >= lim.limit:
            # The attempt that has to leave the window before there is room for one more.
            frees_at = recent[len(recent) - lim.limit] + lim.window
            raise RateLimited(lim.message.replace("{wait}", _wait(frees_at - now)),
                              field=lim.field,
                              retry_after=max(1, math.ceil((frees_at - now).total_seconds())))


def count(db: Session, limits: Iterable[Limit], *, now: datetime | None = None) -> None:
    """Count one attempt under each limit (in the caller's transaction)."""
    now = now or utcnow()
    for lim in _active(limits):
        locks.hold(db, _lock_key(lim.bucket))
        db.add(RateLimitHit(bucket=lim.bucket, key=lim.normalized_key, at=now))
    db.flush()


def check_and_count(db: Session, *limits: Limit, now: datetime | None = None) -> None:
    """Check every limit, then count the attempt under each: all or nothing."""
    now = now or utcnow()
    check(db, limits, now=now)
    count(db, limits, now=now)


def purge(db: Session, *, now: datetime | None = None) -> int:
    """Delete hits older than RETENTION (no window reaches them); how many."""
    cutoff = (now or utcnow()) - RETENTION
    return db.execute(delete(RateLimitHit).where(RateLimitHit.at < cutoff)
                      .execution_options(synchronize_session=False)).rowcount or 0


def _active(limits: Iterable[Limit]) -> list[Limit]:
    return [lim for lim in limits if lim.active]


def _lock_key(bucket: str) -> str:
    # One lock per bucket, not per key: on SQLite a keyed lock is a row in keyed_locks.
    return f"rate-limit:{bucket}"


def _wait(delta: timedelta) -> str:
    minutes = max(1, math.ceil(delta.total_seconds() / 60))
    if minutes <= 90:
        return f"{minutes} minute" + ("s" if minutes != 1 else "")
    hours = math.ceil(minutes / 60)
    return f"{hours} hours"


# ---------------------------------------------------------------- the client's address


LOOPBACK = "127.0.0.1"


def client_address(peer: str | None, forwarded_for: str | None, trusted_proxies: str) -> str:
    """The key of the client behind a request: `peer` is the direct connection's address
    (Streamlit gives None for a local one), `forwarded_for` the X-Forwarded-For header,
    `trusted_proxies` a comma-separated list of proxy addresses or networks
    ("10.0.0.5, 10.1.0.0/16"; name 127.0.0.1 when the proxy runs on the same host).

    The header is believed only when the peer is a trusted proxy, and then only up to the
    right-most address that is not one (everything left of it is whatever the client sent).
    IPv6 clients are keyed by their /64 network (one subscriber's usual allocation). Empty
    when the client is this host itself, or not known: then no address limit applies."""
    trusted = _networks(trusted_proxies)
    hops = [h.strip() for h in (forwarded_for or "").split(",") if h.strip()]
    address = (peer or "").strip() or LOOPBACK
    while _is_trusted(address, trusted) and hops:
        address = hops.pop()
    return _key(address)


def _networks(spec: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    nets = []
    for part in (spec or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            nets.append(ipaddress.ip_network(part, strict=False))
        except ValueError:  # a typo in the setting must not close the form to everyone
            log.warning("PRM_TRUSTED_PROXIES: %r is no address or network; ignored", part)
    return nets


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return ip.ipv4_mapped
    return ip


def _is_trusted(address: str, trusted: list) -> bool:
    ip = _parse(address)
    return ip is not None and any(ip.version == n.version and ip in n for n in trusted)


def _key(address: str) -> str:
    ip = _parse(address)
    if ip is None:
        # Not an address (a proxy passed on something else): still a key, but a bounded one.
        return address[:64]
    if ip.is_loopback:
        return ""
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
