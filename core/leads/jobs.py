"""Lead distribution's background job: offers past their deadline lapse and their leads move on
to the next partner or back to the vendor queue (core.leads.recycling). Idempotent: an offer is
lapsed once, and notifications carry dedupe keys."""

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.jobs import Job, register
from core.leads.recycling import recycle_lapsed

JOB_NAME = "lead-recycle"


def run_recycle(db: Session, now: datetime) -> str:
    return recycle_lapsed(db, now=now).message


register(Job(JOB_NAME, timedelta(minutes=10), run_recycle,
             "Lapses offers past their accept deadline and passes each lead to the next "
             "eligible partner, or back to the vendor queue after the set number of offers."))
