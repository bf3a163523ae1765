"""Incentives' background job: each day the current quarter is calculated to date and the
previous one again, so POS lines that arrive late post their difference."""

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.actor import Actor
from core.incentives.calculation import calculate
from core.incentives.periods import quarter_of
from core.jobs import Job, register

JOB = "incentive-calc"


def run(db: Session, now: datetime) -> str:
    actor = Actor.system(JOB)
    current = quarter_of(now.date())
    return "; ".join(calculate(db, actor, q.starts_on, now=now).message
                     for q in (current.previous(), current))


register(Job(JOB, timedelta(hours=24), run,
             "Calculates each partner's rebates and SPIFFs for the current quarter to date and "
             "for the previous quarter again (late POS lines post the difference), into the "
             "incentive ledger."))
