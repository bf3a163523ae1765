"""`python -m core.training load PATH [--publish]`: a course from a folder (core.training.loader)
as a draft, or published. Prints one JSON line (the course's id, family, version, status and
counts); on any error prints each as "file: message" and writes nothing (exit status 2)."""

import argparse
import json
import sys
from pathlib import Path

from core.actor import Actor
from core.settings import get_settings
from core.training.loader import FolderErrors, load_folder
from db.session import make_engine, unit_of_work


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.training")
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("load", help="load a course from a folder")
    load.add_argument("path", type=Path)
    load.add_argument("--publish", action="store_true", help="publish it once loaded")
    args = parser.parse_args(argv)
    engine = make_engine(get_settings().database_url)
    try:
        with unit_of_work(engine) as db:
            course = load_folder(db, Actor.system("training-load"), args.path,
                                 publish=args.publish)
    except FolderErrors as exc:
        for name, message in exc.errors:
            print(f"{name}: {message}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(json.dumps({"course_id": course.id, "family": course.family,
                      "version": course.version, "status": course.status,
                      "modules": len(course.modules), "questions": course.questions}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
