"""Period totals (core.analytics.rollups): the totals the dashboards read for the periods the
pages offer are what the month facts sum to, however the work came about, and the job keeps
the right periods (issue #15: fast at a million deals)."""

import json
import random
from datetime import UTC, date, datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.analytics import Period, concentration, funnel, totals_frame
from core.analytics.__main__ import main as analytics_cli
from core.analytics.jobs import run_facts_rebuild
from core.analytics.rollups import (
    BUILDING,
    READY,
    is_ready,
    keep_offered_periods,
    kept_periods,
    offered_periods,
)
from core.deals import register_deal
from core.settings import get_settings
from db.models import AnalyticsPeriod, PartnerPeriodTotal
from db.types import utcnow
from tests.analytics.test_facts import random_work
from tests.conftest import actor_for
from tests.deals.test_deals import form

MIDWAY = date(2026, 6, 15)


def test_the_offered_periods_are_the_pages_choices_and_the_ones_before_around_the_day():
    offered = offered_periods(date(2026, 6, 30))
    assert Period(date(2025, 7, 1), date(2026, 6, 1)) in offered  # last 12 months
    assert Period(date(2024, 7, 1), date(2025, 6, 1)) in offered  # ... and the 12 before
    assert Period(date(2026, 1, 1), date(2026, 6, 1)) in offered  # this year
    assert Period(date(2025, 1, 1), date(2025, 12, 1)) in offered  # last year
    # A user whose calendar is already in July gets July's choices too.
    assert Period(date(2025, 8, 1), date(2026, 7, 1)) in offered


def test_kept_totals_equal_the_facts_after_a_long_random_sequence(seeded_db):
    db = seeded_db
    random_work(db, random.Random(21), 120)
    engine = db.get_bind()
    keep_offered_periods(engine, MIDWAY)
    periods = kept_periods(db)
    assert periods and all(is_ready(db, p) for p in periods)
    random_work(db, random.Random(22), 120)  # kept as the work happens from here on
    for period in periods:
        kept = totals_frame(db, period).sort_index()
        summed = totals_frame(db, period, kept=False).sort_index()
        pd.testing.assert_frame_equal(kept, summed, check_names=False)
        desk = actor_for(db, "exec")
        assert funnel(db, desk, period) == _facts_only(db, period, funnel)
        assert concentration(db, desk, period) == _facts_only(db, period, concentration)
    busy = [p for p in periods if not totals_frame(db, p).empty]
    assert busy, "the work touched the kept periods"


def _facts_only(db, period: Period, read):
    """What `read` says when the period is not kept: from the month facts."""
    row = db.get(AnalyticsPeriod, (period.first, period.last))
    row.state = BUILDING
    db.flush()
    try:
        return read(db, actor_for(db, "exec"), period)
    finally:
        row.state = READY
        db.flush()


def test_a_period_being_built_is_kept_current_but_not_read(seeded_db):
    db = seeded_db
    period = Period(date(2026, 11, 1), date(2026, 11, 1))
    db.add(AnalyticsPeriod(first=period.first, last=period.last, state=BUILDING))
    rep = actor_for(db, "p01.rep1")
    register_deal(db, rep, form(db, estimated_value="1000"),
                  now=datetime(2026, 11, 10, 9, 0, tzinfo=UTC))
    db.flush()
    row = db.get(PartnerPeriodTotal, (period.first, period.last, rep.partner_id))
    assert row is not None and row.registrations >= 1  # the writer kept it current
    assert not is_ready(db, period)  # ...and readers still sum the facts


def test_the_job_keeps_todays_periods_and_drops_the_old(seeded_db):
    db = seeded_db
    old = Period(date(2020, 1, 1), date(2020, 12, 1))
    db.add(AnalyticsPeriod(first=old.first, last=old.last, state=READY))
    db.commit()
    message = run_facts_rebuild(db, datetime(2026, 11, 26, 3, 0, tzinfo=UTC))
    db.commit()
    assert "periods kept" in message
    assert set(kept_periods(db, READY)) == offered_periods(date(2026, 11, 26))
    assert old not in kept_periods(db)
    assert not db.scalar(select(func.count()).select_from(PartnerPeriodTotal)
                         .where(PartnerPeriodTotal.first == old.first))


def test_the_rebuild_command_says_what_it_kept_in_one_json_line(seeded, capsys, monkeypatch):
    monkeypatch.setenv("PRM_DATABASE_URL", seeded.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        assert analytics_cli(["rebuild"]) == 0
    finally:
        get_settings.cache_clear()
    line = json.loads(capsys.readouterr().out.strip())
    assert line["partners"] > 0 and "periods kept" in line["periods"]
    with Session(seeded) as db:
        assert set(kept_periods(db, READY)) == offered_periods(utcnow().date())
