"""`python -m core.leads import FILE [--dry-run] [--route]`, as the system actor, for cron and
operators.

Standard output carries exactly one line of JSON:
    {"rows": n, "imported": n, "duplicates": n, "rejected": n,
     "errors": [{"line": n, "field": "name", "message": "text"}, ... at most 20]}
rows counts the data rows (the header is line 1) and rows = imported + duplicates + rejected.
Exit 0 when the file was read, whatever its rows; exit 2, with one line {"error": "text"},
when it is not a readable table, lacks a column the import needs, or the database is not
migrated. `--dry-run` counts as a real run would and writes nothing; without `--route` the
imported leads wait in the vendor queue. Logs go to standard error."""

import argparse
import json
import logging
import sys
from pathlib import Path

from core.actor import Actor
from core.leads.importer import TableError, import_leads, read_table
from core.settings import get_settings
from db.migrate import schema_problem
from db.session import make_engine, unit_of_work

log = logging.getLogger("prm.leads")
ACTOR = "lead-import"


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="python -m core.leads")
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("import", help="import leads from a CSV or XLSX file")
    load.add_argument("file", type=Path)
    load.add_argument("--dry-run", action="store_true", help="count, write nothing")
    load.add_argument("--route", action="store_true", help="route the imported leads")
    args = parser.parse_args(argv)
    return _import(args.file, dry_run=args.dry_run, route=args.route)


def _fail(message: str) -> int:
    print(json.dumps({"error": message}))
    return 2


def _import(path: Path, *, dry_run: bool, route: bool) -> int:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _fail(f"cannot read {path}: {exc.strerror or exc}")
    url = get_settings().database_url
    if problem := schema_problem(url):
        return _fail(problem)
    try:
        table = read_table(data)
    except TableError as exc:
        return _fail(str(exc))
    engine = make_engine(url)
    actor = Actor.system(ACTOR)
    try:
        with unit_of_work(engine, immediate=True) as db:
            report = import_leads(db, actor, table, dry_run=dry_run)
            if dry_run:
                db.rollback()
        log.info("%s: %s rows, %s imported, %s duplicates, %s rejected%s", path, report.rows,
                 report.imported, report.duplicates, report.rejected,
                 " (dry run)" if dry_run else "")
        if route and report.lead_ids:
            from core.leads.routing import route_leads

            with unit_of_work(engine, immediate=True) as db:
                routed = route_leads(db, actor, list(report.lead_ids))
            log.info("routed: %s", routed.message)
    except TableError as exc:
        return _fail(str(exc))
    finally:
        engine.dispose()
    print(json.dumps(report.as_json()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
