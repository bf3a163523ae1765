import os
import tempfile
from datetime import UTC, datetime

# Cheap hashing and a private data folder, before any project module reads its settings.
os.environ["PRM_BCRYPT_ROUNDS"] = "4"
os.environ.setdefault("PRM_DATA_DIR", tempfile.mkdtemp(prefix="prm-data-"))
os.environ.pop("PRM_SMTP_HOST", None)

import pytest  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from core.actor import Actor  # noqa: E402
from db.session import make_engine, unit_of_work  # noqa: E402
from seed.demo import seed_demo  # noqa: E402
from tests.databases import BACKENDS, PostgresFactory, SqliteFactory, postgres_admin_url  # noqa: E402

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def sqlite_factory(tmp_path_factory):
    return SqliteFactory(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def postgres_factory(request):
    worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
    factory = PostgresFactory(postgres_admin_url(), f"{os.getpid()}_{worker}")
    yield factory
    factory.close()


def _factory(request, backend):
    name = "sqlite_factory" if backend == "sqlite" else "postgres_factory"
    return request.getfixturevalue(name)


@pytest.fixture(params=BACKENDS)
def database_url(request):
    """A fresh, migrated, empty database on each backend."""
    factory = _factory(request, request.param)
    url = factory.create()
    yield url
    factory.drop(url)


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def seeded(engine):
    """The engine of a fresh database with the demo data."""
    with unit_of_work(engine) as session:
        seed_demo(session)
    return engine


@pytest.fixture(scope="session", params=BACKENDS)
def demo_database_url(request):
    """One database per backend and worker with the whole demo (deals included), shared by
    tests that only read it, such as the page matrix."""
    from seed.deals import seed_deals

    factory = _factory(request, request.param)
    url = factory.create()
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        seed_demo(session)
        seed_deals(session, now=NOW)
    engine.dispose()
    yield url
    factory.drop(url)


@pytest.fixture
def seeded_db(seeded):
    with Session(seeded, expire_on_commit=False) as session:
        yield session


def actor_for(db: Session, username: str) -> Actor:
    from sqlalchemy import select

    from db.models import User

    u = db.scalar(select(User).where(User.username == username))
    return Actor.user(u.id, u.role, u.partner_id, u.username)
