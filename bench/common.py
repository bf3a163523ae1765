import statistics
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from db.migrate import upgrade


def timed(label: str, fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time in milliseconds over `repeat` runs, printed with the label."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    median = statistics.median(runs)
    print(f"  {label:<48} {median:9.1f} ms (median of {repeat})")
    return median


def fresh_database(url: str) -> None:
    """An empty database at `url` (the SQLite file removed; the PostgreSQL database dropped
    and created), migrated."""
    target = make_url(url)
    if target.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target.database}{suffix}").unlink(missing_ok=True)
    else:
        admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
        admin.dispose()
    upgrade(url)
