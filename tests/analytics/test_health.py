"""Partner health: KPI scores against the period's benchmark, the weighted score, its trend
and the reasons for a fall in words, by hand (issue #15)."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.analytics import (
    DEFAULT_WEIGHTS,
    KPI_BY_KEY,
    KPIS,
    Period,
    Totals,
    benchmarks,
    frame_of,
    health,
    kpi_score,
    partner_health,
    score_all,
)
from core.errors import NotFound, PermissionDenied
from tests.conftest import actor_for

K = KPI_BY_KEY
WEIGHTS = {"won_revenue": 50, "win_rate": 50}


def test_a_kpi_at_the_median_scores_50_twice_it_100_nothing_0():
    revenue, days = K["won_revenue"], K["days_to_won"]
    assert kpi_score(revenue, Decimal(100), 100.0) == 50
    assert kpi_score(revenue, Decimal(200), 100.0) == 100
    assert kpi_score(revenue, Decimal(500), 100.0) == 100  # capped
    assert kpi_score(revenue, Decimal(0), 100.0) == 0
    assert kpi_score(days, 15, 30.0) == 100  # less is better: half the median is best
    assert kpi_score(days, 60, 30.0) == 25
    assert kpi_score(K["win_rate"], None, 0.5) is None  # no closed deal: left out
    assert kpi_score(revenue, Decimal(100), 0.0) is None  # nobody had any: nothing to go by


def test_benchmarks_are_the_medians_of_the_partners_with_a_value():
    bench = benchmarks({1: Totals(won=1, lost=1), 2: Totals(won=1, lost=3),
                        3: Totals(won=3, lost=1), 4: Totals()})
    assert bench["win_rate"] == 0.5  # of .5, .25, .75 (partner 4 has no closed deal)
    assert bench["approved"] == 0


def test_health_weighs_the_scores_and_says_why_it_fell_biggest_first():
    bench = {"won_revenue": 100_000.0, "win_rate": 0.5}
    now = Totals(won=2, lost=8, won_amount=Decimal(100_000))  # scores 50 and 20
    before = Totals(won=4, lost=4, won_amount=Decimal(150_000))  # scores 75 and 50
    h = health(now, before, bench, bench, WEIGHTS)
    assert (h.score, h.previous, h.trend) == (35, 62, -27)  # 62.5 rounds to even
    assert h.reasons == ("win rate 20%, down from 50%",
                         "won revenue 100,000.00 USD, down from 150,000.00 USD")


def test_a_rise_in_a_kpi_where_less_is_better_is_said_as_a_rise():
    bench = {"days_to_won": 30.0}
    h = health(Totals(won=1, won_days=60), Totals(won=1, won_days=20), bench, bench,
               {"days_to_won": 10})
    assert h.reasons == ("days from registration to won 60 days, up from 20 days",)


def test_a_value_that_rose_is_no_reason_even_when_its_score_fell():
    """The benchmark rose more than the partner did: its score falls, but 'up from' is no
    reason for a fall."""
    h = health(Totals(won_amount=Decimal(150)), Totals(won_amount=Decimal(100)),
               {"won_revenue": 600.0}, {"won_revenue": 100.0}, {"won_revenue": 10})
    assert (h.score, h.previous) == (12, 50)  # it fell...
    assert h.reasons == ()  # ...but not because won revenue went down


def test_no_reasons_when_health_held_or_rose():
    bench = {"won_revenue": 100.0, "win_rate": 0.5}
    h = health(Totals(won=1, lost=0, won_amount=Decimal(300)), Totals(won=1, lost=1,
               won_amount=Decimal(100)), bench, bench, WEIGHTS)
    assert h.trend > 0 and h.reasons == ()


def test_no_kpi_with_a_value_means_no_score():
    h = health(Totals(), Totals(), {}, {}, {"win_rate": 10})
    assert (h.score, h.previous, h.reasons) == (None, None, ())


PERIOD = Period(date(2025, 12, 1), date(2026, 2, 1))


@pytest.mark.parametrize("username", ["admin", "channel", "marketing", "finance", "exec",
                                      "analyst"])
def test_the_vendor_reads_a_partners_health(seeded_db, username):
    p02 = actor_for(seeded_db, "p02.admin").partner_id
    assert partner_health(seeded_db, actor_for(seeded_db, username), p02, PERIOD).reasons == ()
    with pytest.raises(NotFound):
        partner_health(seeded_db, actor_for(seeded_db, username), 10**6, PERIOD)


@pytest.mark.parametrize("username", ["p01.admin", "p01.rep1"])
def test_partners_read_no_health_not_even_their_own(seeded_db, username):
    actor = actor_for(seeded_db, username)
    with pytest.raises(PermissionDenied):
        partner_health(seeded_db, actor, actor.partner_id, PERIOD)


def test_the_admin_weighs_the_kpis_and_health_follows(seeded_db):
    from core.analytics import DEFAULT_WEIGHTS, health_weights, set_health_weights
    from core.audit import AuditFilter, list_events
    from core.errors import RuleViolation

    admin = actor_for(seeded_db, "admin")
    assert health_weights(seeded_db) == DEFAULT_WEIGHTS  # nothing set yet
    after = set_health_weights(seeded_db, admin, {"win_rate": 0, "active_users": 55})
    assert after == DEFAULT_WEIGHTS | {"win_rate": 0, "active_users": 55}
    assert health_weights(seeded_db) == after
    [event] = list_events(seeded_db, admin, AuditFilter(action="analytics.health_weights"))[0]
    assert (event.before["win_rate"], event.after["win_rate"]) == (20, 0)

    for bad, field in (({"win_rate": 101}, "win_rate"), ({"win_rate": -1}, "win_rate"),
                       ({"win_rate": "5"}, "win_rate"), ({"nonsense": 5}, "nonsense"),
                       ({k: 0 for k in DEFAULT_WEIGHTS}, "weights")):
        with pytest.raises(RuleViolation) as exc:
            set_health_weights(seeded_db, admin, bad)
        assert exc.value.field == field
    assert health_weights(seeded_db) == after  # nothing written by the refusals
    for username in ("channel", "exec", "p01.admin"):
        with pytest.raises(PermissionDenied):
            set_health_weights(seeded_db, actor_for(seeded_db, username), {"win_rate": 5})


def test_health_reads_the_admins_weights(seeded_db):
    from core.analytics import set_health_weights
    from db.models import PartnerMonthFact

    p01, p02 = (actor_for(seeded_db, f"{p}.admin").partner_id for p in ("p01", "p02"))
    month = date(2026, 1, 1)
    seeded_db.add(PartnerMonthFact(partner_id=p01, month=month, won=1, lost=1,
                                   won_amount=Decimal(300)))  # win rate .5, revenue 300
    seeded_db.add(PartnerMonthFact(partner_id=p02, month=month, won=1, lost=3,
                                   won_amount=Decimal(100)))  # win rate .25, revenue 100
    seeded_db.flush()
    desk = actor_for(seeded_db, "channel")
    admin = actor_for(seeded_db, "admin")
    # Medians of two: revenue 200, win rate .375. p01 scores 75 on revenue, 66.7 on rate.
    set_health_weights(seeded_db, admin, {k: 0 for k in KPI_BY_KEY} | {"won_revenue": 1})
    assert partner_health(seeded_db, desk, p01, PERIOD).score == 75
    set_health_weights(seeded_db, admin, {"won_revenue": 0, "win_rate": 1})
    assert partner_health(seeded_db, desk, p01, PERIOD).score == 67


# ---------------------------------------------------------------- every partner at once

totals_strategy = st.builds(
    Totals, registrations=st.integers(0, 40), pipeline=st.integers(0, 10**6).map(Decimal),
    won=st.integers(0, 6), lost=st.integers(0, 6), won_amount=st.integers(0, 10**6).map(Decimal),
    won_days=st.integers(0, 400), approved=st.integers(0, 9), active_users=st.integers(0, 5))


def _by_the_book(mine: Totals, bench: dict, weights: dict) -> int | None:
    """The docstring's rule, written out for one partner: each weighed KPI's value against
    its median (50 at it, 100 at twice, 0 at nothing; half for less-is-better), averaged."""
    parts = []
    for kpi in KPIS:
        value, mark = kpi.value(mine), bench.get(kpi.key)
        if weights.get(kpi.key, 0) <= 0 or value is None or not mark:
            continue
        ratio = (float(value) / mark if kpi.higher_is_better
                 else (mark / float(value) if value else 2.0))
        parts.append((max(0.0, min(100.0, 50 * ratio)), weights[kpi.key]))
    total = sum(w for _, w in parts)
    return round(sum(s * w for s, w in parts) / total) if total else None


@settings(max_examples=40, deadline=None)
@given(now=st.dictionaries(st.integers(1, 30), totals_strategy, max_size=12),
       before=st.dictionaries(st.integers(1, 30), totals_strategy, max_size=12))
def test_every_partners_health_at_once_is_each_ones_by_the_rule(now, before):
    """The channel team's table scores every partner column-wise; each partner's score and
    its previous one are what the rule gives that partner alone."""
    scored = score_all(frame_of(now), frame_of(before), DEFAULT_WEIGHTS)
    bench, bench_before = benchmarks(now), benchmarks(before)
    for partner_id in set(now) | set(before):
        mine, then = now.get(partner_id, Totals()), before.get(partner_id, Totals())
        h = scored.health(partner_id)
        assert (h.score, h.previous) == (_by_the_book(mine, bench, DEFAULT_WEIGHTS),
                                         _by_the_book(then, bench_before, DEFAULT_WEIGHTS))
        assert h == health(mine, then, bench, bench_before, DEFAULT_WEIGHTS)
