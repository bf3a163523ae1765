"""Joint business plans: goals with quarterly targets, agreed by both sides (a change asks both
again), a review per quarter, progress measured from the data against figures worked out by
hand, and a partner that reaches only its own plan."""

from decimal import Decimal

import pytest

from core.errors import NotFound, PermissionDenied, RuleViolation
from core.portal.plans import agree, get_plan, review, save_plan
from tests.conftest import NOW, actor_for
from tests.funds.helpers import admin_of_tier, won_deal

pytestmark = pytest.mark.usefixtures("backend")
YEAR = NOW.year
Q = (NOW.month - 1) // 3 + 1  # the quarter the test's clock is in


def goals(revenue_q: str = "20000") -> list[dict]:
    targets = ["0"] * 4
    targets[Q - 1] = revenue_q
    return [{"measure": "won_revenue", "label": "Won revenue", "targets": targets},
            {"measure": "registrations", "label": "New registrations",
             "targets": [1, 1, 1, 4]}]


def test_progress_is_measured_from_the_data(seeded_db):
    db = seeded_db
    username = admin_of_tier(db, "Gold")
    partner = actor_for(db, username)
    won_deal(db, username, 1, "12000")
    won_deal(db, username, 2, "3000.50")
    plan = save_plan(db, actor_for(db, "channel"), partner.partner_id, YEAR, goals(), now=NOW)
    revenue, registrations = plan.goals
    quarter = revenue.quarters[Q - 1]
    assert (quarter.target, quarter.actual) == (Decimal("20000"), Decimal("15000.50"))
    assert quarter.percent == 75  # 15,000.50 of 20,000
    assert [q.actual for q in revenue.quarters if q.quarter != Q] == [0, 0, 0]
    assert registrations.quarters[Q - 1].actual == 2
    assert registrations.year_target == 7 and registrations.year_actual == 2
    assert get_plan(db, partner, partner.partner_id, YEAR).goals == plan.goals


def test_both_sides_agree_and_a_change_asks_them_again(seeded_db):
    db = seeded_db
    partner = actor_for(db, admin_of_tier(db, "Gold"))
    channel = actor_for(db, "channel")
    plan = save_plan(db, channel, partner.partner_id, YEAR, goals(), now=NOW)
    assert not agree(db, partner, plan.id, now=NOW).agreed
    assert agree(db, channel, plan.id, now=NOW).agreed
    same = save_plan(db, channel, partner.partner_id, YEAR, goals(), now=NOW)
    assert same.agreed  # nothing changed: the agreement stands
    changed = save_plan(db, partner, partner.partner_id, YEAR, goals("25000"), now=NOW)
    assert (changed.partner_agreed_at, changed.vendor_agreed_at) == (None, None)
    noted = review(db, channel, plan.id, Q, "On track; push the Q4 webinar.", now=NOW)
    assert noted.reviews == {Q: "On track; push the Q4 webinar."}
    with pytest.raises(PermissionDenied):
        review(db, partner, plan.id, Q, "We are great.")


def test_a_partner_reaches_only_its_own_plan_and_bad_targets_are_refused(seeded_db):
    db = seeded_db
    mine = actor_for(db, admin_of_tier(db, "Gold"))
    other = actor_for(db, admin_of_tier(db, "Gold", skip=1))
    plan = save_plan(db, actor_for(db, "channel"), mine.partner_id, YEAR, goals(), now=NOW)
    for call in (lambda: get_plan(db, other, mine.partner_id, YEAR),
                 lambda: agree(db, other, plan.id),
                 lambda: save_plan(db, other, mine.partner_id, YEAR, goals())):
        with pytest.raises(NotFound):
            call()
    with pytest.raises(RuleViolation) as bad:
        save_plan(db, mine, mine.partner_id, YEAR, [
            {"measure": "won_revenue", "label": "Revenue", "targets": ["1", "x", "1", "1"]}])
    assert bad.value.field == "targets.1"
    with pytest.raises(PermissionDenied):
        save_plan(db, actor_for(db, "finance"), mine.partner_id, YEAR, goals())


def test_an_agreement_is_to_the_goals_the_reader_saw(seeded_db):
    db = seeded_db
    partner = actor_for(db, admin_of_tier(db, "Gold"))
    channel = actor_for(db, "channel")
    seen = save_plan(db, channel, partner.partner_id, YEAR, goals(), now=NOW)
    save_plan(db, channel, partner.partner_id, YEAR, goals("30000"), now=NOW)  # meanwhile
    with pytest.raises(RuleViolation) as stale:
        agree(db, partner, seen.id, seen=seen.goals_key, now=NOW)
    assert stale.value.field == "plan"
    fresh = get_plan(db, partner, partner.partner_id, YEAR)
    assert agree(db, partner, fresh.id, seen=fresh.goals_key, now=NOW).partner_agreed_at
