"""A partner's scorecard against hand-computed figures: a period across a year end, the
period before, an empty period, a partner with no data, the tier median's threshold, and who
may see whose (issue #15)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.accounts import sign_in
from core.actor import Actor
from core.analytics import KPIS, MIN_PEERS, Period, scorecard
from core.deals import approve_deal, mark_lost, mark_won, register_deal, reject_deal
from core.errors import NotFound, PermissionDenied
from db.models import Partner, PartnerMonthFact
from tests.conftest import actor_for
from tests.deals.test_deals import form

WINTER = Period(date(2025, 12, 1), date(2026, 2, 1))  # Dec 2025 to Feb 2026


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 10, 0, tzinfo=UTC)


def deal(db, rep, n: int, value: str, when: datetime) -> int:
    data = form(db, company=f"Customer {n}", website=f"c{n}.example",
                contact_email=f"b@c{n}.example", estimated_value=value,
                expected_close_date=date(2026, 6, 1))
    return register_deal(db, rep, data, now=when).id


@pytest.fixture
def p01_history(seeded_db):
    """p01's deals, by hand:
    D1 registered 2025-11-10 (10,000), approved 11-12, won 2025-12-15 for 12,000: 35 days;
    D2 registered 2025-12-01 (20,000), rejected 12-02;
    D3 registered 2026-01-05 (30,000), approved 01-06, lost 01-20;
    D4 registered 2026-01-10 (40,000), approved 01-11, won 2026-02-01 for 50,000: 22 days.
    Sign-ins: p01.admin on 2025-10-01, p01.rep1 on 2026-01-15 (twice)."""
    db = seeded_db
    rep, desk = actor_for(db, "p01.rep1"), actor_for(db, "channel")
    d1 = deal(db, rep, 1, "10000", at(2025, 11, 10))
    approve_deal(db, desk, d1, now=at(2025, 11, 12))
    mark_won(db, rep, d1, "12000", closed_on=date(2025, 12, 15), now=at(2025, 12, 16))
    d2 = deal(db, rep, 2, "20000", at(2025, 12, 1))
    reject_deal(db, desk, d2, "Not ours.", now=at(2025, 12, 2))
    d3 = deal(db, rep, 3, "30000", at(2026, 1, 5))
    approve_deal(db, desk, d3, now=at(2026, 1, 6))
    mark_lost(db, rep, d3, "Budget cut.", now=at(2026, 1, 20))
    d4 = deal(db, rep, 4, "40000", at(2026, 1, 10))
    approve_deal(db, desk, d4, now=at(2026, 1, 11))
    mark_won(db, rep, d4, "50000", closed_on=date(2026, 2, 1), now=at(2026, 2, 2))
    sign_in(db, "p01.admin", "prm-demo-2026", now=at(2025, 10, 1))
    sign_in(db, "p01.rep1", "prm-demo-2026", now=at(2026, 1, 15))
    sign_in(db, "p01.rep1", "prm-demo-2026", now=at(2026, 1, 16))
    db.commit()
    return rep.partner_id


def values(card) -> dict:
    return {k.key: k.value for k in card.kpis}


NO_LEADS = {"lead_offers": 0, "lead_acceptance": None, "lead_response_hours": None,
            "lead_conversion": None, "lead_lapsed": 0,
            # No funds either (tests/funds).
            "mdf_allocated": 0, "mdf_paid": 0, "mdf_utilisation": None, "mdf_roi": None,
            "pos_revenue": 0,  # nor POS (tests/pos)
            "incentives_paid": 0,  # nor incentives (tests/incentives)
            "portal_engagement": 0}  # nor the portal (tests/portal)


def test_every_kpi_over_a_period_across_the_year_end_and_the_one_before(seeded_db, p01_history):
    card = scorecard(seeded_db, actor_for(seeded_db, "channel"), p01_history, WINTER)
    assert values(card) == {
        "pipeline": Decimal("90000"),  # D2 + D3 + D4, registered in the period
        "won_revenue": Decimal("62000"),  # D1 (Dec) + D4 (Feb), by close day
        "win_rate": pytest.approx(2 / 3),  # 2 won, 1 lost (D3)
        "deal_size": Decimal("31000.00"),
        "days_to_won": 28.5,  # (35 + 22) / 2
        "approved": 2,  # D3, D4 (D1 was approved in November)
        "rejected": 1,
        "active_users": 1,  # p01.rep1, however often
        "certified_users": 0, "courses_completed": 0,  # (tests/training/test_kpis.py)
        **NO_LEADS,  # (tests/leads)
    }
    assert card.previous == Period(date(2025, 9, 1), date(2025, 11, 1))
    assert {k.key: k.previous for k in card.kpis} == {
        "pipeline": Decimal("10000"), "won_revenue": Decimal("0"), "win_rate": None,
        "deal_size": None, "days_to_won": None, "approved": 1, "rejected": 0,
        "active_users": 1, "certified_users": 0, "courses_completed": 0, **NO_LEADS}
    assert card.kpi("won_revenue").change == Decimal("62000")
    assert card.kpi("win_rate").change is None  # nothing to compare with
    assert card.version > 0
    assert all(k.help for k in card.kpis) and len(card.kpis) == len(KPIS)


def test_an_empty_period_and_a_partner_with_no_data_read_as_zero_and_none(seeded_db,
                                                                            p01_history):
    desk = actor_for(seeded_db, "channel")
    empty = scorecard(seeded_db, desk, p01_history, Period(date(2024, 3, 1), date(2024, 5, 1)))
    p02 = actor_for(seeded_db, "p02.admin").partner_id
    quiet = scorecard(seeded_db, desk, p02, WINTER)
    for card in (empty, quiet):
        assert values(card) == {
            "pipeline": Decimal(0), "won_revenue": Decimal(0), "win_rate": None,
            "deal_size": None, "days_to_won": None, "approved": 0, "rejected": 0,
            "active_users": 0, "certified_users": 0, "courses_completed": 0, **NO_LEADS}


def test_the_tier_median_shows_only_with_five_other_partners_behind_it(seeded_db):
    me = actor_for(seeded_db, "p01.admin").partner_id
    tier_id = seeded_db.get(Partner, me).tier_id
    peers = list(seeded_db.scalars(select(Partner.id).where(Partner.tier_id == tier_id,
                                                            Partner.id != me)
                                   .order_by(Partner.id)))
    assert len(peers) >= MIN_PEERS
    # Win rates of the peers, by hand: 1/2, 1/4, 3/4, 1/1, then 0/1.
    closed = [(1, 1), (1, 3), (3, 1), (2, 0), (0, 1)]
    for partner_id, (won, lost) in zip(peers, closed[:4], strict=False):
        seeded_db.add(PartnerMonthFact(partner_id=partner_id, month=date(2026, 1, 1), won=won,
                                       lost=lost, won_amount=Decimal(1000 * won)))
    seeded_db.flush()
    own = actor_for(seeded_db, "p01.admin")
    four = scorecard(seeded_db, own, me, WINTER).kpi("win_rate")
    assert (four.peers, four.tier_median) == (4, None)  # one partner short: hidden

    won, lost = closed[4]
    seeded_db.add(PartnerMonthFact(partner_id=peers[4], month=date(2025, 12, 1), won=won,
                                   lost=lost))
    seeded_db.flush()
    five = scorecard(seeded_db, own, me, WINTER).kpi("win_rate")
    assert (five.peers, five.tier_median) == (5, 0.5)  # of 0, .25, .5, .75, 1


ROLES = ["admin", "channel", "marketing", "finance", "exec", "analyst"]


@pytest.mark.parametrize("username", ROLES)
def test_the_vendor_sees_any_partners_scorecard(seeded_db, username):
    p02 = actor_for(seeded_db, "p02.admin").partner_id
    assert scorecard(seeded_db, actor_for(seeded_db, username), p02, WINTER).partner_id == p02


@pytest.mark.parametrize("username", ["p01.admin", "p01.rep1"])
def test_a_partner_sees_its_own_scorecard_and_no_other_through_any_id(seeded_db, username):
    actor = actor_for(seeded_db, username)
    assert scorecard(seeded_db, actor, actor.partner_id, WINTER).partner_id == actor.partner_id
    p02 = actor_for(seeded_db, "p02.admin").partner_id
    for asked in (p02, 10**6, "1", None):
        with pytest.raises(NotFound):
            scorecard(seeded_db, actor, asked, WINTER)


def test_a_visitor_sees_no_scorecard(seeded_db):
    with pytest.raises(PermissionDenied):
        scorecard(seeded_db, Actor.anonymous("x"), 1, WINTER)


def test_periods_are_whole_months_and_the_previous_one_is_as_long():
    period = Period.months_to(date(2026, 2, 17), 12)
    assert period == Period(date(2025, 3, 1), date(2026, 2, 1))
    assert period.months == 12 and period.previous() == Period(date(2024, 3, 1),
                                                                date(2025, 2, 1))
    assert WINTER.previous().months == 3
