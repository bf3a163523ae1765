"""`python -m bench.pos [--lines N] [--pg-url URL] [--no-sqlite] [--no-postgres]`: a
distributor's sell-through file of N lines (2,000,000 by default, about 290 MB; issue #19:
imported and cleansed in at most 2 minutes on this machine) read, cleansed and written as
`python -m core.pos import` does it (import_pos in one immediate unit of work, committed),
beside a bare `pandas.read_csv` of the same file. Never passes or fails on time.

The file comes from seed.scale_pos (data/bench_pos_2m.csv, or bench_pos_<N>.csv; written once
and reused until the generator changes). Each database is a fresh one of the bench's own,
migrated and given seed.scale_pos's world (the distributor, its 1,500 resellers, 336
products, three years of daily rates, 20,000 of the file's 60,000 end customers): the SQLite
file data/bench_pos.db, and on PostgreSQL the database prm_bench_pos of the server --pg-url
(else PRM_BENCH_PG_URL, else PRM_TEST_DATABASE_URL) names, dropped and created through the
server's `postgres` database. The distributor has no lines before, so the import does not
read its earlier lines by invoice number (a later file does: one query a few hundred
invoices). Printed: the bare read; `import_pos` as a dry run (read, mapped, cleansed, counted;
nothing written) and the real import committed; each with lines/s, this process's CPU time
(PostgreSQL's own work is not in it), the counts (rows = clean + exceptions + duplicates) and
the process's peak RSS so far. The copy of the file the import keeps under PRM_UPLOAD_DIR is
removed after."""

import argparse
import gc
import hashlib
import os
import resource
import time
from pathlib import Path

import pandas as pd
from sqlalchemy import func, make_url, select

from bench.common import fresh_database
from bench.incentives import bench_incentives
from core.actor import Actor
from core.memory import settle_memory
from core.pos.importer import AREA, PosImportReport, import_pos
from core.uploads import folder
from db.models import PosException, PosLine
from db.session import make_engine, unit_of_work
from db.types import utcnow
from seed import scale_pos
from seed.scale_pos import LINES, pos_world, seed_pos_world, write_pos_csv

DATA = Path("data")
SQLITE_URL = f"sqlite:///{DATA / 'bench_pos.db'}"
PG_DATABASE = "prm_bench_pos"
ACTOR = Actor.system("bench")


def csv_path(lines: int) -> Path:
    return DATA / (f"bench_pos_{lines // 1_000_000}m.csv" if lines % 1_000_000 == 0
                   else f"bench_pos_{lines}.csv")


def ensure_file(lines: int) -> Path:
    """The file of `lines` lines, written unless one is there already (written after the
    generator last changed)."""
    path = csv_path(lines)
    if path.exists() and path.stat().st_mtime > Path(scale_pos.__file__).stat().st_mtime:
        print(f"file: {path} ({path.stat().st_size / 1e6:.0f} MB, {lines:,} lines), reused")
        return path
    began = time.perf_counter()
    size = write_pos_csv(path, lines, pos_world())
    print(f"file: {path} ({size / 1e6:.0f} MB, {lines:,} lines) written by seed.scale_pos in "
          f"{time.perf_counter() - began:.1f} s")
    return path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _line(label: str, seconds: float, cpu: float, lines: int, tail: str = "") -> None:
    print(f"  {label:<36} {seconds:7.1f} s {lines / seconds:>9,.0f} lines/s  (this process's "
          f"CPU {cpu:.1f} s; peak RSS {peak_rss_mb():,.0f} MB){tail}")


def _counts(report: PosImportReport) -> str:
    reasons = ", ".join(f"{k} {v:,}" for k, v in sorted(report.by_reason.items()))
    return (f"\n    {report.rows:,} rows: {report.clean:,} clean, {report.exceptions:,} "
            f"exceptions, {report.duplicates:,} duplicates ({reasons})")


def bench_bare(path: Path, lines: int) -> None:
    began, cpu = time.perf_counter(), time.process_time()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    _line("bare pandas.read_csv (dtype=str)", time.perf_counter() - began,
          time.process_time() - cpu, lines, f"  ({len(frame):,} rows)")
    del frame
    gc.collect()


def bench_database(url: str, path: Path, lines: int, *, dry_run: bool) -> None:
    began = time.perf_counter()
    fresh_database(url)
    engine = make_engine(url)
    with unit_of_work(engine) as db:
        world = seed_pos_world(db, pos_world(), now=utcnow())
    print(f"{engine.url.render_as_string(hide_password=True)}: fresh, migrated, "
          f"{world['resellers']:,} resellers, {world['products']} products, "
          f"{world['rates']:,} rates, {world['end_customers']:,} end customers "
          f"({time.perf_counter() - began:.1f} s)")
    data = path.read_bytes()
    stored = folder(AREA) / hashlib.sha256(data).hexdigest()  # where the import keeps it
    ours = not stored.exists()
    runs: list[tuple[str, bool]] = [("import_pos dry run", True)] if dry_run else []
    try:
        for label, dry in [*runs, ("import_pos + commit", False)]:
            report, seconds, cpu = _import(engine, world["distributor"], path.name, data, dry)
            _line(label, seconds, cpu, lines, _counts(report))
    finally:
        if ours:  # the bench's copy of its file under PRM_UPLOAD_DIR goes
            stored.unlink(missing_ok=True)
    with unit_of_work(engine) as db:
        kept = db.scalar(select(func.count()).select_from(PosLine))
        waiting = db.scalar(select(func.count()).select_from(PosException))
    print(f"    written: {kept:,} pos_lines, {waiting:,} pos_exceptions")
    del data
    engine.dispose()
    gc.collect()
    bench_incentives(url)


def _import(engine, partner_id: int, name: str, data: bytes,
            dry_run: bool) -> tuple[PosImportReport, float, float]:
    gc.collect()
    began, cpu = time.perf_counter(), time.process_time()
    with unit_of_work(engine, immediate=True) as db:
        report = import_pos(db, ACTOR, partner_id, name, data, dry_run=dry_run)
    return report, time.perf_counter() - began, time.process_time() - cpu


def postgres_url(given: str | None) -> str | None:
    url = (given or os.environ.get("PRM_BENCH_PG_URL")
           or os.environ.get("PRM_TEST_DATABASE_URL"))
    if not url or not url.startswith("postgresql"):
        return None
    return make_url(url).set(database=PG_DATABASE).render_as_string(hide_password=False)


def bench_pos(lines: int = LINES, *, sqlite: bool = True, pg_url: str | None = None) -> None:
    settle_memory()
    path = ensure_file(lines)
    print(f"POS import of {path.name} ({lines:,} lines; issue #19: at most 2 minutes)")
    bench_bare(path, lines)
    if sqlite:
        bench_database(SQLITE_URL, path, lines, dry_run=True)
    if pg_url:
        bench_database(pg_url, path, lines, dry_run=not sqlite)
    else:
        print("PostgreSQL: no --pg-url, PRM_BENCH_PG_URL or PRM_TEST_DATABASE_URL: skipped")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pos")
    parser.add_argument("--lines", type=int, default=LINES)
    parser.add_argument("--pg-url", help="a PostgreSQL server (its database is not used: the "
                        f"bench creates {PG_DATABASE} there); default PRM_BENCH_PG_URL, "
                        "else PRM_TEST_DATABASE_URL")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    bench_pos(args.lines, sqlite=not args.no_sqlite,
              pg_url=None if args.no_postgres else postgres_url(args.pg_url))


if __name__ == "__main__":
    main()
