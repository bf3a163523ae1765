"""Fresh databases for tests: SQLite files and PostgreSQL databases, each migrated by Alembic.

One migrated template per backend and worker; every test gets a copy of it."""

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from db.migrate import upgrade

BACKENDS = ["sqlite", "postgresql"]


def postgres_admin_url() -> str | None:
    url = os.environ.get("PRM_TEST_DATABASE_URL")
    if not url:
        if os.environ.get("PRM_REQUIRE_POSTGRES") == "1":
            pytest.fail("PRM_REQUIRE_POSTGRES=1 but PRM_TEST_DATABASE_URL is not set")
        pytest.skip("PostgreSQL tests need PRM_TEST_DATABASE_URL (see README)")
    return url


class SqliteFactory:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.template = workdir / "template.db"
        upgrade(f"sqlite:///{self.template}")

    def create(self) -> str:
        path = self.workdir / f"t_{uuid.uuid4().hex[:10]}.db"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)


class PostgresFactory:
    def __init__(self, admin_url: str, tag: str):
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
        self.base = make_url(admin_url)
        self.tag = tag
        self.template = f"prm_tpl_{tag}"
        try:
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{self.template}"'))
        except Exception as exc:  # noqa: BLE001 - a missing server is a skip or a failure
            if os.environ.get("PRM_REQUIRE_POSTGRES") == "1":
                raise
            pytest.skip(f"PostgreSQL not reachable: {exc}")
        upgrade(self.url(self.template))

    def url(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def create(self) -> str:
        name = f"prm_t_{self.tag}_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        return self.url(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))
        self.admin.dispose()
