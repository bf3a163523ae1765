"""Training in the scorecard (issue #16): courses completed per month and certified users at
a period's end, beside the other KPIs, kept through the events and equal to a rebuild."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from core.analytics import Period, scorecard, totals_frame
from core.analytics.facts import rebuild_partners
from core.analytics.kpis import certified_counts
from core.analytics.scorecard import analytics_version
from db.models import PartnerMonthFact, User
from tests.conftest import actor_for
from tests.training.test_training import T0, certify, complete, make_track

MARCH = Period(date(2026, 3, 1), date(2026, 3, 1))
FEBRUARY = Period(date(2026, 2, 1), date(2026, 2, 1))


@pytest.fixture
def track(seeded_db):
    return make_track(seeded_db)


def card_values(db, partner_id, period) -> dict:
    card = scorecard(db, actor_for(db, "channel"), partner_id, period)
    return {k: card.kpi(k).value for k in ("courses_completed", "certified_users")}


def test_a_certification_shows_from_its_month_and_its_courses_in_theirs(seeded_db, track):
    db = seeded_db
    partner = actor_for(db, "p01.rep1").partner_id
    march, february = card_values(db, partner, MARCH), card_values(db, partner, FEBRUARY)
    version = analytics_version(db, partner)

    learner, cert = certify(db, track)  # two courses completed at T0, in March 2026

    assert card_values(db, partner, MARCH) == {
        "courses_completed": march["courses_completed"] + 2,
        "certified_users": march["certified_users"] + 1}
    assert card_values(db, partner, FEBRUARY) == february  # before it was issued
    assert analytics_version(db, partner) > version  # cached figures follow
    # The manager's table of every partner reads the same.
    frame = totals_frame(db, MARCH)
    assert (frame.loc[partner, "courses_completed"], frame.loc[partner, "certified_users"]) == (
        march["courses_completed"] + 2, march["certified_users"] + 1)
    # A period that ends after the expiry no longer counts the holder.
    after = Period(date(2027, 4, 1), date(2027, 4, 1))
    assert cert.expires_at < datetime(2027, 4, 1, tzinfo=UTC)
    later = datetime(2027, 6, 1, tzinfo=UTC)
    assert certified_counts(db, after, partner_ids=[partner], now=later).get(partner, 0) == \
        march["certified_users"]


def test_a_departed_or_revoked_holder_counts_no_more(seeded_db, track):
    db = seeded_db
    partner = actor_for(db, "p01.rep1").partner_id
    before = card_values(db, partner, MARCH)["certified_users"]
    learner, cert = certify(db, track)
    assert card_values(db, partner, MARCH)["certified_users"] == before + 1
    cert.revoked_at = T0 + timedelta(days=3)
    db.flush()
    assert card_values(db, partner, MARCH)["certified_users"] == before
    cert.revoked_at = None
    db.get(User, learner.user_id).is_active = False
    db.flush()
    assert card_values(db, partner, MARCH)["certified_users"] == before


def test_a_rebuild_from_the_sources_keeps_the_courses_completed(seeded_db, track):
    db = seeded_db
    _, one, _, _ = track
    learner = actor_for(db, "p01.rep1")
    complete(db, learner, one, T0)
    kept = _facts(db, learner.partner_id)
    assert kept[date(2026, 3, 1)] >= 1
    rebuild_partners(db, [learner.partner_id])
    assert _facts(db, learner.partner_id) == kept


def _facts(db, partner_id) -> dict[date, int]:
    return dict(db.execute(select(PartnerMonthFact.month, PartnerMonthFact.courses_completed)
                           .where(PartnerMonthFact.partner_id == partner_id)).tuples().all())
