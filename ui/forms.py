"""Forms that show each validation error beside its field and keep what was typed."""

import streamlit as st
from pydantic import ValidationError

from core.errors import RuleViolation, field_errors
from ui.markdown import plain

_GENERATION = "prm_form_generation:"


def form_key(name: str) -> str:
    """The key of this render of the form `name`. It changes once the form's write has
    succeeded (`form_used`): the form comes back empty (its unkeyed widgets' ids include the
    form's key), and a second press of the old form's button finds no such form, so it
    creates nothing. Widgets with keys of their own must put this key in theirs."""
    return f"{name}-{st.session_state.get(_GENERATION + name, 0)}"


def form_used(name: str) -> None:
    st.session_state[_GENERATION + name] = st.session_state.get(_GENERATION + name, 0) + 1


class FieldErrors:
    """Reserve a slot under each input; after a failed submit, fill the slots."""

    def __init__(self) -> None:
        self._slots: dict[str, object] = {}

    def slot(self, field: str) -> None:
        self._slots[field] = st.empty()

    def show(self, exc: ValidationError | RuleViolation) -> None:
        for field, message in field_errors(exc).items():
            target = self._slots.get(field)
            (st if target is None else target).error(plain(message))
