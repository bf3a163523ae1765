"""The cookie signing key: from secrets or the environment, else generated once per machine."""

import secrets
from pathlib import Path


def cookie_key(configured: str | None, data_dir: Path) -> str:
    """`configured` comes from secrets.toml or PRM_COOKIE_KEY. Replicas must share one;
    the generated file under data/ serves a single machine only."""
    if configured:
        return configured
    path = data_dir / "cookie_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Exclusive create: two processes starting at once keep the first key written.
    try:
        with path.open("x") as f:
            f.write(key)
        path.chmod(0o600)
    except FileExistsError:
        return path.read_text().strip()
    return key


MIN_KEY_BYTES = 32
# Keys that were published (our example file, tutorials): a cookie signed with one is forgeable.
KNOWN_PLACEHOLDERS = frozenset({"replace-me", "change-me", "changeme", "secret", "cookie_key",
                                "your-secret-key", "some_signature_key", "random_signature_key"})


def cookie_key_problem(key: str | None) -> str | None:
    """Why the app must not start with this cookie key, or None."""
    if not key:
        return "No cookie key is set."
    if key.strip().lower() in KNOWN_PLACEHOLDERS:
        return "The cookie key is a published placeholder; generate a key of your own."
    if len(key.encode()) < MIN_KEY_BYTES:
        return f"The cookie key is shorter than {MIN_KEY_BYTES} bytes; generate a longer one."
    return None
