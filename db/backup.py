"""Backups that restore: `python -m db.backup create|restore|verify`.

One file per backup, a gzipped tar holding `manifest.json` and the database:

- SQLite: a copy made with SQLite's online backup API (readers and writers go on meanwhile;
  the copy is one consistent moment);
- PostgreSQL: `pg_dump --format=custom`, taken inside a REPEATABLE READ transaction whose
  snapshot is exported to pg_dump, so that the row counts and checksums in the manifest are
  of exactly the rows the dump holds.

The manifest records the Alembic revision, and per table its row count and a SHA-256 of its
rows in primary-key order. `restore` refuses a backup of a newer schema than this code knows
(upgrade the code first), refuses a database that already holds tables unless told to
replace them, upgrades an older backup to this code's schema after restoring it, and checks
the restored rows against the manifest. `verify` restores into a scratch database (a temporary
file, or a temporary database on the PostgreSQL server) and checks the same, so a backup is
known to restore before it is needed.

    python -m db.backup create [--output FILE]
    python -m db.backup restore FILE [--replace]
    python -m db.backup verify FILE

Each prints one JSON line; exit 0 on success, 2 with {"error": ...} when it cannot."""

import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import uuid
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SAWarning

FORMAT = "prm-backup/1"
MANIFEST = "manifest.json"
PAYLOAD = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}


class BackupError(Exception):
    """A backup that cannot be made, read or restored, with what to do about it."""


@dataclass(frozen=True)
class TableFingerprint:
    rows: int
    sha256: str


# ---------------------------------------------------------------- fingerprints


def _canonical(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def fingerprints(conn: Connection) -> dict[str, TableFingerprint]:
    """Row count and checksum of every table, rows read in primary-key order (every column
    when a table has no key), values written in one canonical form. Compares a database with
    its own backup on the same kind of database."""
    inspector = inspect(conn)
    result = {}
    for table in sorted(inspector.get_table_names()):
        with warnings.catch_warnings():  # expression indexes are not reflected: not needed
            warnings.simplefilter("ignore", SAWarning)
            columns = [c["name"] for c in inspector.get_columns(table)]
            key = inspector.get_pk_constraint(table).get("constrained_columns") or columns
        order = ", ".join(_quote(conn, c) for c in key)
        names = ", ".join(_quote(conn, c) for c in columns)
        rows = conn.exec_driver_sql(f"SELECT {names} FROM {_quote(conn, table)} "
                                    f"ORDER BY {order}")
        digest, count = hashlib.sha256(), 0
        for row in rows:
            digest.update("\x1f".join(_canonical(v) for v in row).encode())
            digest.update(b"\x1e")
            count += 1
        result[table] = TableFingerprint(count, digest.hexdigest())
    return result


def _revision(conn: Connection) -> str | None:
    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


# ---------------------------------------------------------------- backends


def backend_of(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in PAYLOAD:
        raise BackupError(f"backups cover SQLite and PostgreSQL, not {name}")
    return name


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _libpq(url: str) -> str:
    """The URL as pg_dump and pg_restore read it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install the PostgreSQL client programs "
                          f"(Debian: postgresql-client)")
    return found


def _run_tool(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{Path(args[0]).name} failed: {detail[-1] if detail else 'no output'}")


def _snapshot_sqlite(url: str, payload: Path) -> tuple[str | None, dict]:
    source = _sqlite_path(url)
    if not source.exists():
        raise BackupError(f"no database file at {source}")
    with sqlite3.connect(source) as src, sqlite3.connect(payload) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    engine = create_engine(f"sqlite:///{payload}")
    try:
        with engine.connect() as conn:
            return _revision(conn), fingerprints(conn)
    finally:
        engine.dispose()


def _snapshot_postgresql(url: str, payload: Path) -> tuple[str | None, dict]:
    pg_dump = _pg_tool("pg_dump")
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn:
            # The dump and the fingerprints read the same snapshot: this transaction's.
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
            _run_tool([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                       f"--snapshot={snapshot}", f"--file={payload}", _libpq(url)])
            revision, tables = _revision(conn), fingerprints(conn)
            conn.rollback()
            return revision, tables
    finally:
        engine.dispose()


# ---------------------------------------------------------------- create


def create_backup(url: str, output: Path | None = None, *, now: datetime | None = None
                  ) -> dict:
    """Back the database up into one file; returns the manifest (with the file's path)."""
    backend = backend_of(url)
    now = now or datetime.now(UTC)
    output = Path(output or f"prm-backup-{now:%Y%m%dT%H%M%SZ}.tar.gz")
    with tempfile.TemporaryDirectory(prefix="prm-backup-") as work:
        payload = Path(work) / PAYLOAD[backend]
        snapshot = _snapshot_sqlite if backend == "sqlite" else _snapshot_postgresql
        revision, tables = snapshot(url, payload)
        if revision is None:
            raise BackupError("the database has no schema yet (run python -m db.migrate): "
                              "nothing to back up")
        manifest = {
            "format": FORMAT, "backend": backend, "revision": revision,
            "created_at": now.isoformat(timespec="seconds"),
            "payload": payload.name, "payload_sha256": _file_sha256(payload),
            "tables": {name: {"rows": f.rows, "sha256": f.sha256} for name, f in tables.items()},
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz", compresslevel=1) as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(now.timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(payload, arcname=payload.name)
        os.replace(partial, output)  # a backup file is whole or absent
    return manifest | {"file": str(output)}


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------- read a backup


def read_backup(path: Path, work: Path) -> tuple[dict, Path]:
    """The manifest, and the payload extracted into `work`, checked against its checksum."""
    try:
        with tarfile.open(path, "r:gz") as tar:
            manifest = json.load(tar.extractfile(MANIFEST))
            if manifest.get("format") != FORMAT:
                raise BackupError(f"{path} is not a PRM backup ({manifest.get('format')!r})")
            name = manifest["payload"]
            if name not in PAYLOAD.values():
                raise BackupError(f"{path}: unexpected payload {name!r}")
            payload = work / name
            with tar.extractfile(name) as src, payload.open("wb") as dst:
                shutil.copyfileobj(src, dst)
    except (OSError, tarfile.TarError, KeyError, ValueError, gzip.BadGzipFile) as exc:
        raise BackupError(f"{path} cannot be read as a PRM backup: {exc}") from exc
    if _file_sha256(payload) != manifest["payload_sha256"]:
        raise BackupError(f"{path} is damaged: its database does not match its checksum")
    return manifest, payload


def _check_revision(revision: str) -> tuple[str, bool]:
    """This code's head revision, and whether the backup is older than it. Refuses a backup
    of a revision this code does not know: one made by newer code."""
    from alembic.script import ScriptDirectory

    from db.migrate import alembic_config, head_revision

    head = head_revision()
    known = {script.revision for script in
             ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions()}
    if revision not in known:
        raise BackupError(f"the backup is of schema revision {revision}, newer than this code "
                          f"knows (latest {head}): restore it with the version of PRM that "
                          f"made it, or upgrade PRM first")
    return head, revision != head


# ---------------------------------------------------------------- restore


def _has_tables(url: str) -> bool:
    if backend_of(url) == "sqlite" and not _sqlite_path(url).exists():
        return False
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return bool(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _restore_sqlite(payload: Path, url: str) -> None:
    target = _sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    # The backup API writes the whole database into the target, pages and schema, in one
    # transaction: a reader sees the old database or the restored one.
    with sqlite3.connect(payload) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=WAL")
    src.close()
    dst.close()


def _restore_postgresql(payload: Path, url: str, replace: bool) -> None:
    args = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
            "--single-transaction", f"--dbname={_libpq(url)}"]
    if replace:
        args += ["--clean", "--if-exists"]
    _run_tool([*args, str(payload)])


def _compare(url: str, expected: dict) -> list[str]:
    """Tables whose rows differ from the manifest's, as lines a person can read."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = fingerprints(conn)
    finally:
        engine.dispose()
    problems = []
    for table in sorted(set(expected) | set(found)):
        want, got = expected.get(table), found.get(table)
        if want is None or got is None:
            problems.append(f"{table}: {'missing' if got is None else 'not in the backup'}")
        elif (want["rows"], want["sha256"]) != (got.rows, got.sha256):
            problems.append(f"{table}: {got.rows} rows restored, {want['rows']} backed up"
                            if want["rows"] != got.rows else f"{table}: rows differ")
    return problems


def restore_backup(path: Path, url: str, *, replace: bool = False) -> dict:
    """Restore a backup into the database at `url`, check it against the manifest, and
    upgrade it to this code's schema when the backup is older."""
    backend = backend_of(url)
    with tempfile.TemporaryDirectory(prefix="prm-restore-") as work:
        manifest, payload = read_backup(Path(path), Path(work))
        if manifest["backend"] != backend:
            raise BackupError(f"a {manifest['backend']} backup cannot be restored into "
                              f"{backend}")
        head, older = _check_revision(manifest["revision"])
        if not replace and _has_tables(url):
            raise BackupError("the target database already holds tables: restore into an "
                              "empty database, or pass --replace to overwrite it")
        if backend == "sqlite":
            _restore_sqlite(payload, url)
        else:
            _restore_postgresql(payload, url, replace)
    if problems := _compare(url, manifest["tables"]):
        raise BackupError("the restored database differs from the backup: "
                          + "; ".join(problems[:5]))
    if older:
        from db.migrate import upgrade

        upgrade(url)
    return {"restored": str(path), "backend": backend, "revision": manifest["revision"],
            "upgraded_to": head if older else None, "tables": len(manifest["tables"]),
            "rows": sum(t["rows"] for t in manifest["tables"].values())}


# ---------------------------------------------------------------- verify


def verify_backup(path: Path, server_url: str | None = None) -> dict:
    """Restore the backup into a scratch database and compare it with its manifest. A
    PostgreSQL backup needs a server (`server_url`, where a temporary database is created
    and dropped); a SQLite one restores into a temporary file."""
    with tempfile.TemporaryDirectory(prefix="prm-verify-") as work:
        manifest, _ = read_backup(Path(path), Path(work))
        # restore_backup compares before it upgrades; a backup older than the code is
        # upgraded in the scratch database too, which proves the upgrade path as well.
        if manifest["backend"] == "sqlite":
            restore_backup(path, f"sqlite:///{Path(work) / 'verify.db'}")
        else:
            if not server_url or backend_of(server_url) != "postgresql":
                raise BackupError("verifying a PostgreSQL backup needs a PostgreSQL server: "
                                  "set PRM_DATABASE_URL or pass --database-url")
            with _scratch_postgres(server_url) as scratch:
                restore_backup(path, scratch)
    return {"verified": str(path), "backend": manifest["backend"],
            "revision": manifest["revision"], "tables": len(manifest["tables"]),
            "rows": sum(t["rows"] for t in manifest["tables"].values())}


@contextmanager
def _scratch_postgres(server_url: str) -> Iterator[str]:
    """A temporary database on the server of `server_url`, dropped afterwards."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"prm_verify_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# ---------------------------------------------------------------- command line


def main(argv: Iterable[str] | None = None) -> int:
    from core.settings import get_settings

    parser = argparse.ArgumentParser(prog="python -m db.backup",
                                     description="Back up, restore and verify the database.")
    parser.add_argument("--database-url", help="default: PRM_DATABASE_URL")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create", help="back the database up into one file")
    create.add_argument("--output", type=Path, help="default: prm-backup-<time>.tar.gz")
    restore = sub.add_parser("restore", help="restore a backup into the database")
    restore.add_argument("file", type=Path)
    restore.add_argument("--replace", action="store_true",
                         help="overwrite a database that already holds tables")
    verify = sub.add_parser("verify", help="restore a backup into a scratch database and "
                                           "check every table")
    verify.add_argument("file", type=Path)
    args = parser.parse_args(list(argv) if argv is not None else None)
    url = args.database_url or get_settings().database_url
    try:
        if args.command == "create":
            manifest = create_backup(url, args.output)
            out = {"file": manifest["file"], "backend": manifest["backend"],
                   "revision": manifest["revision"], "tables": len(manifest["tables"]),
                   "rows": sum(t["rows"] for t in manifest["tables"].values()),
                   "bytes": Path(manifest["file"]).stat().st_size}
        elif args.command == "restore":
            out = restore_backup(args.file, url, replace=args.replace)
        else:
            out = verify_backup(args.file, url)
    except BackupError as exc:
        print(json.dumps({"error": str(exc)}), flush=True)
        return 2
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
