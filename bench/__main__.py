"""`python -m bench`: seed the reference scale into PRM_DATABASE_URL when it is empty (and
build its scorecard facts when they are), then time the app's heavy reads next to bare SQL
doing the same work, a lead import and routing at 100,000 leads (bench.leads), funds at
50,000 requests (bench.funds), the analytics pages rendered beside their floor
(bench.pages), and a distributor's POS file of 2,000,000 lines imported (bench.pos: into
fresh databases of its own, SQLite and, on the PostgreSQL server of PRM_DATABASE_URL,
PRM_BENCH_PG_URL or PRM_TEST_DATABASE_URL, PostgreSQL)."""

import argparse
import time

from sqlalchemy import func, select, text

from bench.common import timed
from bench.directory import bench_directory
from bench.funds import bench_funds
from bench.leads import bench_leads
from bench.pages import bench_pages
from bench.pos import LINES as POS_LINES
from bench.pos import bench_pos, postgres_url
from bench.training import bench_training
from core.actor import Actor
from core.analytics import rebuild
from core.analytics.rollups import keep_offered_periods
from core.partners import PartnerFilter, list_partners
from core.settings import get_settings
from db.migrate import upgrade
from db.models import PartnerMonthFact
from db.session import make_engine, unit_of_work
from db.types import utcnow
from seed.demo import is_empty
from seed.scale import add_size_arguments, seed_scale, sizes_from


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    add_size_arguments(parser)
    parser.add_argument("--pos-lines", type=int, default=POS_LINES,
                        help="lines of the POS file bench.pos imports (0: no POS bench)")
    args = parser.parse_args()
    url = get_settings().database_url
    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(engine) as db:
        if is_empty(db):
            seed_scale(db, sizes_from(args))
    with unit_of_work(engine) as db:
        if db.scalar(select(func.count()).select_from(PartnerMonthFact)) == 0:
            began = time.perf_counter()  # the scale seed writes around the services
            report = rebuild(db)
            print(f"facts rebuild: {time.perf_counter() - began:.1f} s ({report.message})")
    print(keep_offered_periods(engine, utcnow().date()))
    print(f"database: {engine.url.render_as_string(hide_password=True)}")
    actor = Actor.system("bench")
    with unit_of_work(engine) as db:
        print("partner list (first 1000 by name, with tier and manager)")
        timed("core.partners.list_partners", lambda: list_partners(db, actor))
        timed("bare SQL", lambda: db.execute(text(
            "SELECT p.*, t.name, u.display_name FROM partners p JOIN tiers t ON t.id = p.tier_id "
            "LEFT JOIN users u ON u.id = p.channel_manager_id ORDER BY p.name LIMIT 1000")).all())
        print("partner search by name fragment")
        timed("core.partners.list_partners(search)",
              lambda: list_partners(db, actor, PartnerFilter(search="partner 012")))
        timed("bare SQL", lambda: db.execute(text(
            "SELECT p.*, t.name FROM partners p JOIN tiers t ON t.id = p.tier_id "
            "WHERE lower(p.name) LIKE '%partner 012%' ORDER BY p.name LIMIT 1000")).all())
        bench_directory(db)
        bench_training(db)
    engine.dispose()
    bench_leads(url)
    bench_funds(url)
    bench_pages(url, "scale.admin1")
    if args.pos_lines:
        bench_pos(args.pos_lines, pg_url=postgres_url(url if url.startswith("postgresql")
                                                      else None))


if __name__ == "__main__":
    main()
