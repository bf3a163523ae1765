"""Incentives' background job: each day the current quarter is calculated to date and the
previous one again, so POS lines that arrive late post their difference. The long read (the
quarters' sales) is the job's plan, done before its write transaction."""

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.actor import Actor
from core.incentives.calculation import Plan, plan, post
from core.incentives.periods import quarter_of
from core.jobs import Job, register

JOB = "incentive-calc"


def plan_quarters(db: Session, now: datetime) -> list[Plan]:
    current = quarter_of(now.date())
    return [plan(db, Actor.system(JOB), q.starts_on, now=now)
            for q in (current.previous(), current)]


def run(db: Session, now: datetime, planned: list[Plan]) -> str:
    return "; ".join(post(db, Actor.system(JOB), p, now=now).message for p in planned)


register(Job(JOB, timedelta(hours=24), run,
             "Calculates each partner's rebates and SPIFFs for the current quarter to date and "
             "for the previous quarter again (late POS lines post the difference), into the "
             "incentive ledger.", plan=plan_quarters))
