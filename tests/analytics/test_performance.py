"""The channel team's partner performance: every partner's health and KPIs, filters, who is
at risk and who moved, by hand on facts written for the purpose (issue #15)."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.analytics import PerformanceFilter, Period, partner_performance
from core.errors import PermissionDenied
from db.models import Partner, PartnerMonthFact
from tests.conftest import actor_for

NOW = Period(date(2026, 9, 1), date(2026, 11, 1))  # before it: Jun to Aug 2026
TODAY = date(2026, 11, 20)


def fact(db, partner_id: int, month: date, **measures) -> None:
    db.add(PartnerMonthFact(partner_id=partner_id, month=month, **measures))


@pytest.fixture
def three(seeded_db):
    """p01 fell (won 100,000 then 10,000, nothing registered lately), p02 rose (won 10,000
    then 100,000, registering this month), p15 held (50,000 both)."""
    db = seeded_db
    p01, p02, p15 = (actor_for(db, f"{p}.admin").partner_id for p in ("p01", "p02", "p15"))
    fact(db, p01, date(2026, 7, 1), won_amount=Decimal(100_000), registrations=2)
    fact(db, p01, date(2026, 9, 1), won_amount=Decimal(10_000))
    fact(db, p02, date(2026, 7, 1), won_amount=Decimal(10_000))
    fact(db, p02, date(2026, 11, 1), won_amount=Decimal(100_000), registrations=1)
    fact(db, p15, date(2026, 7, 1), won_amount=Decimal(50_000), registrations=1)
    fact(db, p15, date(2026, 10, 1), won_amount=Decimal(50_000), registrations=1)
    db.flush()
    return p01, p02, p15


def test_health_trends_risk_and_movers_by_hand(seeded_db, three):
    p01, p02, p15 = three
    found = partner_performance(seeded_db, actor_for(seeded_db, "channel"), NOW, today=TODAY)
    by_id = {p.partner_id: p for p in found.partners}
    # Won revenue is the only KPI with a benchmark both times (the median of the three:
    # 50,000 each period); pipeline and the rest have none, so they are left out.
    assert [(by_id[p].previous_health, by_id[p].health) for p in three] == [
        (100, 10), (10, 100), (50, 50)]
    # The at-risk partner's fall is put in words; the others' are not (the scorecard does).
    assert by_id[p01].reasons == ("won revenue 10,000.00 USD, down from 100,000.00 USD",)
    assert by_id[p02].reasons == () and by_id[p15].reasons == ()
    assert by_id[p01].kpis["won_revenue"] == Decimal(10_000)
    assert [p.partner_id for p in found.movers(up=True)] == [p02]
    assert [p.partner_id for p in found.movers(up=False)] == [p01]
    risky = {p.partner_id: p.risk for p in found.at_risk}
    assert risky[p01] == ("health down 90 points (won revenue 10,000.00 USD, down from "
                          "100,000.00 USD); no registration in 3 months")
    assert p02 not in risky and p15 not in risky
    # Every other active partner registered nothing lately: quiet, so at risk too.
    assert all(p.quiet for p in found.partners if p.partner_id not in three)


def test_filters_narrow_the_list_not_the_benchmark(seeded_db, three):
    p01, p02, p15 = three
    desk = actor_for(seeded_db, "channel")
    tier = seeded_db.get(Partner, p15).tier.name
    found = partner_performance(seeded_db, desk, NOW, PerformanceFilter(tier=tier),
                                today=TODAY)
    assert all(p.tier == tier for p in found.partners) and p15 in {
        p.partner_id for p in found.partners}
    assert {p.partner_id: p.health for p in found.partners}[p15] == 50  # same median
    region = found.partners[0].regions[0]
    regional = partner_performance(seeded_db, desk, NOW, PerformanceFilter(region=region),
                                   today=TODAY)
    assert regional.partners and all(region in p.regions for p in regional.partners)


@pytest.mark.parametrize("username", ["p01.admin", "p01.rep1"])
def test_partners_do_not_see_the_performance_of_partners(seeded_db, username):
    with pytest.raises(PermissionDenied):
        partner_performance(seeded_db, actor_for(seeded_db, username), NOW, today=TODAY)


def test_home_counts_the_channel_teams_quiet_partners(seeded_db, three):
    from datetime import UTC, datetime

    from core.home import waiting

    p01, p02, p15 = three  # p02 and p15 registered lately (Oct, Nov 2026)
    now = datetime(2026, 11, 20, tzinfo=UTC)

    def quiet(username: str) -> int | None:
        found = [w for w in waiting(seeded_db, actor_for(seeded_db, username), now=now)
                 if w.route == "partner_performance"]
        return found[0].count if found else None

    def active(**where) -> int:
        return seeded_db.scalar(select(func.count()).select_from(Partner).filter_by(
            status="active", **where).where(Partner.id.not_in([p02, p15])))

    assert quiet("admin") == active()
    channel = actor_for(seeded_db, "channel")
    assert quiet("channel") == active(channel_manager_id=channel.user_id)
    assert quiet("exec") is None and quiet("p01.admin") is None
