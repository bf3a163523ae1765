"""Unexpected errors: a short apology with a reference for the user, the traceback in the log."""

import logging
import secrets
from collections.abc import Callable

import streamlit as st

log = logging.getLogger("prm.errors")


def run_safely(run: Callable[[], None]) -> None:
    try:
        run()
    except Exception:  # st.stop and st.rerun are BaseExceptions and pass through
        reference = secrets.token_hex(4).upper()
        log.exception("unexpected error, reference %s", reference)
        st.error(f"Sorry, something went wrong on our side. If it happens again, tell support "
                 f"the reference **{reference}**.", icon=":material/error:")
