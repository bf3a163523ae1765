"""Apply the Alembic migrations: `python -m db.migrate` (to PRM_DATABASE_URL)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from core.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["url"] = url or get_settings().database_url
    return cfg


def head_revision() -> str:
    """The latest revision this code's migrations know."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def upgrade(url: str | None = None) -> None:
    command.upgrade(alembic_config(url), "head")


def current_revision(url: str) -> str | None:
    """The database's revision, None for a database no migration has touched."""
    from alembic.runtime.migration import MigrationContext

    from db.session import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def schema_problem(url: str) -> str | None:
    """Why a command cannot use the database (not reachable, or not at the latest revision),
    in one line, or None."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy.exc import SQLAlchemyError

    from db.session import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        return f"database not reachable ({exc.__class__.__name__}): check PRM_DATABASE_URL"
    finally:
        engine.dispose()
    head = head_revision()
    if current != head:
        return (f"database not migrated (at {current or 'nothing'}, needs {head}): "
                f"run python -m db.migrate first")
    return None


def upgrade_and_say(url: str | None = None) -> str:
    """Upgrade, and say in one line what that did: created, upgraded or already current."""
    url = url or get_settings().database_url
    before = current_revision(url)
    upgrade(url)
    after = current_revision(url)
    if before is None:
        return f"created the database schema (revision {after})"
    if before != after:
        return f"upgraded the database schema from revision {before} to {after}"
    return f"the database schema is already at the latest revision ({after})"


if __name__ == "__main__":
    print(upgrade_and_say())
