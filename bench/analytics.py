"""`python -m bench.analytics [--database-url URL] [--repeat N] [--keep]`: scorecards and
dashboards at whatever scale the database holds (the reference scale, 5,000 partners and
1,000,000 registrations, comes from `python -m seed --scale`).

Prints, side by side: the full facts rebuild (the scale seed writes registrations around the
services, so it starts from empty facts); each dashboard's facts queries together; one
partner's scorecard; and the bare scans of the registrations that the facts spare a page
(a 12-month scorecard for one partner, and for every partner). The rebuild's writes are
rolled back unless --keep; the period totals are then filled from the facts the database
holds. Never passes or fails on time."""

import argparse
import time
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bench.common import timed
from core.actor import Actor
from core.analytics import (
    DashboardFilter,
    Period,
    cohorts,
    concentration,
    funnel,
    partner_health,
    partner_performance,
    rebuild,
    revenue_by_month,
    revenue_dashboard,
    scorecard,
)
from core.analytics.rollups import keep_offered_periods
from core.memory import settle_memory
from core.settings import get_settings
from db.migrate import upgrade
from db.models import DealRegistration, Partner, PartnerMonthFact
from db.session import make_engine
from db.types import utcnow

ACTOR = Actor.system("bench")
# What a scorecard would read without the facts: one partner's (or every partner's)
# registrations of the last 12 months, summed as the KPIs need them.
BARE_SCAN = ("SELECT partner_id, COUNT(*), SUM(estimated_value), "
             "SUM(CASE WHEN status = 'won' THEN final_amount ELSE 0 END), "
             "SUM(CASE WHEN status = 'won' THEN 1 ELSE 0 END), "
             "SUM(CASE WHEN status = 'lost' THEN 1 ELSE 0 END) "
             "FROM deal_registrations WHERE submitted_at >= :start {partner} "
             "GROUP BY partner_id")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.analytics")
    parser.add_argument("--database-url", default=None,
                        help="default: PRM_DATABASE_URL (the app's database)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing (median)")
    parser.add_argument("--keep", action="store_true", help="commit the rebuilt facts")
    args = parser.parse_args(argv)
    url = args.database_url or get_settings().database_url
    upgrade(url)
    engine = make_engine(url)
    today = utcnow().date()
    period = Period.months_to(today, 12)
    start = {"start": date(period.first.year, period.first.month, 1)}
    print(f"database: {engine.url.render_as_string(hide_password=True)}")
    try:
        with Session(engine.execution_options(sqlite_immediate=True)) as db:
            partners = db.scalar(select(func.count()).select_from(Partner))
            deals = db.scalar(select(func.count()).select_from(DealRegistration))
            print(f"partners: {partners:,}, deal registrations: {deals:,}")
            began = time.perf_counter()
            report = rebuild(db)
            print(f"facts rebuild: {time.perf_counter() - began:.1f} s ({report.message})")
            facts = db.scalar(select(func.count()).select_from(PartnerMonthFact))
            print(f"facts rows: {facts:,}; period {period.label}")
            # Kept (--keep) or undone before the period totals, which the job writes in
            # transactions of its own.
            db.commit() if args.keep else db.rollback()
            began = time.perf_counter()
            kept = keep_offered_periods(engine, today, refill=True)
            print(f"period totals: {time.perf_counter() - began:.1f} s ({kept})")
            settle_memory()  # as the app does once started (core.memory)
            busiest = db.scalar(select(DealRegistration.partner_id)
                                .group_by(DealRegistration.partner_id)
                                .order_by(func.count().desc()).limit(1))
            print("revenue dashboard (revenue by month, funnel, concentration, cohorts)")
            timed("core.analytics.revenue_dashboard (all four)",
                  lambda: revenue_dashboard(db, ACTOR, period), args.repeat)
            timed("  the same, one region", lambda: revenue_dashboard(
                db, ACTOR, period, "region", DashboardFilter(region="EMEA")), args.repeat)
            timed("  revenue_by_month", lambda: revenue_by_month(db, ACTOR, period, "tier"),
                  args.repeat)
            timed("  funnel", lambda: funnel(db, ACTOR, period), args.repeat)
            timed("  concentration", lambda: concentration(db, ACTOR, period), args.repeat)
            timed("  cohorts", lambda: cohorts(db, ACTOR), args.repeat)
            print("partner performance (every partner's health and KPIs)")
            timed("core.analytics.partner_performance",
                  lambda: partner_performance(db, ACTOR, period, today=today), args.repeat)
            print(f"one partner's scorecard (partner {busiest}, the busiest)")
            timed("core.analytics.scorecard + health",
                  lambda: (scorecard(db, ACTOR, busiest, period),
                           partner_health(db, ACTOR, busiest, period)), args.repeat)
            print("bare scans of the registrations the facts spare")
            timed("one partner, 12 months", lambda: db.execute(
                text(BARE_SCAN.format(partner="AND partner_id = :p")),
                start | {"p": busiest}).all(), args.repeat)
            timed("every partner, 12 months", lambda: db.execute(
                text(BARE_SCAN.format(partner="")), start).all(), args.repeat)
            db.rollback()
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
