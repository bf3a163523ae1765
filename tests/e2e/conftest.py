"""Browser journeys: one Streamlit server per test module on a fresh seeded database, driven
by Playwright through Debian's Chromium (never a downloaded browser).

`python -m seed` runs once per run, into a template file; each module's server gets a copy."""

import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from deploy.cluster import wait_for
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("PRM_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
DEMO_PASSWORD = "prm-demo-2026"


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            # One server per module: keep a module's tests on one xdist worker (unless the
            # module chose its group, to share a database built on one worker).
            if not any(item.iter_markers("xdist_group")):
                item.add_marker(pytest.mark.xdist_group(item.module.__name__))


def _require_browser():
    try:
        import playwright  # noqa: F401
    except ImportError:
        reason = "playwright is not installed (make test installs it)"
    else:
        if Path(CHROMIUM).exists():
            return
        reason = f"Chromium not found at {CHROMIUM}: apt-get install chromium to run them"
    if os.environ.get("PRM_REQUIRE_E2E") == "1":
        pytest.fail(f"browser tests required (PRM_REQUIRE_E2E=1) but {reason}")
    pytest.skip(f"browser tests skipped: {reason}")


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    try:
        wait_for(f"{url}/_stcore/health", proc, timeout)
    except RuntimeError as exc:
        raise RuntimeError(f"streamlit did not become healthy ({exc}):\n{log.read_text()}"
                           ) from exc


@dataclass(frozen=True)
class AppServer:
    url: str
    database_url: str


def _app_env(work: Path) -> dict[str, str]:
    env = {**os.environ, "PRM_DATABASE_URL": f"sqlite:///{work}/prm.db",
           "PRM_DATA_DIR": str(work), "PRM_COOKIE_KEY": "e2e-only-cookie-key-0123456789abcdef",
           "PRM_DEMO": "1",
           "PRM_BCRYPT_ROUNDS": "4", "PYTHONPATH": str(ROOT),
           # The journeys sign admins and finance in with passwords only; the two-factor
           # journey (test_two_factor.py) serves the default, which requires it of them.
           "PRM_SECOND_FACTOR_ROLES": ""}
    env.pop("PRM_SMTP_HOST", None)
    return env


@pytest.fixture(scope="session")
def demo_database_file(request, tmp_path_factory) -> Path:
    """A demo database as `python -m seed` makes it (SQLite, as `make run`), made once per
    run: the xdist workers of a run share it (the first to need it makes it, under a lock)."""
    _require_browser()
    root = tmp_path_factory.getbasetemp()
    if hasattr(request.config, "workerinput"):
        root = root.parent  # the run's base directory; each worker's is a folder in it
    path = root / "e2e-demo.db"
    with (root / "e2e-demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            work = Path(tempfile.mkdtemp(prefix="e2e-demo-", dir=root))
            subprocess.run([sys.executable, "-m", "seed"], cwd=ROOT, env=_app_env(work),
                           check=True, capture_output=True)
            # Fold the write-ahead log into the file (the last connection to close removes
            # the log), so that the file alone is the whole database.
            conn = sqlite3.connect(work / "prm.db")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
            assert not (work / "prm.db-wal").exists(), "the demo database is still open"
            os.replace(work / "prm.db", path)
    return path


@pytest.fixture(scope="module")
def app_server(tmp_path_factory, demo_database_file):
    """A running app on a fresh demo database (a copy of `demo_database_file`)."""
    yield from serve_app(tmp_path_factory, demo_database_file)


def serve_app(tmp_path_factory, demo_database_file, port: int | None = None,
              streamlit_args: tuple[str, ...] = (), **extra_env: str):
    """Start the app (settings from `extra_env` on top of the tests' own, and Streamlit
    options), yield its AppServer, stop it. A module overrides `app_server` with it to serve
    other settings."""
    _require_browser()
    work = tmp_path_factory.mktemp("app")
    port = port or free_port()
    # Links in mails and on screen point at this server.
    env = _app_env(work) | {"PRM_APP_BASE_URL": f"http://127.0.0.1:{port}"} | extra_env
    shutil.copyfile(demo_database_file, work / "prm.db")
    log = work / "streamlit.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "Home.py", "--server.port", str(port),
             "--server.headless", "true", "--server.fileWatcherType", "none",
             *streamlit_args],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield AppServer(url, env["PRM_DATABASE_URL"])
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def launched_browser():
    """Debian's Chromium under Playwright, for as long as the generator is not closed.

    Its pages do not ask for reduced motion, though that saved a tenth of Chromium's CPU:
    with it, Streamlit 1.67's multiselect list sometimes took a click on an option without
    choosing it (seen in the portal journey, about one run in three)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def browser(app_server):
    yield from launched_browser()


@pytest.fixture
def page(browser, app_server):
    context = browser.new_context(base_url=app_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()
