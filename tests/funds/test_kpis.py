"""MDF in the scorecard: allocated and paid by the ledger entry's month, won revenue of the
deals that name a funded activity by close day, utilisation and ROI from them; the channel
team's table (every partner's frame) agrees, and a payment moves the partner's version so
cached figures follow."""

from datetime import date

import pytest
from sqlalchemy import select

from core.analytics import Period, scorecard, totals_frame
from core.funds import record_payment
from db.models import AnalyticsVersion
from tests.conftest import actor_for
from tests.funds.helpers import D, after, funded, paid_ready, won_deal

pytestmark = pytest.mark.usefixtures("backend")


def version(db, partner_id: int) -> int:
    return db.scalar(select(AnalyticsVersion.version).where(
        AnalyticsVersion.partner_id == partner_id)) or 0


def test_mdf_figures_join_the_scorecard(seeded_db):
    program, partner, _ = funded(seeded_db, "10000")
    request = paid_ready(seeded_db, partner, program, amount="2000")
    before = version(seeded_db, partner.partner_id)
    at = after(request, 5)
    record_payment(seeded_db, actor_for(seeded_db, "finance"), request.id, {
        "paid_on": at.date(), "reference": "PAY-9", "amount": "2000"}, now=at)
    assert version(seeded_db, partner.partner_id) > before
    won_deal(seeded_db, partner.label, 7, "25000", fund_request_id=request.id)
    season = Period(date(2026, 11, 1), date(2027, 1, 1))
    card = scorecard(seeded_db, actor_for(seeded_db, "channel"), partner.partner_id, season)
    values = {k.key: k.value for k in card.kpis}
    assert values["mdf_allocated"] == D("10000.00")
    assert values["mdf_paid"] == D("2000.00")
    assert values["mdf_utilisation"] == pytest.approx(0.2)
    assert values["mdf_roi"] == pytest.approx(12.5)  # 25,000 won for 2,000 paid
    frame = totals_frame(seeded_db, season, kept=False)
    assert frame.loc[partner.partner_id, ["mdf_allocated", "mdf_paid", "mdf_won"]].tolist() \
        == [10000.0, 2000.0, 25000.0]
    october = scorecard(seeded_db, actor_for(seeded_db, "channel"), partner.partner_id,
                        Period(date(2026, 10, 1), date(2026, 10, 1)))
    assert october.kpi("mdf_paid").value == 0 and october.kpi("mdf_roi").value is None
