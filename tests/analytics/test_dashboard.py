"""The revenue dashboard's queries against hand-written facts: revenue by month stacked by
tier, type or region, the funnel, concentration and cohorts; filters; who may read them
(issue #15)."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete

from core.analytics import (
    DashboardFilter,
    Period,
    cohorts,
    concentration,
    funnel,
    revenue_by_month,
)
from core.errors import PermissionDenied
from db.models import Partner, PartnerMonthFact
from tests.conftest import actor_for

Q4 = Period(date(2026, 10, 1), date(2026, 12, 1))


@pytest.fixture
def facts(seeded_db):
    """Only these facts: p01 (Registered) won 100 in Oct and 300 in Nov; p15 (Silver) won 600
    in Nov; p27 (Gold) won 1,000 in Sep (before the period). Registrations: 10, approved 6,
    won 3 over Q4."""
    db = seeded_db
    db.execute(delete(PartnerMonthFact))
    ids = {p: actor_for(db, f"{p}.admin").partner_id for p in ("p01", "p15", "p27")}
    rows = [("p01", date(2026, 10, 1), dict(won=1, won_amount=Decimal(100), registrations=4,
                                            approved=2)),
            ("p01", date(2026, 11, 1), dict(won=1, won_amount=Decimal(300), registrations=3,
                                            approved=2)),
            ("p15", date(2026, 11, 1), dict(won=1, won_amount=Decimal(600), registrations=3,
                                            approved=2)),
            ("p27", date(2026, 9, 1), dict(won=2, won_amount=Decimal(1000)))]
    for who, month, measures in rows:
        db.add(PartnerMonthFact(partner_id=ids[who], month=month, **measures))
    db.flush()
    return {p: db.get(Partner, i) for p, i in ids.items()}


def test_revenue_by_month_stacks_by_tier_type_and_first_region(seeded_db, facts):
    exec_ = actor_for(seeded_db, "exec")
    by_tier = [(c.month, c.group, c.won_amount) for c in
               revenue_by_month(seeded_db, exec_, Q4, "tier")]
    assert by_tier == [(date(2026, 10, 1), "Registered", Decimal(100)),
                       (date(2026, 11, 1), "Registered", Decimal(300)),
                       (date(2026, 11, 1), "Silver", Decimal(600))]
    p01, p15 = facts["p01"], facts["p15"]
    by_region = {(c.month, c.group): c.won_amount for c in
                 revenue_by_month(seeded_db, exec_, Q4, "region")}
    assert sum(by_region.values()) == Decimal(1000)  # each partner counted once
    assert by_region[(date(2026, 10, 1), p01.regions[0])] == Decimal(100)
    only = revenue_by_month(seeded_db, exec_, Q4, "type", DashboardFilter(tier="Silver"))
    assert [(c.won_amount) for c in only] == [Decimal(600)] and p15.tier.name == "Silver"


def test_the_funnel_counts_each_step_in_the_period(seeded_db, facts):
    flow = funnel(seeded_db, actor_for(seeded_db, "exec"), Q4)
    assert (flow.registered, flow.approved, flow.won) == (10, 6, 3)
    assert flow.approval_rate == 0.6 and flow.win_rate == 0.5


def test_concentration_of_revenue_in_the_top_partners(seeded_db, facts):
    spread = concentration(seeded_db, actor_for(seeded_db, "exec"), Q4)
    assert spread.total == Decimal(1000) and spread.earning == 2
    assert [(p.name, p.won_amount) for p in spread.top] == [
        (facts["p15"].name, Decimal(600)), (facts["p01"].name, Decimal(400))]
    assert spread.top_share == 1.0
    assert spread.top_fifth_share == 0.6  # the top 20% of 2 partners is one: p15


def test_cohorts_count_partners_and_months_to_a_first_registration(seeded_db, facts):
    groups = cohorts(seeded_db, actor_for(seeded_db, "exec"))
    assert sum(c.partners for c in groups) == seeded_db.query(Partner).count()
    assert sum(c.registered for c in groups) == 2  # p01 and p15 registered (p27 only won)
    expected: dict[str, list[int]] = {}
    for who, first in (("p01", date(2026, 10, 1)), ("p15", date(2026, 11, 1))):
        joined = facts[who].created_at.date()
        quarter = f"{joined.year} Q{(joined.month - 1) // 3 + 1}"
        months = (first.year - joined.year) * 12 + first.month - joined.month
        expected.setdefault(quarter, []).append(months)
    shown = {c.quarter: c.months_to_first for c in groups if c.registered}
    assert shown == {q: sum(m) / len(m) for q, m in expected.items()}


@pytest.mark.parametrize("username", ["p01.admin", "p01.rep1"])
def test_partners_have_no_dashboard(seeded_db, username):
    actor = actor_for(seeded_db, username)
    for query in (lambda: revenue_by_month(seeded_db, actor, Q4), lambda: funnel(
            seeded_db, actor, Q4), lambda: concentration(seeded_db, actor, Q4),
            lambda: cohorts(seeded_db, actor)):
        with pytest.raises(PermissionDenied):
            query()
