"""POS's background jobs: reminders to reporting partners whose report is late, and end
customers proposed for the lines the import could not match exactly."""

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.jobs import Job, register
from core.pos.compliance import remind_late
from core.pos.customers import propose_customers


def run(db: Session, now: datetime) -> str:
    return remind_late(db, now=now)


register(Job("pos-reporting", timedelta(hours=24), run,
             "Reminds each reporting partner whose POS report for its last period is past "
             "due (once per period)."))


def run_customers(db: Session, now: datetime) -> str:
    return propose_customers(db, now=now)


register(Job("pos-customers", timedelta(minutes=30), run_customers,
             "Runs the company-name matcher over POS lines whose end customer did not match "
             "exactly, and proposes end customers for vendor ops to confirm."))
