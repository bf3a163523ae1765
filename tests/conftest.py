"""Database fixtures, on every backend of tests.databases.BACKENDS.

Two ways to a database:

- `db` (migrated, empty) and `seeded_db` (plus the demo data): a Session on a database shared
  by the tests of a worker. Each test runs inside a transaction on one connection that is
  rolled back at its end; the Session joins it through a SAVEPOINT, so `commit()` in a test
  (or `rollback()`) only ends that savepoint. Nothing a test writes is seen by another test.
- `database_url`, `engine` and `seeded`: a fresh database of the test's own (copied from a
  template, never seeded again), for tests whose work commits: units of work opened on the
  engine, concurrent sessions and threads, jobs, subprocesses, AppTest runs that write through
  the app. A test that asks for one of those and also for `db` or `seeded_db` gets its Session
  on that same fresh database, as before (the test sees what its units of work committed).

`demo_database_url`: one database per backend and worker with the whole demo (deals
included), shared by tests that only read it, such as the page matrix."""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

# Cheap hashing and a private data folder, before any project module reads its settings.
os.environ["PRM_BCRYPT_ROUNDS"] = "4"
os.environ.setdefault("PRM_DATA_DIR", tempfile.mkdtemp(prefix="prm-data-"))
os.environ.setdefault("PRM_UPLOAD_DIR", os.path.join(os.environ["PRM_DATA_DIR"], "uploads"))
os.environ.pop("PRM_SMTP_HOST", None)

import pytest  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
from sqlalchemy import Engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from core.actor import Actor  # noqa: E402
from db.session import make_engine  # noqa: E402
from tests.databases import (  # noqa: E402
    BACKENDS,
    NOW,
    PostgresFactory,
    SqliteFactory,
    postgres_admin_url,
)

__all__ = ["NOW", "actor_for"]

# Generated inputs are the same on every run, so that main stays green or red for a reason
# (a new example found in CI, then lost, helps nobody). To look for new failing inputs, run
# with HYPOTHESIS_PROFILE=explore; add what it finds as an @example.
hypothesis_settings.register_profile("prm", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "prm"))

# A test asking for one of these gets a fresh database of its own (see the module docstring).
FRESH_FIXTURES = ("database_url", "engine", "seeded")


@pytest.hookimpl(trylast=True)  # after every conftest has added its marks
def pytest_collection_modifyitems(config, items):
    # The demo with deals takes long to build (seed_deals): with --dist loadgroup, the tests
    # reading it run on one worker per backend, so each demo database is built once.
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "demo_database_url" in params:
            item.add_marker(pytest.mark.xdist_group(f"demo-{params['demo_database_url']}"))
    if getattr(config.option, "loadgroup", False):  # set on xdist workers for --dist loadgroup
        _name_xdist_groups(items)


def _name_xdist_groups(items) -> None:
    """What pytest-xdist's loadgroup does on a worker: the group name goes into the node id as
    a suffix ("...::test_x[sqlite]@demo-sqlite"), which the scheduler reads. xdist 3.8 writes
    it to `item._nodeid`, which pytest 9.2 no longer reads (the id is the structured `_id`), so
    every group was silently ignored: do it here when it has not been done."""
    for item in items:
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                        for m in item.iter_markers("xdist_group")})
        nodeid = item.nodeid
        if not names or nodeid.rfind("@") > nodeid.rfind("]"):
            continue
        grouped = f"{nodeid}@{'_'.join(names)}"
        if hasattr(item, "_id"):
            item._id = type(item._id).parse(grouped)
        else:
            item._nodeid = grouped
        assert item.nodeid == grouped, "pytest no longer takes the node id given to xdist"


@pytest.fixture(scope="session")
def sqlite_factory(tmp_path_factory):
    factory = SqliteFactory(tmp_path_factory.mktemp("sqlite"))
    yield factory
    factory.close()


@pytest.fixture(scope="session")
def postgres_factory(request):
    worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
    factory = PostgresFactory(postgres_admin_url(), f"{os.getpid()}_{worker}")
    yield factory
    factory.close()


def _factory(request, backend):
    name = "sqlite_factory" if backend == "sqlite" else "postgres_factory"
    return request.getfixturevalue(name)


def _wants_fresh(request) -> bool:
    return any(name in request.fixturenames for name in FRESH_FIXTURES)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(request, backend):
    """A fresh, migrated database on each backend: empty, or with the demo data when the test
    asks for `seeded` or `seeded_db` too."""
    factory = _factory(request, backend)
    seeded = {"seeded", "seeded_db"} & set(request.fixturenames)
    url = factory.create("seeded" if seeded else "empty")
    yield url
    factory.drop(url)


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def seeded(engine):
    """The engine of a fresh database with the demo data."""
    return engine


@contextmanager
def rolled_back_session(engine: Engine) -> Iterator[Session]:
    """A Session inside a transaction that is rolled back when the block ends; its commits
    and rollbacks only end savepoints within it."""
    with engine.connect() as conn:
        outer = conn.begin()
        session = Session(conn, expire_on_commit=False, join_transaction_mode="create_savepoint")
        try:
            yield session
        finally:
            session.close()
            committed = not outer.is_active
            if not committed:
                outer.rollback()
    if committed:
        pytest.fail("the test ended the outer transaction of a shared database, so what it "
                    "wrote may stay for the next tests: give it a fresh database (`seeded`, "
                    "`engine`)")


@pytest.fixture
def db(request, backend):
    """A Session on a migrated, empty database."""
    if _wants_fresh(request):
        with Session(request.getfixturevalue("engine"), expire_on_commit=False) as session:
            yield session
        return
    with rolled_back_session(_factory(request, backend).shared("empty")) as session:
        yield session


@pytest.fixture
def seeded_db(request, backend):
    """A Session on a database with the demo data."""
    if _wants_fresh(request):
        with Session(request.getfixturevalue("seeded"), expire_on_commit=False) as session:
            yield session
        return
    with rolled_back_session(_factory(request, backend).shared("seeded")) as session:
        yield session


@pytest.fixture(scope="session", params=BACKENDS)
def demo_database_url(request):
    """One database per backend and worker with the whole demo (deals included), shared by
    tests that only read it, such as the page matrix."""
    factory = _factory(request, request.param)
    url = factory.create("demo")
    yield url
    factory.drop(url)


@pytest.fixture
def demo_db(demo_database_url) -> Iterator[Session]:
    """A session on the whole demo (deals and direct opportunities included); read only."""
    engine = make_engine(demo_database_url)
    with Session(engine) as db:
        yield db
    engine.dispose()


@pytest.fixture
def smtp_configured(monkeypatch):
    """SMTP settings as an operator would set them (no server behind them: mails wait in the
    outbox); restored, and the settings cache cleared, after."""
    from core.settings import get_settings

    monkeypatch.setenv("PRM_SMTP_HOST", "smtp.example.test")
    monkeypatch.setenv("PRM_SMTP_FROM", "partners@vendor.example")
    monkeypatch.setenv("PRM_APP_BASE_URL", "https://prm.example.test/")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def actor_for(db: Session, username: str) -> Actor:
    from sqlalchemy import select

    from db.models import User

    u = db.scalar(select(User).where(User.username == username))
    return Actor.user(u.id, u.role, u.partner_id, u.username)
