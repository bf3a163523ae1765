"""A real installation: no demo data, no default admin; the first admin from the shell."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from core.accounts import SignedIn, sign_in
from core.accounts.__main__ import main
from core.settings import get_settings
from db.models import User
from db.session import make_engine, unit_of_work
from tests.pages import app, texts, use_database

ROOT = Path(__file__).resolve().parents[2]
GOOD = "a-strong-admin-password"


@pytest.fixture
def settings_env(monkeypatch):
    """Environment settings for the command, restored (and the cache cleared) after."""
    def put(**values):
        for key, value in values.items():
            monkeypatch.setenv(f"PRM_{key.upper()}", value)
        get_settings.cache_clear()
    yield put
    monkeypatch.undo()
    get_settings.cache_clear()


def create_admin(*args: str) -> int:
    return main(["create-admin", *args])


def test_create_admin_makes_an_admin_who_signs_in(engine, database_url, settings_env):
    settings_env(database_url=database_url, admin_password=GOOD)
    assert create_admin("--username", "Ops.Admin", "--email", "ops@vendor.example") == 0
    with unit_of_work(engine) as db:
        user = db.scalar(select(User).where(User.username == "ops.admin"))
        assert (user.role, user.is_active, user.must_change_password) == ("admin", True, False)
    with unit_of_work(engine) as db:
        assert isinstance(sign_in(db, "ops.admin", GOOD), SignedIn)


@pytest.mark.parametrize("username, email, password, reason", [
    ("ops admin", "ops@vendor.example", GOOD, "letters"),
    ("ops", "not-an-address", GOOD, "e-mail"),
    ("ops", "ops@vendor.example", "short", "at least 10"),
    ("ops", "ops@vendor.example", "x" * 73, "72 bytes"),
])
def test_create_admin_refuses_with_the_reason(engine, database_url, settings_env, capsys,
                                              username, email, password, reason):
    settings_env(database_url=database_url, admin_password=password)
    assert create_admin("--username", username, "--email", email) == 1
    assert reason in capsys.readouterr().err
    with unit_of_work(engine) as db:
        assert db.scalar(select(User.id)) is None


def test_create_admin_refuses_a_taken_username(engine, database_url, settings_env, capsys):
    settings_env(database_url=database_url, admin_password=GOOD)
    assert create_admin("--username", "ops", "--email", "ops@vendor.example") == 0
    assert create_admin("--username", "OPS", "--email", "ops2@vendor.example") == 1
    assert "taken" in capsys.readouterr().err


def test_create_admin_exits_2_when_the_database_is_unreachable_or_not_migrated(
        tmp_path, settings_env, capsys):
    settings_env(database_url="postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2",
                 admin_password=GOOD)
    assert create_admin("--username", "ops", "--email", "ops@vendor.example") == 2
    assert "not reachable" in capsys.readouterr().err
    settings_env(database_url=f"sqlite:///{tmp_path / 'blank.db'}")
    assert create_admin("--username", "ops", "--email", "ops@vendor.example") == 2
    assert "not migrated" in capsys.readouterr().err


def test_the_published_command_line_works(database_url, engine):
    env = {**os.environ, "PRM_DATABASE_URL": database_url, "PRM_ADMIN_PASSWORD": GOOD,
           "PRM_BCRYPT_ROUNDS": "4"}
    done = subprocess.run([sys.executable, "-m", "core.accounts", "create-admin", "--username",
                           "root.admin", "--email", "root@vendor.example"], cwd=ROOT, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "created admin root.admin" in done.stdout


def test_without_an_admin_the_app_shows_only_how_to_make_one(database_url):
    use_database(database_url)
    at = app()
    at.run()
    assert not at.exception
    assert "python -m core.accounts create-admin" in texts(at)
    assert not at.text_input and not at.button  # no sign-in, no form to become anyone


def test_demo_data_goes_only_into_the_default_sqlite_file(tmp_path, settings_env, capsys):
    from seed.__main__ import main as seed_main

    url = f"sqlite:///{tmp_path / 'real.db'}"
    settings_env(database_url=url)
    sys_argv = sys.argv
    sys.argv = ["seed", "--if-empty"]
    try:
        seed_main()
    finally:
        sys.argv = sys_argv
    assert "no demo data" in capsys.readouterr().out
    engine = make_engine(url)
    with unit_of_work(engine) as db:
        assert db.scalar(select(User.id)) is None  # migrated, and empty
    engine.dispose()
    assert get_settings().demo_allowed is False
    settings_env(demo="1")
    assert get_settings().demo_allowed is True
