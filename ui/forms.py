"""Forms that show each validation error beside its field and keep what was typed."""

import streamlit as st
from pydantic import ValidationError

from core.errors import RuleViolation, field_errors
from ui.markdown import plain


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
