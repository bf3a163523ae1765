"""Training's background job: certifications that lapse are marked expired (once), and their
holders are reminded 60, 30 and 7 days before. Idempotent: reminders carry dedupe keys."""

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.jobs import Job, register
from core.training.certifications import expire_and_remind

JOB_NAME = "training-expiry"


def run_expiry(db: Session, now: datetime) -> str:
    return expire_and_remind(db, now=now).message


register(Job(JOB_NAME, timedelta(hours=6), run_expiry,
             "Marks lapsed certifications expired and reminds holders 60, 30 and 7 days "
             "before their certification expires."))
