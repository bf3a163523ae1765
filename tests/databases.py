"""Test databases: SQLite files and PostgreSQL databases, each migrated by Alembic.

Per backend and worker, templates are built once, when first asked for, and copied (a file
copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL) for every test that needs a fresh
database of its own:

- "empty":  migrated, no data;
- "seeded": "empty" plus seed_demo at NOW (the demo users, partners, their applications and
  onboarding);
- "demo":   "seeded" plus the demo deals, sign-ins, training and leads (at tests.conftest.NOW).

Tests that only work through one Session share one long-lived copy per kind instead (see
`shared`) and run inside a transaction that is rolled back (tests/conftest.py).

PRM_TEST_BACKENDS (comma separated, default "sqlite,postgresql") chooses the backends."""

import os
import queue
import shutil
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from db.migrate import upgrade
from db.session import make_engine, unit_of_work

ALL_BACKENDS = ["sqlite", "postgresql"]
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # the clock of the demo deals (tests.conftest)


def selected_backends() -> list[str]:
    chosen = [b.strip() for b in os.environ.get("PRM_TEST_BACKENDS", "").split(",") if b.strip()]
    if not chosen:
        return list(ALL_BACKENDS)
    unknown = sorted(set(chosen) - set(ALL_BACKENDS))
    if unknown:
        raise pytest.UsageError(f"PRM_TEST_BACKENDS: unknown backend(s) {unknown}; "
                                f"choose from {ALL_BACKENDS}")
    if os.environ.get("PRM_REQUIRE_POSTGRES") == "1" and "postgresql" not in chosen:
        raise pytest.UsageError("PRM_REQUIRE_POSTGRES=1 but PRM_TEST_BACKENDS leaves it out")
    return [b for b in ALL_BACKENDS if b in chosen]


BACKENDS = selected_backends()


def postgres_admin_url() -> str | None:
    url = os.environ.get("PRM_TEST_DATABASE_URL")
    if not url:
        if os.environ.get("PRM_REQUIRE_POSTGRES") == "1":
            pytest.fail("PRM_REQUIRE_POSTGRES=1 but PRM_TEST_DATABASE_URL is not set")
        pytest.skip("PostgreSQL tests need PRM_TEST_DATABASE_URL (see README)")
    return url


def _seed_demo(url: str) -> None:
    from seed.demo import seed_demo

    engine = make_engine(url)
    try:
        with unit_of_work(engine) as db:
            seed_demo(db, now=NOW)  # the demo deals' clock too: partners join before them
    finally:
        engine.dispose()


def _seed_deals(url: str) -> None:
    from seed.activity import seed_sign_ins
    from seed.crm import seed_crm
    from seed.deals import seed_deals
    from seed.funds import seed_funds
    from seed.incentives import seed_incentives
    from seed.leads import seed_leads
    from seed.portal import seed_portal
    from seed.pos import seed_pos
    from seed.training import seed_training

    engine = make_engine(url)
    try:
        with unit_of_work(engine) as db:
            seed_deals(db, now=NOW)
            seed_sign_ins(db, now=NOW)
            seed_training(db, now=NOW)
            seed_leads(db, now=NOW)
            seed_funds(db, now=NOW)
            seed_pos(db, now=NOW)
            seed_incentives(db, now=NOW)
            seed_crm(db, now=NOW)
            seed_portal(db, now=NOW)
    finally:
        engine.dispose()


# kind -> (the kind it starts from, what is added to it)
KINDS: dict[str, tuple[str, Callable[[str], None]]] = {
    "seeded": ("empty", _seed_demo),
    "demo": ("seeded", _seed_deals),
}


class _Factory:
    """Templates by kind, built on first use; fresh copies; shared copies with one engine."""

    def __init__(self):
        self._templates: dict[str, str] = {}
        self._shared: dict[str, Engine] = {}

    # Backend specifics: a template of nothing yet, a copy of a template, dropping one.
    def _new_template(self, kind: str, source: str | None) -> str:
        raise NotImplementedError

    def _copy(self, template: str) -> str:
        raise NotImplementedError

    def drop(self, url: str) -> None:
        raise NotImplementedError

    def template(self, kind: str) -> str:
        if kind not in self._templates:
            if kind == "empty":
                url = self._new_template(kind, None)
                upgrade(url)
            else:
                base, fill = KINDS[kind]
                url = self._new_template(kind, self.template(base))
                fill(url)
            self._templates[kind] = url
        return self._templates[kind]

    def create(self, kind: str = "empty") -> str:
        """A fresh database of this kind, for one test."""
        return self._copy(self.template(kind))

    def shared(self, kind: str) -> Engine:
        """The engine of one copy of this kind that lives as long as the worker: tests using
        it must leave it as they found it (they run in a transaction that is rolled back)."""
        if kind not in self._shared:
            self._shared[kind] = make_engine(self.create(kind))
        return self._shared[kind]

    def close(self) -> None:
        for engine in self._shared.values():
            engine.dispose()
            self.drop(engine.url.render_as_string(hide_password=False))
        self._shared.clear()


class SqliteFactory(_Factory):
    def __init__(self, workdir: Path):
        super().__init__()
        self.workdir = workdir
        self.template("empty")

    @staticmethod
    def _path(url: str) -> Path:
        return Path(url.removeprefix("sqlite:///"))

    def _new_template(self, kind: str, source: str | None) -> str:
        path = self.workdir / f"template_{kind}.db"
        if source is not None:
            shutil.copyfile(self._path(source), path)
        return f"sqlite:///{path}"

    def _copy(self, template: str) -> str:
        # Every engine on a template was disposed after writing it: the last connection to
        # close checkpoints the WAL into the file and removes it, so the file is the whole db.
        source = self._path(template)
        assert not source.with_name(source.name + "-wal").exists(), source
        path = self.workdir / f"t_{uuid.uuid4().hex[:10]}.db"
        shutil.copyfile(source, path)
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)


class PostgresFactory(_Factory):
    """DROP DATABASE forces a checkpoint on PostgreSQL 15 (seconds on a busy disk): databases
    are dropped by a thread of their own, so that the next test need not wait for it."""

    def __init__(self, admin_url: str, tag: str):
        super().__init__()
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=2)
        self.base = make_url(admin_url)
        self.tag = tag
        self._drops: queue.Queue[str | None] = queue.Queue()
        self._drop_errors: list[str] = []
        self._dropper: threading.Thread | None = None
        try:
            self.template("empty")
        except Exception as exc:  # noqa: BLE001 - a missing server is a skip or a failure
            if os.environ.get("PRM_REQUIRE_POSTGRES") == "1":
                raise
            pytest.skip(f"PostgreSQL not reachable: {exc}")
        self._dropper = threading.Thread(target=self._drop_queued, name="drop-databases",
                                         daemon=True)
        self._dropper.start()

    def url(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def _create_database(self, name: str, template: str | None) -> str:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            using = f' TEMPLATE "{make_url(template).database}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{using}'))
        return self.url(name)

    def _new_template(self, kind: str, source: str | None) -> str:
        return self._create_database(f"prm_tpl_{self.tag}_{kind}", source)

    def _copy(self, template: str) -> str:
        return self._create_database(f"prm_t_{self.tag}_{uuid.uuid4().hex[:10]}", template)

    def _drop_now(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def _drop_queued(self) -> None:
        while (name := self._drops.get()) is not None:
            try:
                self._drop_now(name)
            except Exception as exc:  # noqa: BLE001 - reported when the factory closes
                self._drop_errors.append(f"{name}: {exc}")

    def drop(self, url: str) -> None:
        name = make_url(url).database
        if self._dropper is None:
            self._drop_now(name)
        else:
            self._drops.put(name)

    def close(self) -> None:
        super().close()
        for url in reversed(self._templates.values()):
            self.drop(url)
        self._templates.clear()
        if self._dropper is not None:
            self._drops.put(None)
            self._dropper.join()
            self._dropper = None
        self.admin.dispose()
        if self._drop_errors:
            raise RuntimeError(f"test databases not dropped: {self._drop_errors}")
