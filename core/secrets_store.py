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
