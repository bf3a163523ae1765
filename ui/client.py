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
    forwarded = st.context.headers.get("X-Forwarded-For")
    return client_address(_text(peer), _text(forwarded), get_settings().trusted_proxies)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
