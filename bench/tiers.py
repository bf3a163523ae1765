"""`python -m bench.tiers [--database-url URL] [--repeat N]`: the tier evaluation on whatever
the database holds (the reference scale, 5,000 partners and 1,000,000 registrations, comes
from `python -m seed --scale`), timed beside the bare aggregate SQL it rests on, with the
database's plan for that query. Writes nothing: the evaluation with its writes runs in a
transaction that is rolled back. Prints figures; never passes or fails on time."""

import argparse
from datetime import date

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from bench.common import timed
from core.actor import Actor
from core.deals.schemas import add_months
from core.settings import get_settings
from core.tiers import assess_partners, run_evaluation, trailing_won_revenue
from db.migrate import upgrade
from db.models import DealRegistration, Partner, Tier
from db.session import make_engine
from db.types import utcnow

ACTOR = Actor.system("bench")

# What core.tiers.trailing_won_revenue asks, written by hand: one GROUP BY over the won
# registrations closed in the window (amounts are integer cents).
BARE_SQL = ("SELECT partner_id, SUM(final_amount) FROM deal_registrations "
            "WHERE status = 'won' AND closed_on > :start AND closed_on <= :today "
            "GROUP BY partner_id")


def _window(today: date) -> dict[str, date]:
    return {"start": add_months(today, -12), "today": today}


def _sizes(db: Session, today: date) -> None:
    window = _window(today)
    partners = db.scalar(select(func.count()).select_from(Partner))
    registrations = db.scalar(select(func.count()).select_from(DealRegistration))
    won = db.scalar(select(func.count()).select_from(DealRegistration).where(
        DealRegistration.status == "won", DealRegistration.closed_on > window["start"],
        DealRegistration.closed_on <= window["today"]))
    print(f"partners: {partners:,}, deal registrations: {registrations:,}, won in the "
          f"trailing 12 months: {won:,}")


def _plan(db: Session, today: date) -> None:
    # The dates are ours, not user input: inlined so that EXPLAIN needs no bound parameters.
    window = _window(today)
    query = (BARE_SQL.replace(":start", f"'{window['start'].isoformat()}'")
             .replace(":today", f"'{window['today'].isoformat()}'"))
    explain = "EXPLAIN QUERY PLAN " if db.get_bind().dialect.name == "sqlite" else "EXPLAIN "
    print("plan of the bare SQL:")
    for row in db.execute(text(explain + query)):
        print(f"  {row[-1]}")


def _evaluate_rolled_back(engine: Engine, now) -> None:
    # As the app runs it (BEGIN IMMEDIATE on SQLite), then thrown away.
    with Session(engine.execution_options(sqlite_immediate=True)) as db:
        run_evaluation(db, ACTOR, now=now)
        db.rollback()


def _outcome(db: Session, now) -> None:
    ranks = dict(db.execute(select(Tier.id, Tier.rank)).all())
    assessed = assess_partners(db, ACTOR, now=now)
    up = sum(1 for a in assessed if ranks[a.target_tier_id] > ranks[a.current_tier_id])
    down = sum(1 for a in assessed if ranks[a.target_tier_id] < ranks[a.current_tier_id])
    print(f"outcome: {len(assessed):,} partners evaluated, {up:,} promotions and {down:,} "
          "demotions to propose")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.tiers")
    parser.add_argument("--database-url", default=None,
                        help="default: PRM_DATABASE_URL (the app's database)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing (median)")
    args = parser.parse_args(argv)
    url = args.database_url or get_settings().database_url
    upgrade(url)  # the tier tables, when the database predates them
    engine = make_engine(url)
    now = utcnow()
    today = now.date()
    print(f"database: {engine.url.render_as_string(hide_password=True)}")
    try:
        with Session(engine) as db:
            _sizes(db, today)
            print("won revenue per partner, trailing 12 months")
            timed("bare SQL (one GROUP BY)",
                  lambda: db.execute(text(BARE_SQL), _window(today)).all(), args.repeat)
            timed("core.tiers.trailing_won_revenue",
                  lambda: trailing_won_revenue(db, now=now), args.repeat)
            print("tier evaluation")
            timed("core.tiers.assess_partners (compute only)",
                  lambda: assess_partners(db, ACTOR, now=now), args.repeat)
            db.rollback()
        timed("run_evaluation, first run (rolled back)",
              lambda: _evaluate_rolled_back(engine, now), args.repeat)
        with Session(engine.execution_options(sqlite_immediate=True)) as db:
            run_evaluation(db, ACTOR, now=now)  # opens the proposals, uncommitted
            timed("run_evaluation, re-run (rolled back)",
                  lambda: run_evaluation(db, ACTOR, now=now), args.repeat)
            db.rollback()
        with Session(engine) as db:
            _outcome(db, now)
            _plan(db, today)
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
