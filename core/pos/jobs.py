"""POS's background job: reminders to reporting partners whose report is late."""

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.jobs import Job, register
from core.pos.compliance import remind_late


def run(db: Session, now: datetime) -> str:
    return remind_late(db, now=now)


register(Job("pos-reporting", timedelta(hours=24), run,
             "Reminds each reporting partner whose POS report for its last period is past "
             "due (once per period)."))
