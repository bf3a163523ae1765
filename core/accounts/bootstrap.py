"""The first administrator of a real installation, made from the server's shell
(`python -m core.accounts create-admin`), never from the web: until one exists the app shows
only how to run that command."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts.records import UserOut
from core.accounts.users import insert_user
from core.actor import Actor, Role
from core.errors import RuleViolation
from core.passwords import hash_password, password_problem
from core.validation import checked, email_address
from db.models import User


def has_admin(db: Session) -> bool:
    return db.scalar(select(User.id).where(User.role == Role.ADMIN.value,
                                           User.is_active.is_(True)).limit(1)) is not None


def create_admin(db: Session, username: str, email: str, password: str, *,
                 now: datetime | None = None) -> UserOut:
    """An active admin with the given password (typed twice at the terminal by whoever runs
    the command). Refused with the reason: a username outside the rule or taken, an invalid
    e-mail, a password the rules refuse."""
    address = checked("email", email_address, email, required="Give the admin's e-mail.")
    if problem := password_problem(username or "", password or ""):
        raise RuleViolation(problem, field="password")
    user, _ = insert_user(db, Actor.system("create-admin"), username, username, address,
                          Role.ADMIN, None, password_hash=hash_password(password),
                          invite=False, now=now)
    return user
