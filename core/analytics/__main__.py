"""`python -m core.analytics rebuild`: rebuild every partner's scorecard facts now (after a
bulk load, or to check the job's work), and keep the totals of the periods the pages offer
today; prints one JSON line."""

import argparse
import json
import sys
import time

from core.analytics.jobs import rebuild_in_batches
from core.analytics.rollups import keep_offered_periods
from core.settings import get_settings
from db.session import make_engine, unit_of_work
from db.types import utcnow


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.analytics")
    parser.add_argument("command", choices=["rebuild"])
    parser.parse_args(argv)
    engine = make_engine(get_settings().database_url)
    started = time.perf_counter()
    try:
        with unit_of_work(engine) as db:
            report = rebuild_in_batches(db)
        periods = keep_offered_periods(engine, utcnow().date())
    finally:
        engine.dispose()
    print(json.dumps({"partners": report.partners, "fact_rows": report.fact_rows,
                      "user_months": report.user_months, "periods": periods,
                      "seconds": round(time.perf_counter() - started, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
