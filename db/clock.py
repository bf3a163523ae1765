"""The app's clock, which browser journeys move forward (a quiz's wait between attempts, say)
through a test-only setting, PRM_TEST_CLOCK_FILE: a file holding a number of seconds that
every `db.types.utcnow()` adds to the real time.

It is honoured only where no real installation runs: the database must be a SQLite file inside
the system's temporary directory, and the clock file must sit beside it (a relative path is
taken from that folder). Anywhere else the setting moves nothing, and the app refuses to start
with it (`problem`), so that a stray variable cannot shift a real installation's time."""

import logging
import os
import tempfile
from datetime import timedelta
from pathlib import Path

ENV = "PRM_TEST_CLOCK_FILE"
log = logging.getLogger("prm.clock")
_read: dict[tuple[str, float], timedelta] = {}


def _database_folder() -> Path | None:
    url = os.environ.get("PRM_DATABASE_URL", "")
    if not url.startswith("sqlite:///"):
        return None
    return Path(url.removeprefix("sqlite:///")).resolve().parent


def clock_file() -> Path | None:
    """The clock file when the setting is given and allowed here, else None."""
    name = os.environ.get(ENV)
    folder = _database_folder()
    if not name or folder is None:
        return None
    path = (folder / name).resolve()
    temporary = Path(tempfile.gettempdir()).resolve()
    if path.parent != folder or temporary not in folder.parents:
        return None
    return path


def problem() -> str | None:
    """Why the app must not start: the test clock asked for where it is not allowed."""
    if os.environ.get(ENV) and clock_file() is None:
        return (f"{ENV} is for tests only: it needs a SQLite database in the system's "
                "temporary directory, with the clock file beside it. Unset it.")
    return None


def offset() -> timedelta:
    """How far the test clock is ahead of the real one (zero without a test clock)."""
    if not os.environ.get(ENV):
        return timedelta(0)
    path = clock_file()
    if path is None:
        return timedelta(0)
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return timedelta(0)
    key = (str(path), stamp)
    found = _read.get(key)
    if found is None:  # the file changed: read it once (another thread may too: harmless)
        try:
            found = timedelta(seconds=float(path.read_text().strip() or 0))
        except (OSError, ValueError):
            found = timedelta(0)
        _read.clear()
        _read[key] = found
        if found:
            log.warning("test clock: %s ahead of the real time (%s)", found, path)
    return found
