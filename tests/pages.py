"""AppTest helpers: the app against a test database, signed in as a demo user."""

import functools
import os
from pathlib import Path

import streamlit.components.v2.manifest_scanner as manifest_scanner
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from core.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent


class _AppNavigationPagesManager(PagesManager):
    """AppTest resets Streamlit's pages/-folder guess before every run, so every run would be
    the "first run of a process" that ui.navigation_mode answers with a rerun (which drops the
    click being tested). A served app makes that guess once; keep it off here, as it is after
    the first run of a real server."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


app_test_module.PagesManager = _AppNavigationPagesManager


# Every AppTest instance scans the metadata of every installed distribution for Streamlit v2
# components (a served app does it once, at start): about 0.4 s of a run of 0.45 s here. The
# installed packages do not change while the tests run, so scan once per process.
_scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)
manifest_scanner.scan_component_manifests = \
    lambda max_workers=None: list(_scan_component_manifests())
TEST_SECRETS = {"cookie_key": "test-only-cookie-key-not-a-secret-0123456789"}

# One demo user per role (seed/demo.py).
ROLE_USERS = {
    "admin": "admin", "channel_manager": "channel", "marketing_ops": "marketing",
    "finance": "finance", "executive": "exec", "analyst": "analyst",
    "partner_admin": "p01.admin", "partner_user": "p01.rep1",
}


def use_database(url: str) -> None:
    os.environ["PRM_DATABASE_URL"] = url
    get_settings.cache_clear()


def app(script: str = "Home.py", username: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=30)
    at.secrets.update(TEST_SECRETS)
    if username:
        at.session_state["prm_session_token"] = session_token_for(username)
    return at


def session_token_for(username: str) -> str | None:
    """A new server-side session of the user, as a sign-in would make it (the app resumes
    it from session state, as a run after the sign-in does)."""
    from sqlalchemy import select

    from core.accounts.sessions import start_session
    from db.models import User
    from db.session import make_engine, unit_of_work

    engine = make_engine(get_settings().database_url)
    try:
        with unit_of_work(engine) as db:
            user_id = db.scalar(select(User.id).where(User.username == username))
            return start_session(db, user_id) if user_id else None
    finally:
        engine.dispose()  # a test database is dropped after its test: hold no connection


def open_page(file: str, username: str | None = None, **query) -> AppTest:
    """The app run as `username` (a visitor when None), then switched to the page `file`
    with `query` in its address; both runs rendered without an error."""
    at = app(username=username)
    at.run()
    assert_rendered(at)
    at.switch_page(file)
    at.query_params.update(query)
    at.run()
    assert_rendered(at)
    return at


def texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.title, *at.header, *at.subheader, *at.markdown,
                               *at.error, *at.warning, *at.info, *at.success, *at.caption)]
    return "\n".join(str(p) for p in parts)


def widget(elements, label: str):
    """The widget of a kind (at.text_input, at.selectbox, ...) with this label."""
    found = [w for w in elements if w.label == label]
    assert found, f"no widget labelled {label!r}"
    return found[0]


def button(at: AppTest, label: str):
    found = [b for b in (*at.button, *at.get("form_submit_button")) if b.label == label]
    assert found, f"no button labelled {label!r}"
    return found[0]


def assert_rendered(at: AppTest) -> None:
    """No uncaught exception and no apology from ui.errors.run_safely (which catches them)."""
    assert not at.exception, at.exception
    apologies = [e.value for e in at.error if "Sorry, something went wrong" in e.value]
    assert not apologies, apologies


def select_row(at: AppTest, key: str, position: int) -> AppTest:
    """Select the row at `position` of the ui.tables table `key`, as a click on it does, and
    run: a record table then opens that record's page."""
    generation = f"prm_table_generation:{key}"
    # AppTest's session state has no get().
    turn = at.session_state[generation] if generation in at.session_state else 0  # noqa: SIM401
    at.session_state[f"{key}-{turn}"] = {"selection": {"rows": [position], "columns": [],
                                                       "cells": []}}
    at.run()
    assert_rendered(at)
    # The next runs stay on the page this one opened, as a browser does (AppTest would ask
    # again for the page of its last switch_page).
    at._page_hash = ""
    return at


def table_frame(at: AppTest, column: str):
    """The frame of the shown table that has a column labelled `column` (its id, as
    ui.tables keeps ids and labels apart: the label is in the column config)."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with a column {column!r}")
