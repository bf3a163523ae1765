"""`python -m core.pos import FILE --partner ID [--template NAME] [--dry-run]`: a
distributor's scheduled drop, from the shell. Standard output carries exactly one line of
JSON: {"rows", "clean", "exceptions", "duplicates", "by_reason": {...}, "clean_amount"}
(rows = clean + exceptions + duplicates); without a template that fits and a guess that
finds every required column, {"error", "unmapped": [...]}. Exit 0 when the file was read, 2
when it could not be read, the partner does not exist or columns are unmapped. Logs go to
standard error. The import runs as the system (vendor ops' rights)."""

import argparse
import json
import logging
import sys
from pathlib import Path

from core.actor import Actor
from core.errors import NotFound, RuleViolation
from core.pos.importer import UnmappedColumns, import_pos
from core.pos.reading import TableError
from core.settings import get_settings
from db.migrate import schema_problem
from db.session import make_engine, unit_of_work

log = logging.getLogger("core.pos")


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(prog="python -m core.pos")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("import", help="import a sell-through file (CSV or XLSX)")
    run.add_argument("file")
    run.add_argument("--partner", type=int, required=True, help="the submitting partner's id")
    run.add_argument("--template")
    run.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    return _import(args)


def _say(payload: dict, code: int) -> int:
    print(json.dumps(payload), flush=True)
    return code


def _import(args) -> int:
    url = get_settings().database_url
    if problem := schema_problem(url):
        return _say({"error": problem}, 2)
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        return _say({"error": f"cannot read {args.file}: {exc.strerror}"}, 2)
    engine = make_engine(url)
    try:
        with unit_of_work(engine, immediate=True) as db:
            report = import_pos(db, Actor.system("pos-import"), args.partner,
                                Path(args.file).name, data, template=args.template,
                                dry_run=args.dry_run)
    except UnmappedColumns as exc:
        return _say({"error": str(exc), "unmapped": exc.missing}, 2)
    except NotFound:
        return _say({"error": f"no partner with id {args.partner}"}, 2)
    except (TableError, RuleViolation) as exc:
        return _say({"error": str(exc)}, 2)
    finally:
        engine.dispose()
    log.info("%s: %s rows, %s clean, %s exceptions, %s duplicates%s", args.file, report.rows,
             report.clean, report.exceptions, report.duplicates,
             " (dry run: nothing written)" if args.dry_run else "")
    return _say(report.as_json(), 0)


if __name__ == "__main__":
    sys.exit(main())
