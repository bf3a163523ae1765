"""The one place a page runs a write: one unit of work that takes the write lock at BEGIN
(SQLite's BEGIN IMMEDIATE, so two writers queue instead of failing half-way), the error shown
where the user acted while what they typed stays, and on success a message kept across the
rerun that refreshes the page (`show_flash` draws it)."""

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st
from pydantic import ValidationError
from sqlalchemy.orm import Session

from core.errors import DomainError, RuleViolation, field_errors
from ui.context import db
from ui.forms import FieldErrors, form_used
from ui.markdown import plain

T = TypeVar("T")
FLASH = "prm_flash"


def submit(
    write: Callable[[Session], T],
    success: str | Callable[[T], str] = "",
    *,
    errors: FieldErrors | None = None,
    where: Any = None,
    failed: str = "",
    notices: tuple[type[DomainError], ...] = (),
    then: Callable[[T], None] | None = None,
    form: str | None = None,
) -> bool:
    """Run `write(session)` in one transaction; True when it was written.

    Success: `success` (a message, or a function of the write's result giving one; it may
    also keep something in session state for the next run) is flashed and the page reruns.
    With `then`, the page does not rerun: `then(result)` draws the outcome in place.
    With `form` (a name given to `ui.forms.form_key`), success empties that form and spends
    its render: a second press of the same button creates nothing.

    Failure (nothing written, the widgets keep what was typed): with `errors`, a validation
    error or a rule violation goes beside its fields, and `failed`, when given, says under
    them that nothing was saved; any other domain error (or every one, without `errors`)
    goes in `where` (a placeholder such as `st.empty()`, default: here). An error of a kind
    in `notices` is no failure of the user's: it is shown as information."""
    try:
        with db(immediate=True) as session:
            result = write(session)
    except notices as exc:
        (where or st).info(plain(str(exc)))
        return False
    except (ValidationError, RuleViolation) as exc:
        if errors is not None:
            errors.show(exc)
            if failed:
                (where or st).error(failed)
        else:
            (where or st).error(plain(_message(exc)))
        return False
    except DomainError as exc:
        (where or st).error(plain(str(exc)))
        return False
    if form is not None:  # written: the form comes back empty, its old render spent
        form_used(form)
    if then is not None:
        then(result)
        return True
    flash(success(result) if callable(success) else success)
    st.rerun()
    return True  # not reached: st.rerun() ends this run


def _message(exc: ValidationError | RuleViolation) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(field_errors(exc).values())
    return str(exc)


def flash(message: str) -> None:
    """Keep a message for the next run of the page, which `show_flash` draws once."""
    if message:
        st.session_state[FLASH] = message


def show_flash() -> bool:
    """The message of the write that reran the page, once; whether there was one."""
    if message := st.session_state.pop(FLASH, None):
        st.success(message)
        return True
    return False
