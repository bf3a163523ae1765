"""The tiers package's background job: the daily evaluation (registered on import; the job
runner imports every package's jobs module)."""

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.actor import Actor
from core.jobs import Job, register
from core.tiers.evaluation import JOB_NAME, run_evaluation
from db.session import unit_of_work


def run_tier_evaluation(db: Session, now: datetime) -> str:
    """The job. The runner's session begins a plain transaction; on SQLite a read followed by
    writes needs the write lock from the start, so the evaluation runs in a unit of work of
    its own that takes it (BEGIN IMMEDIATE), and commits with it."""
    with unit_of_work(db.get_bind(), immediate=True) as own:
        return run_evaluation(own, Actor.system(JOB_NAME), now=now).message


register(Job(JOB_NAME, timedelta(days=1), run_tier_evaluation,
             "Evaluates every partner against the tier rules and proposes promotions and "
             "demotions for the channel team to confirm."))
