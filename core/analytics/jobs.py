"""The analytics package's background job: rebuild every partner's facts from the sources
once a day (they are kept as the work happens; the rebuild repairs anything written around
the services, such as a bulk load), a batch of partners per transaction; then keep the period
totals of the periods the pages offer that day (core.analytics.rollups)."""

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.analytics.facts import RebuildReport, partner_batches, rebuild_partners
from core.analytics.rollups import keep_offered_periods
from core.jobs import Job, register
from db.session import unit_of_work

JOB_NAME = "analytics-facts"


def rebuild_in_batches(db: Session) -> RebuildReport:
    """Every partner, a batch per transaction (each takes the write lock on SQLite, and its
    partners' locks on PostgreSQL, for a moment rather than for the whole rebuild)."""
    bind = db.get_bind()
    with unit_of_work(bind) as read:
        batches = partner_batches(read)
    done = []
    for batch in batches:
        with unit_of_work(bind, immediate=True) as own:
            done.append(rebuild_partners(own, batch))
    return RebuildReport(sum(r.partners for r in done), sum(r.fact_rows for r in done),
                         sum(r.user_months for r in done))


def run_facts_rebuild(db: Session, now: datetime) -> str:
    rebuilt = rebuild_in_batches(db).message
    return f"{rebuilt}; {keep_offered_periods(db.get_bind(), now.date())}"


register(Job(JOB_NAME, timedelta(days=1), run_facts_rebuild,
             "Rebuilds every partner's scorecard facts from the deals, course completions and "
             "sign-ins (they are kept as the work happens; this repairs anything loaded around "
             "the services), and sums them over the periods the pages offer this month."))
