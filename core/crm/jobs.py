"""The webhook job: every minute, the due deliveries are sent (in the job's plan, outside the
write transaction) and their outcomes recorded."""

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.crm.delivery import Outcome, due, record, send
from core.jobs import Job, register

JOB = "webhooks"


def plan_and_send(db: Session, now: datetime) -> list[Outcome]:
    tasks = due(db, now)
    db.rollback()  # the read is over: no transaction stays open while receivers answer
    return send(tasks)


def run(db: Session, now: datetime, outcomes: list[Outcome]) -> str:
    if not outcomes:
        return "nothing due"
    delivered, failed = record(db, outcomes, now)
    return f"{delivered} delivered, {failed} failed attempt(s)"


register(Job(JOB, timedelta(minutes=1), run,
             "Sends the webhook outbox: each due event to each subscription, signed, in order "
             "per record, retried with backoff.", plan=plan_and_send))
