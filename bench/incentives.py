"""`python -m bench.incentives [--database-url URL]`: a quarter's incentive calculation over a
database of POS lines (issue #19: at most 10 s over 2,000,000 lines), beside the bare grouped
SQL read of the same quarter's sales. Run it on the database `python -m bench.pos` filled
(data/bench_pos.db by default). It publishes three programs the first time (a volume rebate in
three bands, a growth rebate, a SPIFF on ten SKUs paid to reps), then times, for the quarter
holding the most lines: the plan (the reads and the arithmetic), the first post (every
statement and accrual written), and a second full calculation (nothing left to post). Never
passes or fails on time."""

import argparse
import time
from datetime import UTC, datetime
from datetime import time as day_time

from sqlalchemy import func, select, text

from core.actor import Actor
from core.incentives.calculation import plan, post
from core.incentives.periods import quarter_of
from core.incentives.programs import create_program, publish
from db.migrate import upgrade
from db.models import IncentiveProgram, PosLine, Product
from db.session import make_engine, unit_of_work

DEFAULT_URL = "sqlite:///data/bench_pos.db"
ACTOR = Actor.system("bench")
BARE = ("SELECT seller_id, product_line_id, SUM(amount), COUNT(*) FROM pos_lines "
        "WHERE invoice_date BETWEEN :a AND :b GROUP BY seller_id, product_line_id")


def _programs(db, quarter) -> None:
    if db.scalar(select(func.count()).select_from(IncentiveProgram)):
        return
    began = datetime.combine(quarter.starts_on, day_time(), UTC)
    skus = db.scalars(select(Product.id).order_by(Product.id).limit(10)).all()
    for data in (
            {"name": "Bench volume rebate", "kind": "volume", "starts_on": quarter.starts_on,
             "brackets": [{"threshold": "0", "rate_percent": "1"},
                          {"threshold": "50000", "rate_percent": "2"},
                          {"threshold": "250000", "rate_percent": "3"}]},
            {"name": "Bench growth rebate", "kind": "growth", "starts_on": quarter.starts_on,
             "rate_percent": "4", "min_growth_percent": "5"},
            {"name": "Bench SPIFF", "kind": "spiff", "starts_on": quarter.starts_on,
             "ends_on": quarter.ends_on, "product_ids": skus, "amount_per_unit": "25",
             "payee": "rep"}):
        program = create_program(db, ACTOR, data, now=began)
        publish(db, ACTOR, program.id, quarter.starts_on, now=began)


def bench_incentives(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(engine) as db:
        busiest = db.execute(select(PosLine.invoice_date, func.count()).group_by(
            PosLine.invoice_date).order_by(func.count().desc()).limit(1)).first()
        if busiest is None:
            print("incentives: no POS lines in this database (run python -m bench.pos first)")
            return
        quarter = quarter_of(busiest[0])
        total = db.scalar(select(func.count()).select_from(PosLine))
        _programs(db, quarter)
    now = datetime.combine(quarter.ends_on, day_time(23), UTC)
    print(f"incentive calculation of {quarter.label} ({total:,} POS lines in the database)")
    with unit_of_work(engine) as db:
        began = time.perf_counter()
        rows = db.execute(text(BARE), {"a": quarter.starts_on, "b": quarter.ends_on}).all()
        bare = time.perf_counter() - began
    print(f"  {'bare grouped SQL of the quarter':<44} {bare:7.2f} s "
          f"({sum(r[3] for r in rows):,} lines, {len(rows):,} groups)")
    with unit_of_work(engine) as db:
        began = time.perf_counter()
        planned = plan(db, ACTOR, quarter.starts_on, now=now)
        planning = time.perf_counter() - began
    print(f"  {'plan (reads, eligibility, arithmetic)':<44} {planning:7.2f} s "
          f"({len(planned.targets):,} earnings)")
    with unit_of_work(engine, immediate=True) as db:
        began = time.perf_counter()
        out = post(db, ACTOR, planned, now=now)
        posting = time.perf_counter() - began
    print(f"  {'post (statements and accruals written)':<44} {posting:7.2f} s ({out.message})")
    print(f"  {'the quarter, planned and posted':<44} {planning + posting:7.2f} s")
    with unit_of_work(engine, immediate=True) as db:
        began = time.perf_counter()
        again = post(db, ACTOR, plan(db, ACTOR, quarter.starts_on, now=now), now=now)
        print(f"  {'again, nothing changed':<44} {time.perf_counter() - began:7.2f} s "
              f"({again.message})")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.incentives")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    bench_incentives(parser.parse_args().database_url)


if __name__ == "__main__":
    main()
