"""Every read service of funds, for every role: the vendor's roles read every partner's; a
partner admin only its own (another's request is NotFound, as a missing one); a partner's
sales rep and a visitor nothing. Home's queues say what waits for whom."""

import pytest

from core.actor import Actor
from core.errors import NotFound, PermissionDenied
from core.funds import (
    activity_choices,
    approve_request,
    get_program,
    get_request,
    history,
    list_allocations,
    list_programs,
    list_requests,
    partner_choices_for_funds,
    roi,
)
from core.home import waiting
from tests.conftest import NOW, actor_for
from tests.funds.helpers import admin_of_tier, allocate_to, ask, claimed, funded

pytestmark = pytest.mark.usefixtures("backend")
VENDORS = ("admin", "channel", "marketing", "finance", "exec", "analyst")


@pytest.fixture
def two_partners(seeded_db):
    program, gold, _ = funded(seeded_db, "10000")
    silver = allocate_to(seeded_db, program, admin_of_tier(seeded_db, "Silver"), "5000")
    mine = claimed(seeded_db, gold, program)
    theirs = ask(seeded_db, silver, program, "1000")
    approve_request(seeded_db, actor_for(seeded_db, "marketing"), theirs.id, now=NOW)
    return program, gold, silver, mine, theirs


def test_the_vendors_roles_read_every_partner(seeded_db, two_partners):
    program, gold, silver, mine, theirs = two_partners
    for username in VENDORS:
        actor = actor_for(seeded_db, username)
        found, total = list_requests(seeded_db, actor)
        assert total == 2 and {r.id for r in found} == {mine.id, theirs.id}, username
        assert {a.partner_id for a in list_allocations(seeded_db, actor)} == {
            gold.partner_id, silver.partner_id}
        assert len(roi(seeded_db, actor, by="partner")) == 2
        assert get_request(seeded_db, actor, theirs.id).partner_id == silver.partner_id
        assert history(seeded_db, actor, mine.id)
        assert {i for i, _ in partner_choices_for_funds(seeded_db, actor)} == {
            gold.partner_id, silver.partner_id}
        assert {i for i, _ in activity_choices(seeded_db, actor)} == {mine.id, theirs.id}
        assert [p.id for p in list_programs(seeded_db, actor)] == [program.id]


def test_a_partner_admin_reads_only_its_own(seeded_db, two_partners):
    program, gold, silver, mine, theirs = two_partners
    found, total = list_requests(seeded_db, gold)
    assert total == 1 and [r.id for r in found] == [mine.id]
    assert list_requests(seeded_db, gold, partner_id=silver.partner_id)[1] == 0
    assert [a.partner_id for a in list_allocations(seeded_db, gold)] == [gold.partner_id]
    assert [r.key for r in roi(seeded_db, gold, by="partner")] == [gold.partner_id]
    assert [i for i, _ in partner_choices_for_funds(seeded_db, gold)] == [gold.partner_id]
    assert [i for i, _ in activity_choices(seeded_db, gold)] == [mine.id]
    for read in (get_request, history):
        with pytest.raises(NotFound):
            read(seeded_db, gold, theirs.id)
    assert get_program(seeded_db, gold, program.id).name == "Test MDF"


@pytest.mark.parametrize("who", ["p01.rep1", "anonymous"])
def test_a_sales_rep_and_a_visitor_read_nothing(seeded_db, two_partners, who):
    program, gold, silver, mine, theirs = two_partners
    actor = Actor.anonymous("t") if who == "anonymous" else actor_for(seeded_db, who)
    for read in (lambda: list_requests(seeded_db, actor),
                 lambda: list_allocations(seeded_db, actor),
                 lambda: roi(seeded_db, actor), lambda: list_programs(seeded_db, actor),
                 lambda: get_request(seeded_db, actor, mine.id),
                 lambda: history(seeded_db, actor, mine.id),
                 lambda: partner_choices_for_funds(seeded_db, actor),
                 lambda: get_program(seeded_db, actor, program.id)):
        with pytest.raises(PermissionDenied):
            read()
    if who == "anonymous":
        assert activity_choices(seeded_db, actor) == []


def labels(db, username: str) -> dict[str, str]:
    return {w.label: w.value for w in waiting(db, actor_for(db, username), now=NOW)}


def test_home_shows_each_role_its_fund_queue(seeded_db, two_partners):
    program, gold, silver, mine, theirs = two_partners
    ask(seeded_db, silver, program, "500")
    assert labels(seeded_db, "marketing")["Fund requests waiting for a decision"] == "1"
    assert labels(seeded_db, "finance")["Fund claims waiting for finance"] == "1"
    assert "Fund claims waiting for finance" in labels(seeded_db, "admin")
    assert "Approved claims to pay" not in labels(seeded_db, "marketing")
    silver_home = labels(seeded_db, silver.label)
    assert silver_home["Approved activities to claim"] == "1"
    assert silver_home["Funds available to request"] == "$3,500.00"
    assert not any("Fund" in k for k in labels(seeded_db, "exec"))


def test_home_counts_only_money_that_can_still_be_requested(seeded_db):
    program, gold, _ = funded(seeded_db, "10000", period="quarter")
    after_end = NOW.replace(year=2027, month=2, day=2)
    assert program.ends_on < after_end.date()
    shown = {w.label: w.value for w in waiting(seeded_db, gold, now=NOW)}
    assert shown["Funds available to request"] == "$10,000.00"
    ended = {w.label for w in waiting(seeded_db, gold, now=after_end)}
    assert "Funds available to request" not in ended
