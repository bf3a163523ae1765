from alembic import context
from sqlalchemy.engine import make_url

from core.settings import get_settings
from db.models import Base
from db.models.base import include_object_for
from db.session import make_engine

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.attributes.get("url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, render_as_batch=True,
                      include_object=include_object_for(make_url(_url()).get_backend_name()))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    # render_as_batch: SQLite alters tables by copying them; PostgreSQL ignores it.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        # The models' indexes meant for the other database are not this one's to create.
        include_object=include_object_for(connection.dialect.name),
    )
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # A batch alter copies the table, drops the old one and renames the copy: with foreign
        # keys on, the drop fails once other rows point at the table. Off for the migration
        # (SQLite only honours it outside a transaction); every reference is checked after.
        _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")
    with context.begin_transaction():
        context.run_migrations()
    if connection.in_transaction():
        connection.commit()
    if sqlite:
        broken = _sqlite_pragma(connection, "PRAGMA foreign_key_check")
        _sqlite_pragma(connection, "PRAGMA foreign_keys=ON")
        if broken:
            raise RuntimeError(f"migration left rows pointing at missing rows: {broken[:5]}")


def _sqlite_pragma(connection, sql: str) -> list:
    """Run a PRAGMA on the driver connection, outside any transaction SQLAlchemy would open."""
    return connection.connection.dbapi_connection.execute(sql).fetchall()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
