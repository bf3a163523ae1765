"""`python -m bench.pages [--database-url URL] [--repeat N]`: the analytics pages as a user
gets them, at whatever scale the database holds (build its facts first: `python -m bench`
does).

For each page, side by side:
- the page rendered in AppTest, signed in, with a cold cache (st.cache_data and the
  analytics caches cleared before every run): the app's whole run, from the sign-in check
  and the menu to the last chart;
- the floor: a page that draws the same tables and charts from the page's data held in
  memory (the same ui drawing functions), so what is left between the two is what reading
  costs;
- the core.analytics query the page makes, alone;
- the bare scan of the registrations that the facts spare the page.
Never passes or fails on time."""

import argparse
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench import analytics as analytics_bench
from bench.common import timed
from core.actor import Actor
from core.analytics import Period, partner_performance, revenue_dashboard
from core.memory import settle_memory
from core.settings import get_settings
from db.session import make_engine
from db.types import utcnow

FLOOR = Path(__file__).with_name("floor_page.py")
FLOOR_DATA: tuple[str, object] | None = None  # what the floor page draws, while it runs
ACTOR = Actor.system("bench")
# What the pages would read without the facts: every partner's registrations of the last
# 12 months, summed as the KPIs need them (bench.analytics' scan, for every partner).
BARE_SCAN = analytics_bench.BARE_SCAN.format(partner="")


@dataclass(frozen=True)
class BenchedPage:
    title: str
    script: str  # the app's page
    floor: str  # what the floor page draws (bench/floor_page.py)
    read: Callable[[Session, Period, date], object]  # the page's core query, as the page asks


PAGES = (
    BenchedPage("Revenue dashboard (executive)", "pages/revenue_dashboard.py", "revenue",
                lambda db, period, today: revenue_dashboard(db, ACTOR, period)),
    BenchedPage("Partner performance (channel team)", "pages/partner_performance.py",
                "performance",
                lambda db, period, today: partner_performance(db, ACTOR, period, today=today)),
)


def _quiet() -> None:
    """AppTest outside a server logs warnings on every run (no script-run context, no
    runtime): keep the figures readable."""
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)


def run_page(script: str, username: str, repeat: int) -> float:
    """Median ms of the page's run in AppTest, the cache cleared before each."""
    import streamlit as st

    from tests.pages import app, assert_rendered
    from ui import analytics_cache

    at = app(username=username)
    at.run()
    at.switch_page(script)
    at.run()  # once untimed: the first run of a page loads its modules
    _quiet()

    def once():
        st.cache_data.clear()
        analytics_cache.clear()
        at.run()
        assert_rendered(at)

    return timed("page in AppTest, cold cache", once, repeat)


def run_floor(kind: str, data: object, repeat: int) -> float:
    from streamlit.testing.v1 import AppTest

    import bench.pages as shared  # this module, also when run as __main__
    from tests.pages import TEST_SECRETS, assert_rendered

    shared.FLOOR_DATA = (kind, data)  # bench/floor_page.py draws it (AppTest runs here)
    try:
        at = AppTest.from_file(str(FLOOR), default_timeout=60)
        at.secrets.update(TEST_SECRETS)
        at.run()
        _quiet()

        def once():
            at.run()
            assert_rendered(at)

        return timed("floor: the same drawn from memory", once, repeat)
    finally:
        shared.FLOOR_DATA = None


def bench_pages(url: str, username: str, repeat: int = 5) -> None:
    """Every analytics page's figures, side by side (the database at `url`, facts built)."""
    from tests.pages import use_database

    use_database(url)  # the app under AppTest reads PRM_DATABASE_URL
    _quiet()
    settle_memory()  # as the app does once started
    engine = make_engine(url)
    today = utcnow().date()
    period = Period.months_to(today, 12)
    start = {"start": date(period.first.year, period.first.month, 1)}
    try:
        for page in PAGES:
            print(f"{page.title}, {period.label}, as {username}")
            with Session(engine) as db:
                data = page.read(db, period, today)
                query = timed("core.analytics query", lambda p=page: p.read(db, period, today),
                              repeat)
                timed("bare scan of the registrations", lambda: db.execute(
                    text(BARE_SCAN), start).all(), repeat)
            rendered = run_page(page.script, username, repeat)
            floor = run_floor(page.floor, data, repeat)
            print(f"  {'page - floor':<48} {rendered - floor:9.1f} ms "
                  f"(the query alone {query:.1f} ms)")
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pages")
    parser.add_argument("--database-url", default=None,
                        help="default: PRM_DATABASE_URL (the app's database)")
    parser.add_argument("--username", default="scale.admin1",
                        help="who signs in (the scale seed's first admin)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing (median)")
    args = parser.parse_args(argv)
    bench_pages(args.database_url or get_settings().database_url, args.username, args.repeat)


if __name__ == "__main__":
    main()
