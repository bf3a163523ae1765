"""Is the database there and at this code's schema? For the health endpoint that nginx and
monitors call, and for scripts that wait for a cluster to come up."""

from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from db.migrate import head_revision


@dataclass(frozen=True)
class Health:
    ok: bool
    database: str  # "ok", "unreachable" or "not migrated"
    revision: str | None
    expected: str

    def as_dict(self) -> dict:
        return {"status": "ok" if self.ok else "unavailable", "database": self.database,
                "revision": self.revision, "expected_revision": self.expected}


def check(engine: Engine) -> Health:
    """One round trip: the database answers and names its revision."""
    head = head_revision()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            revision = MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError:
        return Health(False, "unreachable", None, head)
    if revision != head:
        return Health(False, "not migrated", revision, head)
    return Health(True, "ok", revision, head)
