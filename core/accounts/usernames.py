"""One username rule for every way a user is made: 3 to 80 ASCII letters, digits, dots,
dashes or underscores, kept lower case. Checked before lower-casing, so that a look-alike
(the Kelvin sign lower-cases to "k") or a full-width letter never becomes somebody's name."""

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import RuleViolation
from db.models import User

USERNAME_RULE = "Use 3 to 80 letters (a-z), digits, dots, dashes or underscores."
_USERNAME = re.compile(r"[A-Za-z0-9._-]{3,80}", re.ASCII)


def username_problem(username: object) -> str | None:
    if not isinstance(username, str) or not _USERNAME.fullmatch(username.strip()):
        return USERNAME_RULE
    return None


def normalized_username(username: str) -> str:
    """The stored form of a username that passed the rule."""
    if problem := username_problem(username):
        raise RuleViolation(problem, field="username")
    return username.strip().lower()


def username_taken(db: Session, username: str) -> bool:
    return db.scalar(select(User.id).where(User.username == username)) is not None


def check_username(db: Session, username: str) -> str:
    """A username typed by a person: the rule, and not yet taken."""
    username = normalized_username(username)
    if username_taken(db, username):
        raise RuleViolation("That username is taken.", field="username")
    return username


def derived_username(db: Session, email: str, partner_id: int) -> str:
    """The e-mail's local part plus the partner id (jane.doe.p41), made unique."""
    local = email.rsplit("@", 1)[0].lower()
    local = re.sub(r"[^a-z0-9._-]+", ".", local, flags=re.ASCII)
    local = re.sub(r"\.{2,}", ".", local).strip("._-")[:60] or "admin"
    base = f"{local}.p{partner_id}"
    candidate, n = base, 1
    while username_taken(db, candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate
