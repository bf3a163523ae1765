"""Engines as the app, the API and the jobs get them: a statement timeout on the interactive
ones only, pools sized by the settings, and the health check nginx and monitors call."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.settings import get_settings
from db.health import check
from db.session import is_statement_timeout, make_engine

# A statement that keeps the database busy for seconds on either backend.
SLOW = {"sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                  "WHERE i < 200000000) SELECT count(*) FROM n",
        "postgresql": "SELECT pg_sleep(5)"}
# One that takes about half a second.
SHORT = {"sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                   "WHERE i < 1500000) SELECT count(*) FROM n",
         "postgresql": "SELECT pg_sleep(0.5)"}


@pytest.fixture
def settings_env(monkeypatch):
    def set_env(**values):
        for name, value in values.items():
            monkeypatch.setenv(f"PRM_{name.upper()}", str(value))
        get_settings.cache_clear()
    yield set_env
    monkeypatch.undo()
    get_settings.cache_clear()


def test_a_page_statement_that_runs_too_long_is_stopped(database_url, backend, settings_env):
    settings_env(db_statement_timeout_seconds=0.2)
    engine = make_engine(database_url, interactive=True)
    try:
        with engine.connect() as conn, pytest.raises(DBAPIError) as raised:
            conn.execute(text(SLOW[backend]))
        assert is_statement_timeout(raised.value)
        with engine.connect() as conn:  # the connection is usable again for the next one
            assert conn.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()


def test_jobs_and_commands_have_no_statement_timeout(database_url, backend, settings_env):
    settings_env(db_statement_timeout_seconds=0.2)
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            conn.execute(text(SHORT[backend]))
    finally:
        engine.dispose()


def test_other_database_errors_are_not_taken_for_timeouts(database_url, settings_env):
    settings_env(db_statement_timeout_seconds=5)
    engine = make_engine(database_url, interactive=True)
    try:
        with engine.connect() as conn, pytest.raises(DBAPIError) as raised:
            conn.execute(text("SELECT * FROM no_such_table"))
        assert not is_statement_timeout(raised.value)
    finally:
        engine.dispose()


def test_postgresql_pools_are_sized_by_the_settings(settings_env):
    settings_env(db_pool_size=3, db_max_overflow=4, db_pool_timeout_seconds=7)
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert (engine.pool.size(), engine.pool._max_overflow, engine.pool._timeout) == (3, 4, 7)


def test_health_says_ok_for_a_migrated_database(database_url):
    from db.migrate import current_revision

    engine = make_engine(database_url)
    state = check(engine)
    engine.dispose()
    assert state.ok and state.database == "ok"
    assert state.revision == state.expected == current_revision(database_url)


def test_health_endpoint_answers_503_until_the_database_is_usable(tmp_path, database_url,
                                                                  settings_env):
    from api import app as api_app

    cases = [(database_url, 200, "ok"),
             (f"sqlite:///{tmp_path / 'blank.db'}", 503, "not migrated"),
             ("postgresql+psycopg://nobody@127.0.0.1:1/none", 503, "unreachable")]
    for url, status, database in cases:
        settings_env(database_url=url)
        api_app.engine_for.cache_clear()
        with TestClient(api_app.app) as client:
            answer = client.get("/health")
        assert (answer.status_code, answer.json()["database"]) == (status, database), url
    api_app.engine_for.cache_clear()
