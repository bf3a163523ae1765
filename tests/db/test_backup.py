"""`python -m db.backup`: a populated database backed up, restored into a fresh one, and
found the same, table by table, on both databases; and the refusals that keep a restore from
doing harm."""

import io
import json
import tarfile
import uuid
from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import create_engine, func, select, text

from core.accounts import sign_in
from db.backup import BackupError, fingerprints, main, restore_backup, verify_backup
from db.migrate import alembic_config, current_revision
from db.models import AuditEvent, User
from db.session import make_engine, unit_of_work
from tests.conftest import NOW


@pytest.fixture
def blank(request, backend, tmp_path):
    """Makes empty databases (no tables) on the test's backend; drops them after."""
    made = []

    def make() -> str:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / f'blank_{uuid.uuid4().hex[:6]}.db'}"
        else:
            factory = request.getfixturevalue("postgres_factory")
            name = f"prm_blank_{uuid.uuid4().hex[:10]}"
            with factory.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = factory.url(name)
            made.append((factory, url))
        return url

    yield make
    for factory, url in made:
        factory.drop(url)


def _fingerprints(url: str) -> dict:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return fingerprints(conn)
    finally:
        engine.dispose()


def _users(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.scalars(select(User.username).order_by(User.username)))
    finally:
        engine.dispose()


def test_a_populated_database_restores_table_for_table(seeded, database_url, blank,
                                                       tmp_path):
    with unit_of_work(seeded) as db:  # some writes of a day's work on top of the demo
        sign_in(db, "admin", "prm-demo-2026", now=NOW)
        sign_in(db, "p01_admin", "wrong", now=NOW + timedelta(minutes=1))
    before = _fingerprints(database_url)
    file = tmp_path / "b.tar.gz"

    assert main(["--database-url", database_url, "create", "--output", str(file)]) == 0
    target = blank()
    assert main(["--database-url", target, "restore", str(file)]) == 0

    after = _fingerprints(target)
    assert set(after) == set(before) and "alembic_version" in after
    assert {t: f.rows for t, f in after.items()} == {t: f.rows for t, f in before.items()}
    assert after == before  # every table's checksum too
    assert before["users"].rows > 10 and before["audit_events"].rows > 0
    assert _users(target) == _users(database_url)
    assert current_revision(target) == current_revision(database_url)


def test_the_backup_is_of_one_moment_and_the_live_database_goes_on(seeded, database_url,
                                                                   blank, tmp_path):
    from db.backup import create_backup

    manifest = create_backup(database_url, tmp_path / "b.tar.gz")
    with unit_of_work(seeded) as db:  # written after the backup: not in it
        sign_in(db, "admin", "wrong", now=NOW)
    target = blank()
    restore_backup(tmp_path / "b.tar.gz", target)
    engine = make_engine(target)
    with engine.connect() as conn:
        audits = conn.scalar(select(func.count()).select_from(AuditEvent))
    engine.dispose()
    assert audits == manifest["tables"]["audit_events"]["rows"]
    assert _fingerprints(database_url)["audit_events"].rows == audits + 1


def test_verify_restores_into_a_scratch_database_and_prints_a_line(database_url, backend,
                                                                   tmp_path, capsys):
    file = tmp_path / "b.tar.gz"
    main(["--database-url", database_url, "create", "--output", str(file)])
    created = json.loads(capsys.readouterr().out)
    assert created["file"] == str(file) and created["backend"] == backend
    assert created["revision"] == current_revision(database_url)
    assert created["tables"] > 40 and created["bytes"] == file.stat().st_size

    assert main(["--database-url", database_url, "verify", str(file)]) == 0
    verified = json.loads(capsys.readouterr().out)
    assert verified == {"verified": str(file), "backend": backend,
                        "revision": created["revision"], "tables": created["tables"],
                        "rows": created["rows"]}


def test_restore_refuses_a_database_that_holds_tables(database_url, seeded, tmp_path):
    from db.backup import create_backup

    create_backup(database_url, tmp_path / "b.tar.gz")
    with unit_of_work(seeded) as db:
        db.query(User).filter(User.username == "p01_rep").update({"display_name": "Changed"})
    kept = _fingerprints(database_url)
    with pytest.raises(BackupError, match="already holds tables"):
        restore_backup(tmp_path / "b.tar.gz", database_url)
    assert _fingerprints(database_url) == kept


def test_restore_with_replace_overwrites_what_is_there(database_url, seeded, blank,
                                                       tmp_path):
    from db.backup import create_backup

    create_backup(database_url, tmp_path / "b.tar.gz")
    expected = _fingerprints(database_url)
    with unit_of_work(seeded) as db:
        db.query(User).filter(User.username == "p01_rep").update({"display_name": "Changed"})
    seeded.dispose()
    restore_backup(tmp_path / "b.tar.gz", database_url, replace=True)
    assert _fingerprints(database_url) == expected


def test_restore_refuses_a_backup_of_a_newer_schema_and_writes_nothing(database_url, blank,
                                                                       tmp_path):
    from db.backup import create_backup

    file = tmp_path / "b.tar.gz"
    create_backup(database_url, file)
    newer = tmp_path / "newer.tar.gz"
    _rewrite_manifest(file, newer, revision="9999_from_the_future")
    target = blank()
    with pytest.raises(BackupError, match="newer than this code knows"):
        restore_backup(newer, target)
    assert _fingerprints(target) == {}


def test_restore_refuses_a_damaged_backup(database_url, blank, tmp_path):
    from db.backup import create_backup

    file = tmp_path / "b.tar.gz"
    create_backup(database_url, file)
    damaged = tmp_path / "damaged.tar.gz"
    _rewrite_manifest(file, damaged, payload_sha256="0" * 64)
    with pytest.raises(BackupError, match="damaged"):
        restore_backup(damaged, blank())
    (tmp_path / "not.tar.gz").write_bytes(b"hello")
    with pytest.raises(BackupError, match="cannot be read"):
        verify_backup(tmp_path / "not.tar.gz", database_url)


def test_a_backup_of_an_older_schema_is_upgraded_after_it_is_restored(blank, tmp_path):
    old = blank()
    command.upgrade(alembic_config(old), "0024")
    engine = create_engine(old)
    with engine.begin() as conn:
        conn.execute(text("UPDATE tiers SET name = 'Gold Plus' WHERE name = 'Gold'"))
    engine.dispose()
    from db.backup import create_backup

    create_backup(old, tmp_path / "old.tar.gz")
    target = blank()
    out = restore_backup(tmp_path / "old.tar.gz", target)
    assert out["revision"] == "0024" and out["upgraded_to"] == current_revision(target)
    assert current_revision(target) != "0024"
    engine = create_engine(target)
    with engine.connect() as conn:
        names = set(conn.scalars(text("SELECT name FROM tiers")))
        hours = conn.scalar(text("SELECT request_response_hours FROM tiers "
                                 "WHERE name = 'Gold Plus'"))
    engine.dispose()
    assert "Gold Plus" in names and hours is not None  # 0025 ran on the restored rows


def test_a_sqlite_backup_is_not_restored_into_postgresql(tmp_path):
    from db.backup import create_backup

    url = f"sqlite:///{tmp_path / 'a.db'}"
    command.upgrade(alembic_config(url), "head")
    create_backup(url, tmp_path / "a.tar.gz")
    with pytest.raises(BackupError, match="cannot be restored into postgresql"):
        restore_backup(tmp_path / "a.tar.gz", "postgresql+psycopg://nobody@127.0.0.1:1/x")


def _rewrite_manifest(source, target, **changes) -> None:
    """A copy of a backup with its manifest changed."""
    with tarfile.open(source, "r:gz") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    manifest.update(changes)
    members["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(target, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
