"""The funds job on an injected clock: expiry notices 30 and 7 days before a program's period
ends, the unrequested balance expired (or carried into the next period) once it has, claim
reminders 14 and 3 days before a claim is due, and a commitment not claimed in time released.
Running the job twice changes nothing more."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from core.funds import get_program, list_programs, submit_claim
from core.funds.deadlines import run_deadlines
from core.funds.ledger import balance
from db.models import FundAllocation, Notification, User
from tests.conftest import NOW, actor_for
from tests.funds.helpers import D, after, approved, ask, funded, pdf

pytestmark = pytest.mark.usefixtures("backend")


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def subjects(db, username: str) -> list[str]:
    user = db.scalar(select(User.id).where(User.username == username))
    return list(db.scalars(select(Notification.subject).where(Notification.user_id == user)
                           .order_by(Notification.id)))


def quarter(db, **terms):
    """A quarter from November: it ends on 2027-01-31."""
    return funded(db, "10000", period="quarter", **terms)


def test_partners_are_warned_30_and_7_days_before_unrequested_money_expires(seeded_db):
    program, partner, _ = quarter(seeded_db)
    end = program.ends_on
    for days_left in (45, 30, 29, 8, 7, 6):
        run_deadlines(seeded_db, now=noon(end - timedelta(days=days_left)))
    warned = [s for s in subjects(seeded_db, partner.label) if "expires on" in s]
    assert warned == ["$10,000.00 expires on 2027-01-31"] * 2


def test_at_the_period_end_the_unrequested_balance_expires_once(seeded_db):
    program, partner, allocation = quarter(seeded_db)
    request = ask(seeded_db, partner, program, "4000")
    day_after = noon(program.ends_on + timedelta(days=1))
    report = run_deadlines(seeded_db, now=day_after)
    assert report.expired == 1
    b = balance(seeded_db, allocation)
    assert (b.expired, b.available, b.held) == (D("6000.00"), D("0.00"), D("4000.00"))
    assert run_deadlines(seeded_db, now=day_after + timedelta(hours=1)).expired == 0
    assert balance(seeded_db, allocation) == b
    # A hold released after the end expires at the job's next run.
    from core.funds import reject_request

    reject_request(seeded_db, actor_for(seeded_db, "marketing"), request.id, "Too late.",
                   now=day_after + timedelta(days=1))
    run_deadlines(seeded_db, now=day_after + timedelta(days=1, hours=1))
    assert balance(seeded_db, allocation).expired == D("10000.00")
    marketing = actor_for(seeded_db, "marketing")
    assert get_program(seeded_db, marketing, program.id).status == "closed"


def test_a_carry_over_program_moves_the_balance_into_its_next_period(seeded_db):
    program, partner, allocation = quarter(seeded_db, carry_over=True)
    ask(seeded_db, partner, program, "2500")
    run_deadlines(seeded_db, now=noon(program.ends_on - timedelta(days=7)))
    assert not [s for s in subjects(seeded_db, partner.label) if "expires on" in s]
    report = run_deadlines(seeded_db, now=noon(program.ends_on + timedelta(days=1)))
    assert (report.carried, report.expired) == (1, 0)
    marketing = actor_for(seeded_db, "marketing")
    successor = get_program(seeded_db, marketing, program.id).successor_id
    nxt = get_program(seeded_db, marketing, successor)
    assert (nxt.starts_on, nxt.ends_on, nxt.budget) == (date(2027, 2, 1), date(2027, 4, 30),
                                                        D("100000.00"))
    assert balance(seeded_db, allocation).carried == D("7500.00")
    carried_in = seeded_db.scalar(select(FundAllocation.id).where(
        FundAllocation.program_id == successor,
        FundAllocation.partner_id == partner.partner_id))
    assert balance(seeded_db, carried_in).available == D("7500.00")
    run_deadlines(seeded_db, now=noon(program.ends_on + timedelta(days=2)))
    assert len(list_programs(seeded_db, marketing)) == 2  # no second successor
    assert balance(seeded_db, carried_in).available == D("7500.00")


def test_claim_reminders_14_and_3_days_before_and_the_commitment_released_after(seeded_db):
    program, partner, allocation = funded(seeded_db, "10000")
    request = approved(seeded_db, partner, program, "3000")
    due = request.claim_due_on
    for days_left in (20, 14, 13, 3, 2, 0):
        run_deadlines(seeded_db, now=noon(due - timedelta(days=days_left)))
    reminders = [s for s in subjects(seeded_db, partner.label) if s.startswith("Claim due")]
    assert reminders == [f"Claim due by {due:%Y-%m-%d}: Roundtable"] * 2
    assert balance(seeded_db, allocation).committed == D("3000.00")  # the last day is in time
    report = run_deadlines(seeded_db, now=noon(due + timedelta(days=1)))
    assert report.lapsed == 1
    b = balance(seeded_db, allocation)
    assert (b.committed, b.available) == (D("0.00"), D("10000.00"))
    assert run_deadlines(seeded_db, now=noon(due + timedelta(days=2))).lapsed == 0
    assert any(s.startswith("Commitment released") for s in subjects(seeded_db, partner.label))


def test_a_claimed_request_never_lapses(seeded_db):
    program, partner, allocation = funded(seeded_db, "10000")
    request = approved(seeded_db, partner, program, "3000")
    submit_claim(seeded_db, partner, request.id, {"actual_spend": "6000",
                                                  "claimed_amount": "3000"}, [pdf()],
                 now=after(request))
    report = run_deadlines(seeded_db, now=noon(request.claim_due_on + timedelta(days=5)))
    assert report.lapsed == 0
    assert balance(seeded_db, allocation).committed == D("3000.00")
    assert noon(request.claim_due_on) > NOW


def test_money_carried_over_is_no_grant_in_the_next_period(seeded_db):
    """The tier rule still grants the carrying partner in the next period, and its totals
    count the carried money once."""
    from core.funds import allocate_by_tier, list_allocations
    from core.funds.ledger import total
    from tests.funds.helpers import tier_ids

    gold_tier = tier_ids(seeded_db, "Gold")[0]
    program, partner, _ = quarter(seeded_db, carry_over=True, budget="1000000",
                                  tier_amounts={gold_tier: "8000"})
    ask(seeded_db, partner, program, "2500")
    run_deadlines(seeded_db, now=noon(program.ends_on + timedelta(days=1)))
    marketing = actor_for(seeded_db, "marketing")
    successor = get_program(seeded_db, marketing, program.id).successor_id
    allocate_by_tier(seeded_db, marketing, successor, now=noon(program.ends_on +
                                                               timedelta(days=2)))
    mine = {a.program_id: a.balance for a in list_allocations(seeded_db, partner)}
    assert mine[successor].allocated == D("8000.00")  # the rule's grant
    assert mine[successor].carried_in == D("7500.00")
    assert mine[successor].available == D("15500.00")
    both = total(mine)
    assert both.allocated == D("18000.00")  # 10,000 then 8,000: the 7,500 counted once
    assert both.available + both.held == D("15500.00") + D("2500.00")
