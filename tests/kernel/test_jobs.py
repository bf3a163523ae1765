"""The job runner, with an injected clock and test-only jobs passed as `jobs=` (the global
registry is left alone)."""

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.audit import AuditFilter, list_events
from core.errors import NotFound, PermissionDenied, RuleViolation
from core.jobs import Job, list_jobs, registered, run_due, run_now
from db.models import AuditEvent, JobState
from db.session import unit_of_work
from tests.conftest import NOW, actor_for

ROOT = Path(__file__).resolve().parents[2]


class Counter:
    """A job body that counts its runs and leaves an audit event per run in its transaction."""

    def __init__(self, name: str, *, sleep: float = 0.0, fail: bool = False):
        self.name, self.sleep, self.fail = name, sleep, fail
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, db: Session, now) -> str:
        with self._lock:
            self.calls += 1
        audit.record(db, Actor.system(self.name), "test.tick", "job", self.name, now=now)
        time.sleep(self.sleep)
        if self.fail:
            raise RuntimeError("the partner feed is unreachable")
        return f"ticked at {now:%H:%M}"


def _job(fn: Counter, interval=timedelta(hours=1)) -> Job:
    return Job(fn.name, interval, fn, f"test job {fn.name}")


def _ticks(engine, name: str) -> int:
    with Session(engine) as db:
        return db.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "test.tick", AuditEvent.entity_id == name))


def _state(engine, name: str) -> JobState:
    with Session(engine) as db:
        return db.get(JobState, name)


def test_a_job_runs_when_due_and_not_before(seeded):
    tick = Counter("tick")
    jobs = [_job(tick)]
    (first,) = run_due(seeded, now=NOW, jobs=jobs)  # never ran: due at once
    assert (first.outcome, first.message, first.started_at) == ("ok", "ticked at 12:00", NOW)
    (early,) = run_due(seeded, now=NOW + timedelta(minutes=59), jobs=jobs)
    assert early.outcome == "not_due" and not early.ran
    (second,) = run_due(seeded, now=NOW + timedelta(hours=1), jobs=jobs)
    assert second.outcome == "ok"
    assert tick.calls == 2 and _ticks(seeded, "tick") == 2

    with Session(seeded) as db:
        (status,) = list_jobs(db, actor_for(db, "admin"), now=NOW + timedelta(hours=1),
                              jobs=jobs)
    assert (status.name, status.interval, status.last_outcome, status.last_message) == \
        ("tick", timedelta(hours=1), "ok", "ticked at 13:00")
    assert status.last_started_at == NOW + timedelta(hours=1)
    assert status.next_run_at == NOW + timedelta(hours=2)
    assert (status.run_count, status.running) == (2, False)


def test_a_failing_job_is_recorded_and_the_others_still_run(seeded, caplog):
    boom, fine = Counter("boom", fail=True), Counter("fine")
    with caplog.at_level(logging.ERROR, logger="prm.jobs"):
        results = run_due(seeded, now=NOW, jobs=[_job(boom), _job(fine)])
    assert [(r.name, r.outcome) for r in results] == [("boom", "error"), ("fine", "ok")]
    ref = results[0].message.split("ref ")[1][:8]
    assert ref in caplog.text and "the partner feed is unreachable" in caplog.text
    state = _state(seeded, "boom")
    assert (state.last_outcome, state.last_message) == ("error", results[0].message)
    assert state.running_until is None and state.next_run_at == NOW + timedelta(hours=1)
    assert _ticks(seeded, "boom") == 0  # the failed run's writes were rolled back
    assert _ticks(seeded, "fine") == 1


def test_two_runners_at_once_do_the_work_exactly_once(seeded):
    slow = Counter("slow", sleep=0.3)
    jobs = [_job(slow)]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def runner():
        try:
            barrier.wait()
            results.extend(run_due(seeded, now=NOW, jobs=jobs))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(r.outcome for r in results if r.ran) == ["ok"]
    assert len(results) == 2
    assert slow.calls == 1 and _ticks(seeded, "slow") == 1
    assert _state(seeded, "slow").run_count == 1


def test_run_now_by_an_admin_runs_a_job_that_is_not_due_and_is_audited(seeded):
    tick = Counter("tick")
    jobs = [_job(tick)]
    run_due(seeded, now=NOW, jobs=jobs)
    with Session(seeded) as db:
        admin = actor_for(db, "admin")
    result = run_now(seeded, admin, "tick", now=NOW + timedelta(minutes=5), jobs=jobs)
    assert result.outcome == "ok" and tick.calls == 2
    assert _state(seeded, "tick").next_run_at == NOW + timedelta(hours=1, minutes=5)
    with Session(seeded) as db:
        events, total = list_events(db, admin, AuditFilter(action="job.run_now"))
    assert total == 1
    assert (events[0].actor, events[0].entity, events[0].entity_id, events[0].after) == \
        ("admin", "job", "tick", {"outcome": "ok", "message": "ticked at 12:05"})


def test_run_now_is_refused_to_everyone_but_admins(seeded):
    tick = Counter("tick")
    with Session(seeded) as db:
        actors = [actor_for(db, u) for u in ("p01.admin", "p01.rep1", "channel", "analyst")]
    for actor in actors:
        with pytest.raises(PermissionDenied):
            run_now(seeded, actor, "tick", now=NOW, jobs=[_job(tick)])
        with Session(seeded) as db, pytest.raises(PermissionDenied):
            list_jobs(db, actor)
    assert tick.calls == 0
    assert _state(seeded, "tick") is None


def test_run_now_waits_for_another_runners_lease(seeded):
    tick = Counter("tick")
    job = _job(tick)
    run_due(seeded, now=NOW, jobs=[job])
    # Another runner took the job and is still inside its lease.
    with unit_of_work(seeded) as db:
        db.execute(update(JobState).where(JobState.name == "tick")
                   .values(running_until=NOW + timedelta(minutes=10)))
    with Session(seeded) as db:
        admin = actor_for(db, "admin")
    with pytest.raises(RuleViolation, match="running right now"):
        run_now(seeded, admin, "tick", now=NOW + timedelta(minutes=5), jobs=[job])
    assert tick.calls == 1
    # That runner died: once its lease is over, the job can run again.
    result = run_now(seeded, admin, "tick", now=NOW + timedelta(minutes=11), jobs=[job])
    assert result.outcome == "ok" and tick.calls == 2
    with pytest.raises(NotFound):
        run_now(seeded, admin, "no-such-job", now=NOW, jobs=[job])


def test_send_mail_job_is_registered_and_listed_for_admins(seeded_db):
    assert "send-mail" in [j.name for j in registered()]
    statuses = {s.name: s for s in list_jobs(seeded_db, actor_for(seeded_db, "admin"),
                                             now=NOW)}
    mail = statuses["send-mail"]
    assert mail.interval == timedelta(minutes=1)
    assert (mail.last_started_at, mail.next_run_at, mail.run_count) == (None, None, 0)


# ---------------------------------------------------------------- the command line


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRM_SMTP")}
    env["PRM_DATABASE_URL"] = database_url
    return env


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_runs_due_jobs_once(database_url):
    proc = subprocess.run([sys.executable, "-m", "core.jobs"], cwd=ROOT, env=_env(database_url),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "send-mail: ok - SMTP is not configured" in proc.stdout
    from db.session import make_engine

    engine = make_engine(database_url)
    try:
        state = _state(engine, "send-mail")
    finally:
        engine.dispose()
    assert (state.run_count, state.last_outcome) == (1, "ok")


@pytest.mark.parametrize("kind", ["unreachable", "not migrated"])
def test_cli_says_in_one_line_when_the_database_is_unavailable(kind, tmp_path):
    url = (f"postgresql+psycopg://prm:secret@127.0.0.1:{_free_port()}/prm"
           if kind == "unreachable" else f"sqlite:///{tmp_path / 'empty.db'}")
    proc = subprocess.run([sys.executable, "-m", "core.jobs"], cwd=ROOT, env=_env(url),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("job runner: database unavailable")
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert "secret" not in proc.stderr


def _wait_for(path: Path, text: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in path.read_text():
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} not in {path.read_text()!r}")
        time.sleep(0.05)


def _start_loop(url: str, tmp_path: Path):
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with out.open("w") as o, err.open("w") as e:
        proc = subprocess.Popen(
            [sys.executable, "-m", "core.jobs", "--loop", "--interval-seconds", "0.2"],
            cwd=ROOT, env=_env(url), stdout=o, stderr=e)
    return proc, out, err


def test_cli_loop_runs_jobs_and_stops_on_sigterm(database_url, tmp_path):
    proc, out, _ = _start_loop(database_url, tmp_path)
    try:
        _wait_for(out, "send-mail: ok")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
    assert out.read_text().splitlines()[-1] == "job runner: stopped"


def test_cli_loop_keeps_retrying_while_the_database_is_down(tmp_path):
    url = f"postgresql+psycopg://prm@127.0.0.1:{_free_port()}/prm"
    proc, out, err = _start_loop(url, tmp_path)
    try:
        _wait_for(err, "database unavailable")
        time.sleep(1.0)  # several more checks
        assert proc.poll() is None  # still running
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
    assert len(err.read_text().strip().splitlines()) == 1  # one line, not one per retry
    assert "stopped" in out.read_text()
