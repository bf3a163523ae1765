"""`python -m core.accounts create-admin --username NAME --email ADDRESS`

The password is read twice from the terminal, or from PRM_ADMIN_PASSWORD when there is no
terminal. Exit status: 0 created, 1 refused (the reason is printed), 2 the database is not
reachable or not migrated (run `python -m db.migrate`)."""

import argparse
import getpass
import os
import sys

from sqlalchemy.exc import SQLAlchemyError

from core.accounts.bootstrap import create_admin
from core.errors import DomainError
from core.settings import get_settings
from db.migrate import schema_problem
from db.session import make_engine, unit_of_work

CREATED, REFUSED, NO_DATABASE = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.accounts")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-admin", help="make an administrator")
    create.add_argument("--username", required=True)
    create.add_argument("--email", required=True)
    args = parser.parse_args(argv)

    url = get_settings().database_url
    if problem := schema_problem(url):
        print(problem, file=sys.stderr)
        return NO_DATABASE
    password = _password()
    if password is None:
        print("refused: the two passwords differ", file=sys.stderr)
        return REFUSED
    engine = make_engine(url)
    try:
        with unit_of_work(engine, immediate=True) as db:
            user = create_admin(db, args.username, args.email, password)
    except DomainError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return REFUSED
    except SQLAlchemyError as exc:
        print(f"database error: {exc.__class__.__name__}", file=sys.stderr)
        return NO_DATABASE
    finally:
        engine.dispose()
    print(f"created admin {user.username} ({user.email})")
    return CREATED


def _password() -> str | None:
    """From the terminal, typed twice (None when they differ), else PRM_ADMIN_PASSWORD."""
    if not sys.stdin.isatty():
        return os.environ.get("PRM_ADMIN_PASSWORD", "")
    first = getpass.getpass("Password for the new admin: ")
    second = getpass.getpass("The same password again: ")
    return first if first == second else None


if __name__ == "__main__":
    sys.exit(main())
