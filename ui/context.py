"""The app's engine, sessions and the signed-in user, as Streamlit sees them."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

import streamlit as st
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from core.accounts import SignedIn, has_admin
from core.actor import Actor
from core.memory import settle_memory
from core.settings import get_settings
from db.session import make_engine, unit_of_work

USER_KEY = "prm_user"


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    engine = make_engine(url, interactive=True)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    settle_memory()
    return engine


def engine() -> Engine:
    return _engine(get_settings().database_url)


@contextmanager
def db(*, immediate: bool = False) -> Iterator[Session]:
    """One unit of work: commits at the end of the block, rolls back on error."""
    with unit_of_work(engine(), immediate=immediate) as session:
        yield session


def first_admin_exists() -> bool:
    """Whether an admin exists; once true it stays true for this browser session."""
    if not st.session_state.get("prm_has_admin"):
        with db() as session:
            st.session_state["prm_has_admin"] = has_admin(session)
    return st.session_state["prm_has_admin"]


def current_user() -> SignedIn | None:
    return st.session_state.get(USER_KEY)


def current_actor() -> Actor:
    user = current_user()
    return user.actor if user else Actor.anonymous(session_ref())


def session_ref() -> str:
    ctx = st.runtime.scriptrunner.get_script_run_ctx()
    return ctx.session_id[:8] if ctx else ""


def local_day(value: datetime | None) -> date | None:
    """The day a UTC datetime falls on in the signed-in user's zone."""
    if value is None:
        return None
    user = current_user()
    return value.astimezone(ZoneInfo(user.time_zone if user else "UTC")).date()


def local_time(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC datetime shown in the signed-in user's zone."""
    if value is None:
        return ""
    user = current_user()
    zone = ZoneInfo(user.time_zone) if user else ZoneInfo("UTC")
    return value.astimezone(zone).strftime(fmt)
