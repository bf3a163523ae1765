"""ui.actions.submit on its own (no database: its unit of work is replaced by one that records
how it was opened): every write takes the write lock at BEGIN, a refused one shows its error
beside the field and keeps what was typed, a done one flashes its message across the rerun."""

from contextlib import contextmanager

import pytest
from streamlit.testing.v1 import AppTest

OPENED: list[bool] = []


@pytest.fixture(autouse=True)
def recorded_units_of_work(monkeypatch):
    @contextmanager
    def db(*, immediate: bool = False):
        OPENED.append(immediate)
        yield None

    OPENED.clear()
    monkeypatch.setattr("ui.actions.db", db)


def form_page(outcome: str) -> None:
    import streamlit as st

    from core.errors import RuleViolation
    from core.recruitment import DuplicateApplication
    from ui.actions import show_flash, submit
    from ui.forms import FieldErrors

    def write(session):
        if outcome == "refused":
            raise RuleViolation("Say why.", field="reason")
        if outcome == "duplicate":
            raise DuplicateApplication("You applied already.")
        return 42

    show_flash()
    with st.form("f"):
        errors = FieldErrors()
        st.text_input("Reason", key="reason")
        errors.slot("reason")
        if st.form_submit_button("Save"):
            submit(write, lambda n: f"Saved #{n}.", errors=errors, failed="Nothing saved.",
                   notices=(DuplicateApplication,))


def run(outcome: str) -> AppTest:
    at = AppTest.from_function(form_page, args=(outcome,), default_timeout=30)
    at.run()
    at.text_input(key="reason").input("typed")
    at.button[0].click()
    at.run()
    assert not at.exception
    return at


def test_a_done_write_flashes_its_message_across_the_rerun_and_took_the_lock():
    at = run("done")
    assert [s.value for s in at.success] == ["Saved #42."]
    assert OPENED == [True]
    at.run()  # shown once
    assert not at.success


def test_a_refused_write_shows_its_error_beside_the_field_and_keeps_what_was_typed():
    at = run("refused")
    assert [e.value for e in at.error] == ["Say why.", "Nothing saved."]
    assert at.text_input(key="reason").value == "typed"
    assert not at.success and OPENED == [True]


def test_a_notice_is_information_not_a_failure_of_the_form():
    at = run("duplicate")
    assert [i.value for i in at.info] == ["You applied already."]
    assert not at.error and not at.success
