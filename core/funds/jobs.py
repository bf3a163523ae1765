"""Funds' background job: accrual, expiry and claim deadlines (core.funds.deadlines)."""

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.funds.deadlines import JOB, run_deadlines
from core.jobs import Job, register


def run(db: Session, now: datetime) -> str:
    return run_deadlines(db, now=now).message


register(Job(JOB, timedelta(hours=1), run,
             "Accrues co-op funds from won revenue; warns partners 30 and 7 days before "
             "unrequested money expires and expires it (or carries it over) at the period's "
             "end; reminds them 14 and 3 days before a claim is due and releases commitments "
             "not claimed in time."))
