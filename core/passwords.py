"""Password hashing (bcrypt) and the password rules."""

from functools import lru_cache

import bcrypt

from core.settings import get_settings

MIN_LENGTH = 10
MAX_BYTES = 72  # bcrypt reads no further, and refuses longer input


def hash_password(password: str, rounds: int | None = None) -> str:
    rounds = rounds or get_settings().bcrypt_rounds
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


@lru_cache(maxsize=4)
def shared_hash(password: str) -> str:
    """One hash reused for many seeded users: hashing is slow on purpose."""
    return hash_password(password)


def verify_password(password: str, hashed: str) -> bool:
    """False for a wrong password, and for one bcrypt cannot take (over 72 bytes)."""
    try:
        return bcrypt.checkpw(password.encode(), hashed.encode())
    except ValueError:
        return False


def password_problem(username: str, password: str) -> str | None:
    """Why a new password is refused, or None when it is acceptable."""
    try:
        password.encode()
    except UnicodeEncodeError:
        return "The password contains a character that cannot be stored; type it again."
    if password.strip().lower() == username.strip().lower():
        return "The password cannot be the username."
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password.encode()) > MAX_BYTES:
        return (f"Use at most {MAX_BYTES} bytes: {MAX_BYTES} plain letters and digits, fewer "
                f"with accents or symbols.")
    if "\x00" in password:
        return "A password cannot contain a NUL character."
    return None


