"""`python -m core.pos import FILE --partner ID [--template NAME] [--dry-run]` as distributors'
scheduled drops run it: exactly one line of JSON on standard output, logs on standard error,
exit 0 when the file was read and 2 when it could not be, the partner does not exist, or a
required column has none. In this process (on each backend) but for one real process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from core.pos.__main__ import main as pos_cli
from core.settings import get_settings
from db.session import make_engine
from tests.pos.helpers import csv_file, pos_world, row

ROOT = Path(__file__).resolve().parents[2]
KEYS = ["rows", "clean", "exceptions", "duplicates", "by_reason", "clean_amount"]


def one_line(out: str) -> dict:
    assert out.endswith("\n") and len(out.splitlines()) == 1, out
    return json.loads(out)


@pytest.fixture
def world_url(seeded, database_url):
    with Session(seeded) as db:
        world = pos_world(db)
        db.commit()
    return database_url, world


@pytest.fixture
def cli(world_url, monkeypatch, capsys):
    url, world = world_url
    monkeypatch.setenv("PRM_DATABASE_URL", url)
    get_settings.cache_clear()

    def run(*args) -> tuple[int, dict]:
        code = pos_cli(["import", *map(str, args)])
        return code, one_line(capsys.readouterr().out)

    yield run, world
    get_settings.cache_clear()


def test_the_contract_dry_run_real_run_and_again(cli, tmp_path):
    run, world = cli
    path = tmp_path / "drop.csv"
    path.write_bytes(csv_file(row(invoice="A", unit="333,33", qty="3", extended="999,99"),
                              row(invoice="B", currency="GBP"), row(invoice="C", sku="ZZ"),
                              row(invoice="A", unit="333,33", qty="3", extended="999,99")))
    expected = {"rows": 4, "clean": 1, "exceptions": 2, "duplicates": 1,
                "by_reason": {"no_rate": 1, "unknown_sku": 1}, "clean_amount": "1079.99"}
    code, dry = run(path, "--partner", world["distributor"], "--dry-run")
    assert (code, list(dry), dry) == (0, KEYS, expected)
    code, real = run(path, "--partner", world["distributor"])
    assert (code, real) == (0, expected)
    code, again = run(path, "--partner", world["distributor"])
    assert (code, again) == (0, {"rows": 4, "clean": 0, "exceptions": 0, "duplicates": 4,
                                 "by_reason": {}, "clean_amount": "0.00"})


def test_unmapped_columns_an_unknown_partner_and_an_unreadable_file_exit_2(cli, tmp_path):
    run, world = cli
    path = tmp_path / "odd.csv"
    path.write_bytes(csv_file("1;2", header="Foo;Bar"))
    code, out = run(path, "--partner", world["distributor"])
    assert code == 2 and list(out) == ["error", "unmapped"]
    assert {"invoice_number", "invoice_date", "sku", "quantity"} <= set(out["unmapped"])
    good = tmp_path / "good.csv"
    good.write_bytes(csv_file(row()))
    code, out = run(good, "--partner", 999_999)
    assert (code, list(out)) == (2, ["error"])
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    code, out = run(binary, "--partner", world["distributor"])
    assert code == 2 and "not a CSV or XLSX" in out["error"]
    code, out = run(tmp_path / "missing.csv", "--partner", world["distributor"])
    assert code == 2 and "cannot read" in out["error"]


def test_a_real_process_prints_one_line_and_logs_on_stderr(world_url, tmp_path):
    url, world = world_url
    path = tmp_path / "drop.csv"
    path.write_bytes(csv_file(row(invoice="P1")))
    done = subprocess.run([sys.executable, "-m", "core.pos", "import", str(path), "--partner",
                           str(world["distributor"])], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "PRM_DATABASE_URL": url}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert one_line(done.stdout)["clean"] == 1
    assert f"{path}: 1 rows, 1 clean" in done.stderr
    engine = make_engine(url)
    engine.dispose()
