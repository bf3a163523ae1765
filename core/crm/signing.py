"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>" with the subscription's secret,
sent as `X-PRM-Signature: t=<unix seconds>,v1=<hex>`. A receiver recomputes it and refuses a
timestamp too far from its clock (a replayed request)."""

import hashlib
import hmac

HEADER = "X-PRM-Signature"
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now: int,
           tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does: the header's timestamp is recent and its v1 matches."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
