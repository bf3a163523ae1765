"""The test clock (db.clock): it moves utcnow only for a SQLite database in the temporary
directory with the clock file beside it; anywhere else it moves nothing and the app says so."""

import os
import time
from datetime import UTC, datetime, timedelta

import pytest

from db import clock
from db.types import utcnow


@pytest.fixture
def env(monkeypatch):
    def use(database_url: str, clock_file: str | None):
        monkeypatch.setenv("PRM_DATABASE_URL", database_url)
        if clock_file is None:
            monkeypatch.delenv(clock.ENV, raising=False)
        else:
            monkeypatch.setenv(clock.ENV, clock_file)
    return use


def test_without_the_setting_time_is_real(env, tmp_path):
    env(f"sqlite:///{tmp_path}/prm.db", None)
    assert clock.offset() == timedelta(0) and clock.problem() is None


def test_a_test_database_in_the_temporary_directory_moves_with_its_clock_file(env, tmp_path):
    env(f"sqlite:///{tmp_path}/prm.db", "clock.txt")
    (tmp_path / "clock.txt").write_text("3600")
    assert clock.problem() is None
    assert clock.offset() == timedelta(hours=1)
    assert utcnow() - datetime.now(UTC) > timedelta(minutes=59)
    time.sleep(0.01)
    (tmp_path / "clock.txt").write_text("7200")
    os.utime(tmp_path / "clock.txt", None)
    assert clock.offset() == timedelta(hours=2)


@pytest.mark.parametrize("url", ["sqlite:////var/lib/prm/prm.db",
                                 "postgresql+psycopg://postgres@127.0.0.1:5432/prm"])
def test_anywhere_else_it_moves_nothing_and_the_app_refuses_to_start(env, url):
    env(url, "clock.txt")
    assert clock.offset() == timedelta(0)
    assert "for tests only" in clock.problem()


def test_the_clock_file_must_sit_beside_the_database(env, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    env(f"sqlite:///{tmp_path}/prm.db", "elsewhere/clock.txt")
    assert clock.offset() == timedelta(0) and "for tests only" in clock.problem()
