"""`python -m core.crm import FILE... [--dry-run]` and `python -m core.crm export deals|leads
--crm salesforce|hubspot [--status S] [--since DATE] [--output FILE]`, as the system actor,
for cron and operators.

import: standard output carries exactly one line of JSON:
    {"rows": n, "imported": n, "updated": n, "unchanged": n, "rejected": n,
     "errors": [{"file": "name", "line": n, "message": "text"}, ... at most 20]}
with rows = imported + updated + unchanged + rejected. Exit 0 when the files were read,
whatever their rows; exit 2, with one line {"error": "text"} and nothing written, when any
file is unreadable or unrecognised (or the database is not migrated). `--dry-run` counts
exactly as a real run and writes nothing. Logs go to standard error.

export: the CSV on standard output (or --output), in the CRM's own field names; exit 2 with
{"error": "text"} when it cannot be made."""

import argparse
import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from core.actor import Actor
from core.errors import DomainError
from core.settings import get_settings
from db.migrate import schema_problem
from db.session import make_engine, unit_of_work

log = logging.getLogger("prm.crm")


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="python -m core.crm")
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("import", help="direct opportunities from CRM exports")
    load.add_argument("files", type=Path, nargs="+", metavar="FILE")
    load.add_argument("--dry-run", action="store_true", help="count, write nothing")
    out = commands.add_parser("export", help="deals or accepted leads as a CRM's CSV")
    out.add_argument("what", choices=("deals", "leads"))
    out.add_argument("--crm", choices=("salesforce", "hubspot"), required=True)
    out.add_argument("--status", help="deals: only this registration status")
    out.add_argument("--since", help="only records changed since this date (YYYY-MM-DD)")
    out.add_argument("--output", type=Path, help="write here instead of standard output")
    args = parser.parse_args(argv)
    if args.command == "import":
        return _import(args.files, dry_run=args.dry_run)
    return _export(args)


def _fail(message: str) -> int:
    print(json.dumps({"error": message}))
    return 2


def _import(paths: list[Path], *, dry_run: bool) -> int:
    from core.crm.imports import import_crm_files

    files = []
    for path in paths:
        try:
            files.append((path.name, path.read_bytes()))
        except OSError as exc:
            return _fail(f"cannot read {path}: {exc.strerror or exc}")
    url = get_settings().database_url
    if problem := schema_problem(url):
        return _fail(problem)
    engine = make_engine(url)
    try:
        report = import_crm_files(engine, Actor.system("crm-import"), files, dry_run=dry_run)
    except DomainError as exc:  # CrmFileError among them: a file unreadable or unknown
        return _fail(str(exc))
    except Exception as exc:  # the one JSON line, even then; the traceback to the log
        log.exception("import failed")
        return _fail(f"the import stopped ({exc.__class__.__name__}); see the log")
    finally:
        engine.dispose()
    for name, kind in report.files:
        log.info("%s: %s", name, kind)
    log.info("%s rows: %s imported, %s updated, %s unchanged, %s rejected%s", report.rows,
             report.imported, report.updated, report.unchanged, report.rejected,
             " (dry run)" if dry_run else "")
    print(json.dumps(report.as_json()))
    return 0


def _export(args: argparse.Namespace) -> int:
    from core.crm import crm_exports

    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since).replace(tzinfo=UTC)
        except ValueError:
            return _fail(f"--since {args.since!r} is not a date such as 2026-11-01")
    url = get_settings().database_url
    if problem := schema_problem(url):
        return _fail(problem)
    engine = make_engine(url)
    actor = Actor.system("crm-export")
    try:
        with unit_of_work(engine) as db:
            if args.what == "deals":
                data = crm_exports.deals_csv(db, actor, args.crm, status=args.status,
                                             updated_since=since)
            else:
                data = crm_exports.leads_csv(db, actor, args.crm, updated_since=since)
    except DomainError as exc:
        return _fail(str(exc))
    finally:
        engine.dispose()
    if args.output:
        args.output.write_bytes(data)
        log.info("wrote %s (%d bytes)", args.output, len(data))
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
