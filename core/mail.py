"""Delivers the e-mail outbox over SMTP.

A sender first CLAIMS a batch of due mails with one UPDATE that sets `claimed_until`, and
commits that, before it talks to SMTP: two senders that overlap never take the same mail, and
a slow or dead SMTP server never holds a database lock. Each result is written as soon as it is
known. A mail the server refused, or could not take because it was down, is retried with
exponential backoff and given up after MAX_ATTEMPTS. The one gap left: a sender that crashes
after the server accepted a mail but before the row says "sent" sends it again once the claim
lease runs out (at-least-once there, rather than never)."""

import contextlib
import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol

from sqlalchemy import Engine, Row, func, or_, select, update
from sqlalchemy.orm import Session

from core.actor import Actor
from core.permissions import require
from core.settings import Settings, get_settings
from db.models import OutboxMail
from db.types import utcnow

log = logging.getLogger("prm.mail")

MAX_ATTEMPTS = 10
BACKOFF_CAP = timedelta(minutes=60)
# Longer than a batch can take (limit x smtp timeout), so a live sender never loses its claim.
CLAIM_LEASE = timedelta(minutes=15)
# SMTP errors are OSErrors; ValueError covers a header or address the message cannot carry.
SEND_ERRORS = (OSError, ValueError)


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    retrying: int = 0  # failed this time, will be tried again later
    failed: int = 0  # given up after MAX_ATTEMPTS

    def __str__(self) -> str:
        return f"sent {self.sent}, will retry {self.retrying}, gave up {self.failed}"


class Sender(Protocol):
    def send(self, msg: EmailMessage) -> None: ...

    def close(self) -> None: ...


class SmtpSender:
    """One SMTP connection per batch, opened on first use. A failed connect is not retried
    within the batch, so a dead server costs one timeout, not one per mail."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._connect_error: Exception | None = None

    def send(self, msg: EmailMessage) -> None:
        if self._connect_error is not None:
            raise self._connect_error
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except SEND_ERRORS as exc:
                self._connect_error = exc
                raise
        try:
            self._smtp.send_message(msg)
        except BaseException:
            self.close()  # the connection may be unusable; the next mail reconnects
            raise

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
        try:
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError):  # the server may be gone already
                self._smtp.quit()
            self._smtp.close()  # quit() leaves the socket open when the server is gone
            self._smtp = None


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failures: 1, 2, 4, 8... minutes, at most 60."""
    return min(timedelta(minutes=2 ** min(attempts - 1, 10)), BACKOFF_CAP)


def send_pending(engine: Engine, *, now: datetime | None = None, limit: int = 50,
                 sender: Sender | None = None) -> SendReport:
    """Send up to `limit` due mails. Takes the engine, not a session: the claim is committed on
    its own before any SMTP traffic. Without SMTP settings (and no sender) nothing is claimed;
    the mails wait."""
    now = now or utcnow()
    settings = get_settings()
    if sender is None and not settings.smtp_enabled:
        return SendReport()
    claimed = _claim(engine, now, limit)
    if not claimed:
        return SendReport()
    sender = sender or SmtpSender(settings)
    sent = retrying = failed = 0
    try:
        for mail in claimed:
            try:
                sender.send(_message(mail, settings))
            except SEND_ERRORS as exc:
                if _record_failure(engine, mail, exc, now):
                    failed += 1
                else:
                    retrying += 1
            else:
                _record_sent(engine, mail.id, now)
                sent += 1
    finally:
        sender.close()
    return SendReport(sent, retrying, failed)


def _claim(engine: Engine, now: datetime, limit: int) -> Sequence[Row]:
    due = (
        (OutboxMail.status == "pending")
        & (OutboxMail.next_attempt_at <= now)
        & or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now)
    )
    # PostgreSQL: SKIP LOCKED lets a concurrent sender take the next rows instead of waiting.
    # SQLite renders no FOR UPDATE; its single writer runs the whole UPDATE alone. Either way
    # the outer condition is checked again as the row is written, so a row is claimed once.
    pick = (select(OutboxMail.id).where(due)
            .order_by(OutboxMail.next_attempt_at, OutboxMail.id).limit(limit)
            .with_for_update(skip_locked=True))
    stmt = (
        update(OutboxMail)
        .where(OutboxMail.id.in_(pick), due)
        .values(claimed_until=now + CLAIM_LEASE)
        .returning(OutboxMail.id, OutboxMail.to_addr, OutboxMail.subject, OutboxMail.body,
                   OutboxMail.attempts)
    )
    with engine.begin() as conn:
        rows = conn.execute(stmt).all()
    return sorted(rows, key=lambda r: r.id)


def _message(mail: Row, settings: Settings) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = mail.to_addr
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate()
    # Stable per outbox row, so a receiving system can drop the rare resend after a crash.
    domain = settings.smtp_from.rpartition("@")[2] or "localhost"
    msg["Message-ID"] = f"<prm-outbox-{mail.id}@{domain}>"
    msg.set_content(mail.body)
    return msg


def _record_sent(engine: Engine, mail_id: int, now: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(update(OutboxMail).where(OutboxMail.id == mail_id)
                     .values(status="sent", sent_at=now, claimed_until=None, last_error=None))


def _record_failure(engine: Engine, mail: Row, exc: Exception, now: datetime) -> bool:
    """Count the attempt and schedule the next; True when this was the last one."""
    attempts = mail.attempts + 1  # we hold the claim: nobody else changed it
    gave_up = attempts >= MAX_ATTEMPTS
    error = f"{type(exc).__name__}: {exc}"[:500]
    log.warning("mail %s not sent (attempt %d%s): %s", mail.id, attempts,
                ", giving up" if gave_up else "", error)
    values = {"attempts": attempts, "last_error": error, "claimed_until": None,
              "next_attempt_at": now + backoff(attempts)}
    if gave_up:
        values["status"] = "failed"
    with engine.begin() as conn:
        conn.execute(update(OutboxMail).where(OutboxMail.id == mail.id).values(**values))
    return gave_up


def outbox_counts(db: Session, actor: Actor) -> dict[str, int]:
    """Mails per status ({"pending": 3, "sent": 120, "failed": 1}), for the admin Jobs page."""
    require(actor, "job.view")
    rows = db.execute(select(OutboxMail.status, func.count()).group_by(OutboxMail.status))
    return {"pending": 0, "sent": 0, "failed": 0} | {status: n for status, n in rows}


def queue_mail(db: Session, to_addr: str, subject: str, body: str, *,
               now: datetime | None = None) -> bool:
    """Queue a mail to any address (an applicant has no user account), in the caller's
    transaction; the send-mail job delivers it. Nothing is written, and False is returned,
    when SMTP is not configured: there would be no one to send it."""
    if not get_settings().smtp_enabled or not to_addr:
        return False
    now = now or utcnow()
    # Subjects end up in a mail header: one line, bounded (as notifications do).
    subject = " ".join(subject.split())[:200]
    db.add(OutboxMail(to_addr=to_addr, subject=subject, body=body, next_attempt_at=now,
                      created_at=now))
    db.flush()
    return True
