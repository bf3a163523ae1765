"""The recruitment package's background jobs (registered on import; the job runner imports
every package's jobs module): the channel managers' digest of new applications, and the
purge of old rate-limit hits (core.ratelimit, whoever counted them)."""

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core import ratelimit
from core.jobs import Job, register
from core.recruitment.digest import JOB_NAME, send_application_digest
from core.settings import get_settings

PURGE_JOB = "rate-limit-purge"


def run_application_digest(db: Session, now: datetime) -> str:
    """The job, in the runner's transaction (the digest takes its keyed lock first)."""
    return send_application_digest(db, now=now)


def run_rate_limit_purge(db: Session, now: datetime) -> str:
    return f"{ratelimit.purge(db, now=now)} old rate-limit hit(s) deleted"


register(Job(JOB_NAME, timedelta(minutes=max(1, get_settings().applications_digest_minutes)),
             run_application_digest,
             "Tells the channel managers, in one notification, of the partner applications "
             "received since the last digest."))
register(Job(PURGE_JOB, timedelta(days=1), run_rate_limit_purge,
             "Deletes the public form's rate-limit hits that no limit looks at any more."))
