"""The address of the browser behind this session, as the key of the public form's rate
limits (core.ratelimit.client_address decides what to believe)."""

import streamlit as st

from core.ratelimit import client_address
from core.settings import get_settings


def client_key() -> str:
    """The client's address, or "" when it is not known (a local connection; AppTest, whose
    session has no real connection): then only the limits per e-mail address and domain
    apply."""
    peer = st.context.ip_address
    # Every X-Forwarded-For line, in order: a proxy may add its own line after the one the
    # client sent, and the right-most addresses are the ones to believe.
    lines = [v for v in st.context.headers.get_all("X-Forwarded-For") if isinstance(v, str)]
    return client_address(_text(peer), ", ".join(lines) or None,
                          get_settings().trusted_proxies)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
