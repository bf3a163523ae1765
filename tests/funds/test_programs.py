"""Programs and the money put into them: terms checked, allocations by hand, by the tier rule
and by co-op accrual, and never more than the program's budget."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import select, update

from core.errors import PermissionDenied, RuleViolation
from core.funds import (
    accrue_coop,
    allocate,
    allocate_by_tier,
    get_program,
    list_allocations,
    update_program,
)
from core.funds.ledger import balance
from db.models import DealRegistration, FundAllocation, Partner, Tier
from tests.conftest import NOW, actor_for
from tests.funds.helpers import (
    D,
    admin_of_tier,
    ask,
    funded,
    new_program,
    tier_ids,
    won_deal,
)

pytestmark = pytest.mark.usefixtures("backend")


def test_a_program_keeps_its_terms_and_its_period(seeded_db):
    p = new_program(seeded_db, starts_on=date(2026, 11, 17), period="quarter",
                    reimbursement_percent="62.5", carry_over=True)
    assert (p.starts_on, p.ends_on) == (date(2026, 11, 1), date(2027, 1, 31))
    assert p.reimbursement_percent == Decimal("62.50") and p.carry_over
    assert p.eligible_tiers == ("Silver", "Gold", "Platinum")
    assert (p.budget, p.allocated, p.unallocated) == (D("100000.00"), 0, D("100000.00"))


@pytest.mark.parametrize(("terms", "field"), [
    ({"name": ""}, "name"), ({"budget": "-1"}, "budget"), ({"activity_types": []},
                                                           "activity_types"),
    ({"reimbursement_percent": "101"}, "reimbursement_percent"), ({"kind": "grant"}, "kind"),
    ({"period": "month"}, "period"), ({"lead_time_days": -1}, "lead_time_days"),
])
def test_bad_terms_are_named(seeded_db, terms, field):
    with pytest.raises(ValidationError) as bad:
        new_program(seeded_db, **terms)
    assert field in {e["loc"][0] for e in bad.value.errors() if e["loc"]}


def test_a_coop_program_needs_its_rate_and_tiers_need_mdf_eligibility(seeded_db):
    with pytest.raises(ValidationError, match="accrual rate"):
        new_program(seeded_db, kind="coop")
    with pytest.raises(RuleViolation, match="MDF eligibility") as refused:
        new_program(seeded_db, eligible_tier_ids=tier_ids(seeded_db, "Registered"))
    assert refused.value.field == "eligible_tier_ids"


def test_only_the_admin_and_marketing_keep_programs(seeded_db):
    program = new_program(seeded_db)
    for username in ("finance", "channel", "exec", "p01.admin"):
        with pytest.raises(PermissionDenied):
            allocate(seeded_db, actor_for(seeded_db, username), program.id, 1, D("1"), "x")


def test_allocations_never_exceed_the_budget(seeded_db):
    program = new_program(seeded_db, budget="15000")
    marketing = actor_for(seeded_db, "marketing")
    gold, silver = (actor_for(seeded_db, admin_of_tier(seeded_db, t)).partner_id
                    for t in ("Gold", "Silver"))
    allocate(seeded_db, marketing, program.id, gold, D("10000"), "Launch", now=NOW)
    with pytest.raises(RuleViolation, match="more than the program has left to allocate "
                                            "\\(\\$5,000.00 of \\$100|more than the program"):
        allocate(seeded_db, marketing, program.id, silver, D("5000.01"), "Too much", now=NOW)
    allocate(seeded_db, marketing, program.id, silver, D("5000"), "The rest", now=NOW)
    assert get_program(seeded_db, marketing, program.id).unallocated == 0


def test_taking_money_back_only_takes_what_is_unrequested(seeded_db):
    program, partner, allocation = funded(seeded_db, "10000")
    ask(seeded_db, partner, program, "7000")
    marketing = actor_for(seeded_db, "marketing")
    with pytest.raises(RuleViolation, match="\\$3,000.00 is available"):
        allocate(seeded_db, marketing, program.id, partner.partner_id, D("-3000.01"), "Cut",
                 now=NOW)
    allocate(seeded_db, marketing, program.id, partner.partner_id, D("-3000"), "Cut", now=NOW)
    b = balance(seeded_db, allocation)
    assert (b.allocated, b.available, b.held) == (D("7000.00"), D("0.00"), D("7000.00"))
    assert get_program(seeded_db, marketing, program.id).allocated == D("7000.00")


def test_a_partner_outside_the_programs_tiers_gets_nothing(seeded_db):
    program = new_program(seeded_db)
    registered = actor_for(seeded_db, "p01.admin").partner_id
    with pytest.raises(RuleViolation, match="not eligible"):
        allocate(seeded_db, actor_for(seeded_db, "marketing"), program.id, registered,
                 D("100"), "Try", now=NOW)


def test_the_tier_rule_allocates_each_eligible_partner_once_all_or_nothing(seeded_db):
    silver, gold, platinum = tier_ids(seeded_db, "Silver", "Gold", "Platinum")
    counts = {t: len(seeded_db.scalars(select(Partner.id).where(
        Partner.tier_id == t, Partner.status == "active")).all())
        for t in (silver, gold, platinum)}
    wanted = 5000 * counts[silver] + 10000 * counts[gold] + 25000 * counts[platinum]
    rule = {silver: "5000", gold: "10000", platinum: "25000"}
    marketing = actor_for(seeded_db, "marketing")
    short = new_program(seeded_db, budget=str(wanted - 1), tier_amounts=rule)
    with pytest.raises(RuleViolation, match="more than the program has left"):
        allocate_by_tier(seeded_db, marketing, short.id, now=NOW)
    assert list_allocations(seeded_db, marketing, program_id=short.id) == []
    program = new_program(seeded_db, budget=str(wanted), tier_amounts=rule)
    done = allocate_by_tier(seeded_db, marketing, program.id, now=NOW)
    assert (done.partners, done.amount) == (sum(counts.values()), D(wanted))
    got = {a.tier_name: a.balance.allocated for a in list_allocations(
        seeded_db, marketing, program_id=program.id)}
    assert got == {"Silver": D("5000.00"), "Gold": D("10000.00"), "Platinum": D("25000.00")}
    again = allocate_by_tier(seeded_db, marketing, program.id, now=NOW)
    assert again.partners == 0 and "nothing to do" in again.message


def test_a_budget_cannot_drop_below_what_is_allocated_nor_the_period_move(seeded_db):
    program, _, _ = funded(seeded_db, "10000")
    marketing = actor_for(seeded_db, "marketing")
    base = {"name": "Test MDF", "kind": "mdf", "period": "year", "starts_on": date(2026, 11, 1),
            "eligible_tier_ids": list(program.eligible_tier_ids),
            "activity_types": ["event"], "reimbursement_percent": "50"}
    with pytest.raises(RuleViolation, match="below what is allocated \\(\\$10,000.00\\)"):
        update_program(seeded_db, marketing, program.id, {**base, "budget": "9999.99"},
                       now=NOW)
    with pytest.raises(RuleViolation, match="kind and period stay"):
        update_program(seeded_db, marketing, program.id,
                       {**base, "budget": "20000", "period": "quarter"}, now=NOW)
    done = update_program(seeded_db, marketing, program.id, {**base, "budget": "20000"},
                          now=NOW)
    assert (done.budget, done.activity_types) == (D("20000.00"), ("event",))


def test_an_ended_program_takes_no_new_money(seeded_db):
    program = new_program(seeded_db, starts_on=date(2026, 7, 1), period="quarter")
    gold = actor_for(seeded_db, admin_of_tier(seeded_db, "Gold")).partner_id
    with pytest.raises(RuleViolation, match="ended on 2026-09-30"):
        allocate(seeded_db, actor_for(seeded_db, "marketing"), program.id, gold, D("1"), "x",
                 now=NOW)


def test_coop_accrues_its_share_of_won_revenue_once_and_within_budget(seeded_db):
    seeded_db.execute(update(Tier).values(mdf_eligible=True))
    admin = admin_of_tier(seeded_db, "Gold")
    partner = actor_for(seeded_db, admin)
    program = new_program(seeded_db, kind="coop", accrual_percent="2.5", budget="1000000",
                          eligible_tier_ids=tier_ids(seeded_db, "Gold"))
    won_deal(seeded_db, admin, 1, "40000.10")
    won = {p: v for p, v in seeded_db.execute(
        select(DealRegistration.partner_id, DealRegistration.final_amount).where(
            DealRegistration.status == "won", DealRegistration.closed_on >= date(2026, 11, 1),
            DealRegistration.closed_on <= NOW.date()))}
    accrue_coop(seeded_db, now=NOW)
    allocation = seeded_db.scalar(select(FundAllocation.id).where(
        FundAllocation.program_id == program.id,
        FundAllocation.partner_id == partner.partner_id))
    expected = (sum(v for p, v in won.items() if p == partner.partner_id) * D("0.025")
                ).quantize(D("0.01"))
    assert balance(seeded_db, allocation).allocated == expected == D("1000.00")
    accrue_coop(seeded_db, now=NOW + timedelta(hours=1))  # nothing new: nothing more
    assert balance(seeded_db, allocation).allocated == expected


def test_coop_accrual_stops_at_the_budget(seeded_db):
    program = new_program(seeded_db, kind="coop", accrual_percent="10", budget="100",
                          eligible_tier_ids=tier_ids(seeded_db, "Gold"))
    won_deal(seeded_db, admin_of_tier(seeded_db, "Gold"), 2, "5000")
    message = accrue_coop(seeded_db, now=NOW)
    assert get_program(seeded_db, actor_for(seeded_db, "marketing"), program.id).allocated \
        == D("100.00")
    assert "short of budget" in message


def test_a_reason_and_a_note_too_long_or_missing_are_refused_on_their_field(seeded_db):
    from core.funds import approve_request

    program, partner, _ = funded(seeded_db)
    marketing = actor_for(seeded_db, "marketing")
    with pytest.raises(RuleViolation, match="Say why") as refused:
        allocate(seeded_db, marketing, program.id, partner.partner_id, D("1"), "  ", now=NOW)
    assert refused.value.field == "reason"
    request = ask(seeded_db, partner, program)
    with pytest.raises(RuleViolation, match="1000 characters") as refused:
        approve_request(seeded_db, marketing, request.id, None, "x" * 1001, now=NOW)
    assert refused.value.field == "note"


def test_a_partner_sees_its_programs_terms_but_not_their_budgets(seeded_db):
    from core.errors import NotFound
    from core.funds import list_programs

    program, partner, _ = funded(seeded_db)
    other = new_program(seeded_db, name="Not theirs")
    [seen] = list_programs(seeded_db, partner)
    assert (seen.id, seen.name, seen.budget, seen.allocated, seen.tier_amounts) == (
        program.id, "Test MDF", None, None, {})
    assert seen.reimbursement_percent == D("50.00")
    with pytest.raises(NotFound):
        get_program(seeded_db, partner, other.id)
    assert get_program(seeded_db, actor_for(seeded_db, "exec"), other.id).budget == \
        D("100000.00")


def test_a_partner_whose_tier_left_the_program_requests_no_more(seeded_db):
    program, partner, _ = funded(seeded_db)
    registered = seeded_db.scalar(select(Tier.id).where(Tier.name == "Registered"))
    seeded_db.execute(update(Partner).where(Partner.id == partner.partner_id)
                      .values(tier_id=registered))
    with pytest.raises(RuleViolation, match="no longer takes part"):
        ask(seeded_db, partner, program)
