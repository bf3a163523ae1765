"""A job runner killed in the middle of a job: its lease keeps other runners off the job until
it expires, then another runner takes the job over, and running it again does the work once.

The job is the real send-mail, killed while a real SMTP server keeps it waiting: after the
runner claimed the mail (committed) and before the server accepted it."""

import asyncio
import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.jobs import registered, run_due
from core.notifications import notify
from core.settings import get_settings
from db.models import JobState, OutboxMail, User
from db.session import unit_of_work
from db.types import utcnow
from tests.conftest import NOW
from tests.servers import Inbox, free_port

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ("import sys; from core.jobs import run_due; from db.session import make_engine; "
          "run_due(make_engine(sys.argv[1]), only=['send-mail'])")


class StallingInbox(Inbox):
    """Keeps the first connection waiting at its recipient (the mail not yet sent)."""

    def __init__(self):
        super().__init__()
        self.stalled = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not self.stalled.is_set():
            self.stalled.set()
            await asyncio.sleep(120)
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch):
    port = free_port()
    for name, value in (("SMTP_HOST", "127.0.0.1"), ("SMTP_PORT", str(port)),
                        ("SMTP_TIMEOUT_SECONDS", "300"), ("SMTP_FROM", "prm@vendor.example")):
        monkeypatch.setenv(f"PRM_{name}", value)
    get_settings.cache_clear()
    inbox = StallingInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox
    controller.stop()
    monkeypatch.undo()
    get_settings.cache_clear()


def _state(engine) -> JobState:
    with Session(engine) as db:
        return db.scalar(select(JobState).where(JobState.name == "send-mail"))


def _mail(engine) -> OutboxMail:
    with Session(engine) as db:
        return db.scalar(select(OutboxMail))


def test_a_killed_runner_s_job_is_taken_over_after_its_lease_and_done_once(
        seeded, database_url, smtp):
    with unit_of_work(seeded) as db:
        user = db.scalar(select(User).where(User.username == "p01.rep1"))
        notify(db, user.id, "Deal DR-7 approved", "Body", dedupe_key="takeover", now=NOW)

    runner = subprocess.Popen([sys.executable, "-c", RUNNER, database_url], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert smtp.stalled.wait(60), runner.stdout.read().decode() if runner.poll() else ""
    finally:
        runner.kill()  # SIGKILL: no cleanup of any kind, as when a host dies
        runner.wait(10)

    # The dead runner's lease holds and its claimed mail waits: nothing was sent.
    held = _state(seeded)
    lease = next(j.lease for j in registered() if j.name == "send-mail")
    assert held.running_until > utcnow() and held.last_outcome is None
    assert _mail(seeded).status == "pending" and _mail(seeded).claimed_until is not None
    [busy] = run_due(seeded, only=["send-mail"])
    assert busy.outcome == "busy" and smtp.messages == []

    # Once the lease has expired another runner takes the job over and sends the mail.
    later = held.last_started_at + lease + timedelta(seconds=1)
    [taken] = run_due(seeded, now=later, only=["send-mail"])
    assert taken.outcome == "ok" and taken.message.startswith("sent 1")
    assert [subject for _, subject, _ in smtp.messages] == ["Deal DR-7 approved"]
    assert _mail(seeded).status == "sent"
    state = _state(seeded)
    assert state.running_until is None and state.last_outcome == "ok"
    assert state.run_count == (held.run_count or 0) + 1

    # Running it again, when due, sends nothing more.
    [again] = run_due(seeded, now=later + timedelta(minutes=2), only=["send-mail"])
    assert again.outcome == "ok" and len(smtp.messages) == 1
