"""Background jobs: a registry, a runner that is safe when several run at once, and its CLI.

A job is `Job(name, interval, fn, description)`. The runner calls `fn(db, now)` with a fresh
Session and the run's clock; it commits that session when fn returns and rolls it back when fn
raises. fn returns a short message for the admin Jobs page, or None. A job must be idempotent
(after a crash it may run again), and one that has to commit in steps of its own opens them on
`db.get_bind()`, the engine (send-mail commits its claim before it talks to SMTP).

Several runners may share a database (`make run` starts one, cron or a second host may run
more): each run is claimed with one conditional UPDATE on `job_states` that sets a lease
(`running_until`), and only the runner whose UPDATE changed the row runs the job.

    python -m core.jobs                  run the due jobs once, a line per job (cron)
    python -m core.jobs --loop [--interval-seconds 15]   keep running until SIGTERM/SIGINT

Exit status of a single run: 0 all well, 1 a job failed, 2 the database was unavailable."""

import argparse
import logging
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, or_, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from core import audit, packages
from core.actor import Actor
from core.errors import NotFound, RuleViolation
from core.mail import send_pending
from core.permissions import require
from core.settings import get_settings
from db.models import JobState
from db.session import make_engine, unit_of_work
from db.types import utcnow

log = logging.getLogger("prm.jobs")

JobFn = Callable[..., str | None]  # (db, started) or, with a plan, (db, started, planned)


@dataclass(frozen=True)
class Job:
    name: str
    interval: timedelta
    fn: JobFn
    description: str = ""
    # How long a run may take before another runner may assume this one died.
    lease: timedelta = field(default=timedelta(minutes=30))
    # Long reads done first, in a transaction of their own (on SQLite without the write
    # lock, so pages keep writing meanwhile); what it returns reaches fn as a third argument.
    plan: Callable[[Session, datetime], Any] | None = None


@dataclass(frozen=True)
class JobRunResult:
    name: str
    outcome: str  # "ok" or "error" when it ran; "not_due" or "busy" when it did not
    message: str | None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def ran(self) -> bool:
        return self.outcome in ("ok", "error")

    def line(self) -> str:
        return f"{self.name}: {self.outcome}" + (f" - {self.message}" if self.message else "")


@dataclass(frozen=True)
class JobStatus:
    name: str
    description: str
    interval: timedelta
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_outcome: str | None
    last_message: str | None
    next_run_at: datetime | None  # None: never ran, due at the next check
    running: bool
    run_count: int


# How the Jobs page names a run's outcome.
OUTCOME_LABELS = {"ok": "Succeeded", "error": "Failed", "not_due": "Not due yet",
                  "busy": "Already running"}
# (unit, its name, the words for exactly one of it)
_UNITS = ((timedelta(weeks=1), "week", "weekly"), (timedelta(days=1), "day", "daily"),
          (timedelta(hours=1), "hour", "every hour"),
          (timedelta(minutes=1), "minute", "every minute"),
          (timedelta(seconds=1), "second", "every second"))


def every(interval: timedelta) -> str:
    """A job's interval in words: "every 15 minutes", "every hour", "daily", "every 2 days",
    "weekly". The largest unit that divides it evenly names it."""
    for unit, name, one in _UNITS:
        if interval >= unit and interval % unit == timedelta(0):
            n = interval // unit
            return one if n == 1 else f"every {n:,} {name}s"
    return f"every {interval.total_seconds():g} seconds"


# ---------------------------------------------------------------- registry

_REGISTRY: dict[str, Job] = {}

def register(job: Job) -> Job:
    if _REGISTRY.get(job.name, job) is not job:
        raise ValueError(f"a job named {job.name!r} is already registered")
    _REGISTRY[job.name] = job
    return job


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


def registered() -> list[Job]:
    """Every job: the kernel's own (send-mail, below) and those each capability package
    registers in its `jobs` module (found by core.packages, so none is listed here)."""
    packages.load("jobs")
    return sorted(_REGISTRY.values(), key=lambda j: j.name)


# ---------------------------------------------------------------- running


def run_due(engine: Engine, *, now: datetime | None = None, only: Iterable[str] | None = None,
            jobs: Iterable[Job] | None = None) -> list[JobRunResult]:
    """Run every due job (all registered, or `jobs`; `only` limits them by name). One result
    per job considered; a job's failure is recorded and the others still run."""
    wanted = set(only) if only is not None else None
    results = []
    for job in (list(jobs) if jobs is not None else registered()):
        if wanted is not None and job.name not in wanted:
            continue
        started = now or utcnow()
        _ensure_state(engine, job.name)
        if _claim(engine, job, started, due_only=True):
            results.append(_run(engine, job, started))
        else:
            results.append(_not_run(engine, job.name, started))
    return results


def run_now(engine: Engine, actor: Actor, name: str, *, now: datetime | None = None,
            jobs: Iterable[Job] | None = None) -> JobRunResult:
    """Run a job at once for an admin, due or not, unless another runner is running it."""
    require(actor, "job.run")
    job = next((j for j in (jobs if jobs is not None else registered()) if j.name == name), None)
    if job is None:
        raise NotFound("job")
    started = now or utcnow()
    _ensure_state(engine, job.name)
    if not _claim(engine, job, started, due_only=False):
        raise RuleViolation(f"The job {name} is running right now. Try again when it has "
                            "finished.")
    return _run(engine, job, started, actor=actor)


def _ensure_state(engine: Engine, name: str) -> None:
    with engine.connect() as conn:
        if conn.scalar(select(JobState.name).where(JobState.name == name)) is not None:
            return
    try:
        with engine.begin() as conn:
            conn.execute(insert(JobState).values(name=name, run_count=0))
    except IntegrityError:
        pass  # another runner inserted it first: just as good


def _claim(engine: Engine, job: Job, now: datetime, *, due_only: bool) -> bool:
    # One conditional UPDATE: the database lets only one runner change the row while the
    # lease is free, so checking the row count is the whole lock.
    stmt = update(JobState).where(
        JobState.name == job.name,
        or_(JobState.running_until.is_(None), JobState.running_until < now),
    )
    if due_only:
        stmt = stmt.where(or_(JobState.next_run_at.is_(None), JobState.next_run_at <= now))
    stmt = stmt.values(running_until=now + job.lease, last_started_at=now)
    with engine.begin() as conn:
        return conn.execute(stmt).rowcount == 1


def _run(engine: Engine, job: Job, started: datetime, *, actor: Actor | None = None
         ) -> JobRunResult:
    """The job's work, its state and (for an admin's run) the audit event commit together: a
    run that fails, in the job or in recording it, leaves none of its work and records the
    failure instead."""
    clock = time.monotonic()
    try:
        # On SQLite the write lock is taken at BEGIN (db.locks): a job reads, then writes
        # under its keyed locks, and a page writing in between would fail it otherwise.
        planned = None
        if job.plan is not None:
            with unit_of_work(engine) as read:
                planned = job.plan(read, started)
        with unit_of_work(engine, immediate=True) as db:
            message = _message(job.fn(db, started) if job.plan is None
                               else job.fn(db, started, planned))
            finished = started + timedelta(seconds=time.monotonic() - clock)
            _record(db, job, actor, started, finished, "ok", message)
        return JobRunResult(job.name, "ok", message, started, finished)
    except Exception as exc:  # noqa: BLE001 - one job's failure must not stop the others
        ref = uuid.uuid4().hex[:8]
        log.exception("job %s failed (ref %s)", job.name, ref)
        message = _message(f"{type(exc).__name__} (ref {ref}; details in the job runner's log)")
    finished = started + timedelta(seconds=time.monotonic() - clock)
    with unit_of_work(engine) as db:
        _record(db, job, actor, started, finished, "error", message)
    return JobRunResult(job.name, "error", message, started, finished)


def _message(message: str | None) -> str | None:
    return str(message)[:500] if message else None


def _record(db: Session, job: Job, actor: Actor | None, started: datetime, finished: datetime,
            outcome: str, message: str | None) -> None:
    """The run's outcome on the job's row, and in the audit log when an admin ran it."""
    db.execute(
        update(JobState).where(JobState.name == job.name)
        .values(last_finished_at=finished, last_outcome=outcome, last_message=message,
                next_run_at=started + job.interval, running_until=None,
                run_count=JobState.run_count + 1)
        .execution_options(synchronize_session=False)
    )
    if actor is not None:
        audit.record(db, actor, "job.run_now", "job", job.name,
                     after={"outcome": outcome, "message": message}, now=started)


def _not_run(engine: Engine, name: str, now: datetime) -> JobRunResult:
    with engine.connect() as conn:
        state = conn.execute(select(JobState).where(JobState.name == name)).one()
    if state.running_until and state.running_until >= now:
        return JobRunResult(name, "busy", "another runner is running it")
    when = f"{state.next_run_at:%Y-%m-%d %H:%M:%S} UTC" if state.next_run_at else "soon"
    return JobRunResult(name, "not_due", f"next run at {when}")


# ---------------------------------------------------------------- admin view


def list_jobs(db: Session, actor: Actor, *, now: datetime | None = None,
              jobs: Iterable[Job] | None = None) -> list[JobStatus]:
    require(actor, "job.view")
    now = now or utcnow()
    states = {s.name: s for s in db.scalars(select(JobState))}
    out = []
    for job in (jobs if jobs is not None else registered()):
        s = states.get(job.name) or JobState(name=job.name, run_count=0)
        out.append(JobStatus(
            job.name, job.description, job.interval, s.last_started_at, s.last_finished_at,
            s.last_outcome, s.last_message, s.next_run_at,
            bool(s.running_until and s.running_until >= now), s.run_count or 0,
        ))
    return out


# ---------------------------------------------------------------- the jobs


def _send_mail(db: Session, now: datetime) -> str:
    if not get_settings().smtp_enabled:
        return "SMTP is not configured (PRM_SMTP_HOST), so no e-mail is sent"
    return str(send_pending(db.get_bind(), now=now))


register(Job("send-mail", timedelta(minutes=1), _send_mail,
             "Sends queued notification e-mails; retries with backoff when SMTP is down."))


# ---------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.jobs",
                                     description="Run the PRM background jobs.")
    parser.add_argument("--loop", action="store_true", help="keep running until stopped")
    parser.add_argument("--interval-seconds", type=float, default=15.0,
                        help="how often the loop checks for due jobs (default 15)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                                                   "%(message)s")
    url = get_settings().database_url
    engine = make_engine(url)
    try:
        if args.loop:
            return _loop(engine, url, args.interval_seconds)
        return _once(engine, url)
    finally:
        engine.dispose()


def _once(engine: Engine, url: str) -> int:
    try:
        results = run_due(engine)
    except DBAPIError as exc:
        print(_db_problem(url, exc), file=sys.stderr, flush=True)
        return 2
    for r in results:
        print(r.line(), flush=True)
    return 1 if any(r.outcome == "error" for r in results) else 0


def _loop(engine: Engine, url: str, interval: float) -> int:
    stop = threading.Event()
    # Finish the job in hand, then leave: a signal only sets the flag.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(f"job runner: started, checking every {interval:g}s", flush=True)
    db_down = False
    while not stop.is_set():
        try:
            results = run_due(engine)
        except DBAPIError as exc:
            if not db_down:  # one line when it goes away, not one per retry
                print(_db_problem(url, exc) + "; retrying", file=sys.stderr, flush=True)
            db_down = True
        else:
            if db_down:
                print("job runner: database available again", flush=True)
            db_down = False
            for r in results:
                if r.ran:
                    print(r.line(), flush=True)
        stop.wait(interval)
    print("job runner: stopped", flush=True)
    return 0


def _db_problem(url: str, exc: DBAPIError) -> str:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
    where = make_url(url).render_as_string(hide_password=True)
    return f"job runner: database unavailable or not migrated ({where}): {reason}"


if __name__ == "__main__":
    # Run the `core.jobs` module, not this `__main__` copy of it: jobs that other modules
    # register go into core.jobs's registry.
    from core.jobs import main as _main

    sys.exit(_main())
