"""POS revenue in the scorecard: the lines a partner sold (as a distributor's reseller) by
invoice month, in the base currency, returns negative; an import moves the seller's version
so cached figures follow."""

from datetime import date

import pytest
from sqlalchemy import select

from core.analytics import Period, scorecard, totals_frame
from db.models import AnalyticsVersion
from tests.conftest import actor_for
from tests.pos.helpers import D, pos_world, row, send

pytestmark = pytest.mark.usefixtures("backend")


def test_pos_revenue_joins_the_scorecard(seeded_db):
    world = pos_world(seeded_db)
    before = seeded_db.scalar(select(AnalyticsVersion.version).where(
        AnalyticsVersion.partner_id == world["p02"])) or 0
    send(seeded_db, world, row(invoice="K1"), row(invoice="K2", qty="-1", extended="-1.000,00"),
         row(invoice="K3", day="03/10/2026"))
    after = seeded_db.scalar(select(AnalyticsVersion.version).where(
        AnalyticsVersion.partner_id == world["p02"]))
    assert after > before
    november = Period(date(2026, 11, 1), date(2026, 11, 1))
    card = scorecard(seeded_db, actor_for(seeded_db, "channel"), world["p02"], november)
    assert card.kpi("pos_revenue").value == D("1080.00")  # 2,160 less a 1,080 return
    frame = totals_frame(seeded_db, Period(date(2026, 10, 1), date(2026, 11, 1)), kept=False)
    assert frame.loc[world["p02"], "pos_revenue"] == 3240.0
