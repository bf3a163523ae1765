"""`python -m core.leads import FILE [--dry-run]` as cron and operators run it: one line of
JSON on standard output with the counts and the first 20 errors, exit 0 when the file was
read; exit 2 and one line {"error": ...} for a file or a database it cannot use; a dry run
that writes nothing; a second run that imports nothing; logs on standard error.

A real process (two, at once) checks what only a process shows: standard output holds the
one line and nothing else, the logs go to standard error, the exit codes. The rest calls the
command's `main` in this process (a process costs about two seconds), on each backend."""

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.leads.__main__ import main as leads_cli
from core.settings import get_settings
from db.models import AuditEvent, Lead
from db.session import make_engine

ROOT = Path(__file__).resolve().parents[2]
KEYS = ["rows", "imported", "duplicates", "rejected", "errors"]
HEADER = ("First Name", "Last Name", "Company", "Email", "Country")
NO_ROWS = {"rows": 0, "imported": 0, "duplicates": 0, "rejected": 0, "errors": []}


def write_csv(path: Path, *rows) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return path


def in_db(url: str) -> tuple[int, list[dict]]:
    """(leads kept, the after of each lead.import audit event)."""
    engine = make_engine(url)
    try:
        with Session(engine) as db:
            return (db.scalar(select(func.count()).select_from(Lead)),
                    [e.after for e in db.scalars(select(AuditEvent).where(
                        AuditEvent.action == "lead.import").order_by(AuditEvent.id))])
    finally:
        engine.dispose()


def one_line(out: str) -> dict:
    assert out.endswith("\n") and len(out.splitlines()) == 1, out
    return json.loads(out)


@pytest.fixture
def cli(database_url, monkeypatch, capsys):
    """The command in this process on a fresh, migrated database: args -> (exit code, the
    one line of JSON it printed)."""
    monkeypatch.setenv("PRM_DATABASE_URL", database_url)
    get_settings.cache_clear()

    def run(*args) -> tuple[int, dict]:
        code = leads_cli(["import", *map(str, args)])
        return code, one_line(capsys.readouterr().out)

    yield run
    get_settings.cache_clear()


# ---------------------------------------------------------------- a real process


def start(url: str, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "core.leads", "import", *map(str, args)],
                            cwd=ROOT, env={**os.environ, "PRM_DATABASE_URL": url},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def sqlite_url(sqlite_factory):
    """A migrated, empty SQLite file of the test's own."""
    url = sqlite_factory.create("empty")
    yield url
    sqlite_factory.drop(url)


def test_the_process_prints_one_json_line_logs_on_stderr_and_exits_2_unmigrated(
        sqlite_url, tmp_path):
    url = sqlite_url
    unmigrated = tmp_path / "unmigrated.db"
    unmigrated.write_bytes(b"")
    path = write_csv(tmp_path / "leads.csv",
                     ["Ann", "Able", "Acme", "ann@acme.com", "Germany"],
                     ["Ben", "Baker", "Acme", "ben@acme.com", "Narnia"])
    runs = [start(url, path), start(f"sqlite:///{unmigrated}", path)]
    (out, err), (bad_out, bad_err) = (p.communicate(timeout=120) for p in runs)
    assert [p.returncode for p in runs] == [0, 2], (err, bad_err)
    line = one_line(out)
    assert list(line) == KEYS
    assert (line["rows"], line["imported"], line["rejected"]) == (2, 1, 1)
    assert f"{path}: 2 rows, 1 imported, 0 duplicates, 1 rejected" in err  # the log line
    refused = one_line(bad_out)
    assert list(refused) == ["error"]
    assert refused["error"].startswith("database not migrated")
    assert "Traceback" not in bad_err
    assert in_db(url)[0] == 1


# ---------------------------------------------------------------- the contract, in process


def test_a_dry_run_then_a_run_print_the_same_counts_and_a_second_run_imports_nothing(
        cli, database_url, tmp_path):
    path = write_csv(tmp_path / "leads.csv",
                     ["Ann", "Able", "Acme", "ann@acme.com", "Germany"],
                     ["Ben", "Baker", "Acme", "ben@acme.com", "USA"],
                     ["Ben", "Baker", "Acme", "BEN@acme.com", "USA"],  # twice in the file
                     ["Cat", "Cole", "Beta GmbH", "", "DE"],
                     ["Dan", "Dale", "Beta GmbH", "dan@beta.de", "Narnia"])
    expected = {"rows": 5, "imported": 3, "duplicates": 1, "rejected": 1, "errors": [
        {"line": 6, "field": "country",
         "message": "Not a country we know: use its name or code, e.g. Germany or DE."}]}

    code, dry = cli(path, "--dry-run")
    assert (code, list(dry), dry) == (0, KEYS, expected)
    assert in_db(database_url) == (0, [])

    code, real = cli(path)
    assert (code, real) == (0, expected)
    leads, events = in_db(database_url)
    assert leads == 3
    assert [(e["file_sha256"], e["imported"]) for e in events] == [
        (hashlib.sha256(path.read_bytes()).hexdigest(), 3)]

    code, again = cli(path)
    assert (code, again) == (0, {**expected, "imported": 0, "duplicates": 4})
    assert in_db(database_url)[0] == 3


def test_more_than_twenty_bad_rows_print_the_first_twenty(cli, database_url, tmp_path):
    path = write_csv(tmp_path / "bad.csv",
                     *[[f"P{i}", "X", "Acme", f"p{i}@acme.com", "Narnia"] for i in range(25)],
                     ["Good", "Row", "Acme", "good@acme.com", "France"])
    code, out = cli(path)
    assert (code, out["rows"], out["imported"], out["duplicates"], out["rejected"]) == (
        0, 26, 1, 0, 25)
    assert [(e["line"], e["field"]) for e in out["errors"]] == [
        (line, "country") for line in range(2, 22)]
    assert in_db(database_url)[0] == 1


def test_an_empty_file_and_a_header_only_file_exit_0_with_no_rows(cli, database_url, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert cli(empty) == (0, NO_ROWS)
    assert cli(write_csv(tmp_path / "header.csv")) == (0, NO_ROWS)
    assert cli(write_csv(tmp_path / "header.csv"), "--dry-run") == (0, NO_ROWS)
    assert in_db(database_url) == (0, [])


REFUSED = [  # (file, its content or None for no file, what the one line says)
    ("leads.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\x00endobj\n",
     "This is not a spreadsheet or CSV file (application/pdf)."),
    ("leads.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
     "This is an old Excel (.xls) file: save it as .xlsx or CSV."),
    ("no-country.csv", b"Company,Email\nAcme,ann@acme.com\n",
     "The file needs a country column and a column for the e-mail, the company or the "
     "website; found none for the country."),
    ("no-contact.csv", b"First Name,Country\nAnn,DE\n",
     "The file needs a country column and a column for the e-mail, the company or the "
     "website; found none for any of those."),
    ("missing.csv", None, "cannot read"),
]


def test_a_file_it_cannot_use_exits_2_with_one_line_naming_why(cli, database_url, tmp_path):
    for name, content, says in REFUSED:  # one database for all (a fresh one costs a second)
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        code, out = cli(path)
        assert (code, list(out)) == (2, ["error"]), name
        assert says in out["error"], (name, out)
    assert in_db(database_url) == (0, [])
