"""Engine and sessions. One engine per URL; sessions are short-lived, one per unit of work.

An interactive engine (the app's pages and the API) has a statement timeout: a statement that
runs longer than `db_statement_timeout_seconds` is stopped by the database and raises an error
that `is_statement_timeout` recognises (PostgreSQL's statement_timeout; on SQLite a progress
handler that interrupts the statement). Jobs, migrations, backups and commands use engines
without it."""

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

# SQLite asks the progress handler every this many virtual machine steps (well under 1 ms).
_PROGRESS_STEPS = 20_000


def _prepare_sqlite_path(url: str) -> None:
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + ":memory:"):
        Path(url[len(prefix):]).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str, *, interactive: bool = False) -> Engine:
    """The engine for `url`. interactive: a page's or an API call's, with the statement
    timeout; pool sizes come from the settings (PostgreSQL)."""
    from core.settings import get_settings

    s = get_settings()
    timeout = s.db_statement_timeout_seconds if interactive else 0
    if url.startswith("sqlite"):
        _prepare_sqlite_path(url)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine)
        if timeout > 0:
            _limit_sqlite_statements(engine, timeout)
        return engine
    connect_args = {}
    if timeout > 0 and url.startswith("postgresql"):
        connect_args["options"] = f"-c statement_timeout={int(timeout * 1000)}"
    return create_engine(url, pool_pre_ping=True, pool_size=s.db_pool_size,
                         max_overflow=s.db_max_overflow, pool_timeout=s.db_pool_timeout_seconds,
                         pool_recycle=s.db_pool_recycle_seconds, connect_args=connect_args)


def is_statement_timeout(exc: BaseException) -> bool:
    """Whether the database stopped a statement for running too long."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "57014":  # PostgreSQL: query_canceled
        return True
    return isinstance(orig, sqlite3.OperationalError) and str(orig) == "interrupted"


def _limit_sqlite_statements(engine: Engine, seconds: float) -> None:
    # Each connection's handler reads the deadline its current statement set.
    @event.listens_for(engine, "connect")
    def _install(dbapi_conn, record):
        info = record.info

        def over_time() -> int:
            deadline = info.get("deadline")
            return 1 if deadline is not None and time.monotonic() > deadline else 0

        dbapi_conn.set_progress_handler(over_time, _PROGRESS_STEPS)

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn, *_):
        conn.connection.info["deadline"] = time.monotonic() + seconds


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling is off so that BEGIN (or BEGIN IMMEDIATE) is ours.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        # SQLite's own page cache is 2 MB by default; a conflict check reads a few hundred
        # scattered rows of a table of a million. Reading through a memory map and keeping
        # 64 MB of pages per connection keeps those reads off system calls.
        cur.execute("PRAGMA cache_size=-65536")
        cur.execute("PRAGMA mmap_size=1073741824")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get("sqlite_immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(engine: Engine, *, immediate: bool = False) -> Iterator[Session]:
    """A session whose work commits when the block ends and rolls back on any error.

    immediate: on SQLite, take the write lock at BEGIN, so that a read-then-write in this
    transaction cannot interleave with another writer (SQLite would otherwise fail the
    upgrade from read to write lock with "database is locked"). No effect on PostgreSQL."""
    bind = engine.execution_options(sqlite_immediate=True) if immediate else engine
    with Session(bind, expire_on_commit=False) as db:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise
