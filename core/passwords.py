"""Password hashing (bcrypt) and the password rules."""

import secrets
from functools import lru_cache

import bcrypt

from core.settings import get_settings

MIN_LENGTH = 10


def hash_password(password: str, rounds: int | None = None) -> str:
    rounds = rounds or get_settings().bcrypt_rounds
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


@lru_cache(maxsize=4)
def shared_hash(password: str) -> str:
    """One hash reused for many seeded users: hashing is slow on purpose."""
    return hash_password(password)


def verify_password(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode(), hashed.encode())
    except ValueError:
        return False


def password_problem(username: str, password: str) -> str | None:
    """Why a new password is refused, or None when it is acceptable."""
    if password.strip().lower() == username.strip().lower():
        return "The password cannot be the username."
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    return None


def temporary_password() -> str:
    return secrets.token_urlsafe(9)
