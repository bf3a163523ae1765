"""Real mail through a real SMTP server (aiosmtpd) on a port of the test's choosing."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.mail import MAX_ATTEMPTS, SendReport, backoff, send_pending
from core.notifications import notify
from core.settings import get_settings
from db.models import OutboxMail, User
from db.session import unit_of_work
from tests.conftest import NOW
from tests.servers import free_port, smtp_server


@pytest.fixture
def smtp_port(monkeypatch):
    """Point the app's SMTP settings at a free local port (no server started yet)."""
    port = free_port()
    monkeypatch.setenv("PRM_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PRM_SMTP_PORT", str(port))
    monkeypatch.setenv("PRM_SMTP_TIMEOUT_SECONDS", "5")
    monkeypatch.setenv("PRM_SMTP_FROM", "prm@vendor.example")
    get_settings.cache_clear()
    yield port
    monkeypatch.undo()
    get_settings.cache_clear()


def _queue(engine, usernames_subjects: list[tuple[str, str]]) -> dict[str, str]:
    """Notify each user (which queues a mail); returns {subject: recipient address}."""
    out = {}
    with unit_of_work(engine) as db:
        for i, (username, subject) in enumerate(usernames_subjects):
            user = db.scalar(select(User).where(User.username == username))
            assert notify(db, user.id, subject, f"Body of {subject}", dedupe_key=f"t:{i}",
                          link="pages/deals.py", now=NOW)
            out[subject] = user.email
    return out


def _outbox(engine) -> list[OutboxMail]:
    with Session(engine) as db:
        return list(db.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def test_mail_arrives_with_the_right_recipient_and_subject(seeded, smtp_port):
    expected = _queue(seeded, [("p01.rep1", "Deal DR-7 approved"), ("channel", "New deal")])
    with smtp_server(smtp_port) as inbox:
        assert send_pending(seeded, now=NOW) == SendReport(sent=2)
        assert send_pending(seeded, now=NOW + timedelta(minutes=5)) == SendReport()
    assert sorted((rcpt, subj) for rcpt, subj, _ in inbox.messages) == \
        sorted(((addr,), subj) for subj, addr in expected.items())
    body = next(b for _, s, b in inbox.messages if s == "New deal")
    assert "Body of New deal" in body and "/deals" in body
    assert [(m.status, m.sent_at, m.claimed_until) for m in _outbox(seeded)] == \
        [("sent", NOW, None)] * 2


def test_server_down_then_up_delivers_every_mail_exactly_once(seeded, smtp_port):
    expected = _queue(seeded, [("p01.rep1", "A"), ("p02.rep1", "B"), ("finance", "C")])

    # Nothing listens on the port: each mail is kept, with the error and a later retry time.
    assert send_pending(seeded, now=NOW) == SendReport(retrying=3)
    mails = _outbox(seeded)
    assert {(m.status, m.attempts, m.next_attempt_at) for m in mails} == \
        {("pending", 1, NOW + timedelta(minutes=1))}
    assert all("refused" in m.last_error.lower() for m in mails)
    assert send_pending(seeded, now=NOW + timedelta(seconds=30)) == SendReport()  # backing off
    assert send_pending(seeded, now=NOW + timedelta(minutes=1)) == SendReport(retrying=3)
    assert {m.next_attempt_at for m in _outbox(seeded)} == {NOW + timedelta(minutes=3)}

    with smtp_server(smtp_port) as inbox:
        assert send_pending(seeded, now=NOW + timedelta(minutes=2)) == SendReport()
        assert send_pending(seeded, now=NOW + timedelta(minutes=3)) == SendReport(sent=3)
        assert send_pending(seeded, now=NOW + timedelta(hours=1)) == SendReport()
    assert Counter(s for _, s, _ in inbox.messages) == {"A": 1, "B": 1, "C": 1}
    assert {s: r[0] for r, s, _ in inbox.messages} == expected
    assert {m.status for m in _outbox(seeded)} == {"sent"}


def test_a_mail_is_given_up_after_the_last_attempt(seeded, smtp_port):
    _queue(seeded, [("p01.rep1", "Never delivered")])
    now = NOW
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = send_pending(seeded, now=now)
        assert report == (SendReport(failed=1) if attempt == MAX_ATTEMPTS
                          else SendReport(retrying=1))
        now += backoff(attempt)
    assert [backoff(n).total_seconds() / 60 for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    (mail,) = _outbox(seeded)
    assert (mail.status, mail.attempts, mail.sent_at) == ("failed", MAX_ATTEMPTS, None)
    assert mail.last_error
    assert send_pending(seeded, now=now + timedelta(days=1)) == SendReport()


def test_two_senders_at_once_deliver_each_mail_exactly_once(seeded, smtp_port):
    subjects = [f"Reminder {i}" for i in range(24)]
    users = ["p01.rep1", "p02.rep1", "p03.rep1", "channel"]
    _queue(seeded, [(users[i % len(users)], s) for i, s in enumerate(subjects)])
    barrier = threading.Barrier(2)
    reports: list[SendReport] = []
    errors: list[BaseException] = []

    def sender():
        try:
            barrier.wait()
            # Small batches, so that the two senders' claims interleave many times.
            while (report := send_pending(seeded, now=NOW, limit=3)) != SendReport():
                reports.append(report)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    with smtp_server(smtp_port) as inbox:
        threads = [threading.Thread(target=sender) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert errors == []
    assert sum(r.sent for r in reports) == len(subjects)
    assert Counter(s for _, s, _ in inbox.messages) == Counter(subjects)  # once each
    assert {m.status for m in _outbox(seeded)} == {"sent"}


def test_nothing_is_claimed_when_smtp_is_not_configured(seeded, smtp_port, monkeypatch):
    _queue(seeded, [("p01.rep1", "Waiting")])
    monkeypatch.delenv("PRM_SMTP_HOST")
    get_settings.cache_clear()
    assert send_pending(seeded, now=NOW) == SendReport()
    (mail,) = _outbox(seeded)
    assert (mail.status, mail.attempts, mail.claimed_until) == ("pending", 0, None)
