"""Several app replicas on one PostgreSQL database behind nginx, on this machine.

    python -m deploy.cluster up [--replicas 2] [--port 8080]   (what `make cluster` runs)
    python -m deploy.cluster nginx [--replicas 2] [--port 80]  print nginx's site config

`up` makes the PostgreSQL database if it is missing (PRM_DATABASE_URL when it names one, else
prm_cluster on the local server), migrates it, loads the demo into it when it is empty, and
starts the replicas, the API, one job runner and nginx, each with the same cookie key,
Streamlit cookie secret and upload folder (what replicas must share). Ctrl-C stops them all.

The same functions render the configuration and start the processes for the browser journey
that runs the cluster in CI (tests/e2e/test_cluster.py)."""

import argparse
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "nginx" / "prm-site.conf.template"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/prm_cluster"
NGINX = os.environ.get("PRM_NGINX", shutil.which("nginx") or "/usr/sbin/nginx")


@dataclass(frozen=True)
class Layout:
    """Where everything listens."""

    port: int = 8080
    app_ports: tuple[int, ...] = (8601, 8602)
    api_port: int = 8502
    host: str = "127.0.0.1"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def render_site(layout: Layout, *, max_body_mb: int = 512, debug_headers: bool = False) -> str:
    """nginx's site configuration (the http-block part) for this layout. debug_headers adds
    X-PRM-Replica, the replica that answered: for a local cluster and its tests, not for
    the internet (it names internal addresses)."""
    servers = "\n".join(f"    server {layout.host}:{p} max_fails=1 fail_timeout=5s;"
                        for p in layout.app_ports)
    debug = "    add_header X-PRM-Replica $upstream_addr always;\n" if debug_headers else ""
    api = f"    server {layout.host}:{layout.api_port};"
    values = {"APP_SERVERS": servers, "API_SERVERS": api,
              "LISTEN": f"{layout.host}:{layout.port}", "MAX_BODY_MB": str(max_body_mb),
              "DEBUG_HEADERS": debug}
    site = TEMPLATE.read_text()
    for name, value in values.items():
        site = site.replace(f"@{name}@", value)
    if left := re.findall(r"@[A-Z_]+@", site):
        raise ValueError(f"{TEMPLATE.name}: no value for {left}")
    return site


def render_main(site: str, prefix: Path) -> str:
    """A whole nginx.conf around the site, with every path under `prefix`, for an nginx
    started by hand (not the system's)."""
    temp = "\n".join(f"    {name}_temp_path {prefix / name};"
                     for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"daemon off;\nworker_processes 1;\npid {prefix / 'nginx.pid'};\n"
            f"error_log {prefix / 'error.log'} warn;\nevents {{ worker_connections 1024; }}\n"
            f"http {{\n    access_log {prefix / 'access.log'};\n{temp}\n"
            f"{site}\n}}\n")


def shared_env(database_url: str, data_dir: Path, layout: Layout, cookie_key: str,
               cookie_secret: str) -> dict:
    """What every process of the cluster shares: the database, the keys, the upload folder.
    The same Streamlit cookie secret on every replica: Streamlit signs its XSRF cookie (and
    st.login its identity cookie) with it, so a browser moved to another replica keeps both
    (Streamlit takes it from the environment only)."""
    return {**os.environ, "PRM_DATABASE_URL": database_url, "PRM_DATA_DIR": str(data_dir),
            "PRM_UPLOAD_DIR": str(data_dir / "uploads"), "PRM_COOKIE_KEY": cookie_key,
            "PRM_APP_BASE_URL": layout.url, "PRM_TRUSTED_PROXIES": layout.host,
            "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret, "PYTHONPATH": str(ROOT)}


def streamlit_command(port: int, host: str = "127.0.0.1") -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(ROOT / "Home.py"),
            "--server.port", str(port), "--server.address", host, "--server.headless", "true",
            "--server.fileWatcherType", "none"]


def api_command(port: int, host: str = "127.0.0.1") -> list[str]:
    return [sys.executable, "-m", "uvicorn", "api.app:app", "--host", host, "--port", str(port),
            "--no-access-log"]


def jobs_command() -> list[str]:
    return [sys.executable, "-m", "core.jobs", "--loop"]


def nginx_command(conf: Path, prefix: Path) -> list[str]:
    return [NGINX, "-p", str(prefix), "-c", str(conf)]


@dataclass
class Processes:
    """Started processes by name, each logging to its own file; stopped in reverse order."""

    logs: Path
    env: dict
    running: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        out = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        self.running[name] = proc
        return proc

    def stop(self, name: str, *, timeout: float = 10) -> None:
        proc = self.running.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def stop_all(self) -> None:
        for name in reversed(list(self.running)):
            self.stop(name)

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def wait_for(url: str, proc: subprocess.Popen | None = None, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout:g} s")


def start_cluster(procs: Processes, layout: Layout, prefix: Path) -> None:
    """The replicas, the API, a job runner and nginx; returns once each answers."""
    for i, port in enumerate(layout.app_ports, 1):
        procs.start(f"app{i}", streamlit_command(port, layout.host))
    procs.start("api", api_command(layout.api_port, layout.host))
    procs.start("jobs", jobs_command())
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(render_main(render_site(layout, debug_headers=True), prefix))
    procs.start("nginx", nginx_command(conf, prefix))
    for i, port in enumerate(layout.app_ports, 1):
        wait_for(f"http://{layout.host}:{port}/_stcore/health", procs.running[f"app{i}"])
    wait_for(f"http://{layout.host}:{layout.api_port}/health", procs.running["api"])
    wait_for(f"{layout.url}/health", procs.running["nginx"])


# ---------------------------------------------------------------- make cluster


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named by `url` when the server does not have it."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                 {"n": target.database})
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


def _cluster_url() -> str:
    url = os.environ.get("PRM_DATABASE_URL", "")
    return url if url.startswith("postgresql") else DEFAULT_URL


def _secret(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def up(layout: Layout) -> int:
    url = _cluster_url()
    data = ROOT / "data" / "cluster"
    logs = data / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = shared_env(url, data, layout, _secret(data / "cookie_key"),
                     _secret(data / "streamlit_cookie_secret")) | {"PRM_DEMO": "1"}
    print(f"cluster: database {make_url(url).render_as_string(hide_password=True)}",
          flush=True)
    ensure_database(url)
    subprocess.run([sys.executable, "-m", "seed", "--if-empty"], cwd=ROOT, env=env, check=True)
    procs = Processes(logs, env)
    stop = False

    def _stop(*_):
        nonlocal stop
        stop = True
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        start_cluster(procs, layout, data / "nginx")
        print(f"cluster: {len(layout.app_ports)} replicas on ports "
              f"{', '.join(map(str, layout.app_ports))}, the API on {layout.api_port}, a job "
              f"runner; open {layout.url} (health: {layout.url}/health; logs in {logs}). "
              f"Ctrl-C stops it.", flush=True)
        while not stop:
            for name, proc in list(procs.running.items()):
                if proc.poll() is not None:
                    print(f"cluster: {name} exited ({proc.returncode}); see {logs}/{name}.log",
                          flush=True)
                    procs.running.pop(name)
            time.sleep(1)
    finally:
        procs.stop_all()
        print("cluster: stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.cluster")
    parser.add_argument("command", choices=["up", "nginx"])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--port", type=int, default=None,
                        help="nginx's port (default 8080 for up, 80 for nginx)")
    parser.add_argument("--first-app-port", type=int, default=8601)
    parser.add_argument("--api-port", type=int, default=8502)
    args = parser.parse_args(argv)
    if args.replicas < 1:
        parser.error("--replicas must be at least 1")
    port = args.port or (8080 if args.command == "up" else 80)
    layout = Layout(port, tuple(range(args.first_app_port, args.first_app_port + args.replicas)),
                    args.api_port)
    if args.command == "nginx":
        print(render_site(layout), end="")
        return 0
    return up(layout)


if __name__ == "__main__":
    sys.exit(main())
