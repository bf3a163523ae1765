"""Unexpected errors: a short apology with a reference for the user, the traceback in the log."""

import logging
import secrets
from collections.abc import Callable

import streamlit as st

from core.settings import get_settings
from db.session import is_statement_timeout

log = logging.getLogger("prm.errors")


def run_safely(run: Callable[[], None]) -> None:
    try:
        run()
    except Exception as exc:  # st.stop and st.rerun are BaseExceptions and pass through
        if is_statement_timeout(exc):
            log.warning("statement timeout: %s", exc)
            st.error(f"This took longer than {get_settings().db_statement_timeout_seconds:g} "
                     "seconds and was stopped. Narrow what you asked for (a shorter period, "
                     "fewer partners) and try again.", icon=":material/timer_off:")
            return
        reference = secrets.token_hex(4).upper()
        log.exception("unexpected error, reference %s", reference)
        st.error(f"Sorry, something went wrong on our side. If it happens again, tell support "
                 f"the reference **{reference}**.", icon=":material/error:")
