"""Running a write from a button: one unit of work, the error shown where the user acted,
and on success a message kept across the rerun that refreshes the page."""

from collections.abc import Callable

import streamlit as st
from pydantic import ValidationError

from core.errors import DomainError, field_errors
from ui.context import db
from ui.markdown import plain

FLASH = "prm_flash"


def run_action(fn: Callable, success: str, *, where=None) -> bool:
    """Call fn(session) in one transaction; show the error in `where` (default: here)."""
    try:
        with db(immediate=True) as session:
            fn(session)
    except (ValidationError, DomainError) as exc:
        message = "; ".join(field_errors(exc).values()) if isinstance(
            exc, ValidationError) else str(exc)
        (where or st).error(plain(message))
        return False
    if success:
        st.session_state[FLASH] = success
    st.rerun()
    return True


def show_flash() -> None:
    if message := st.session_state.pop(FLASH, None):
        st.success(message)
