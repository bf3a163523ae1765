"""Requests: each refusal says why and writes nothing; a request holds its amount at once;
marketing approves all or part (the rest released), rejects (all released) or asks for more
information, which the partner answers; the partner withdraws what is undecided."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.errors import NotFound, PermissionDenied, RuleViolation
from core.funds import (
    answer_request,
    approve_request,
    ask_request_info,
    history,
    list_allocations,
    reject_request,
    withdraw_request,
)
from core.funds.ledger import balance
from db.models import FundLedgerEntry, FundRequest, Notification, User
from tests.conftest import NOW, actor_for
from tests.funds.helpers import D, admin_of_tier, ask, funded

pytestmark = pytest.mark.usefixtures("backend")


def requests_count(db) -> int:
    return db.scalar(select(func.count()).select_from(FundRequest))


def test_a_request_holds_its_amount_at_once_and_tells_marketing(seeded_db):
    program, partner, allocation = funded(seeded_db, "10000")
    request = ask(seeded_db, partner, program, "2500.50")
    assert request.status == "submitted" and request.status_label == "Waiting for approval"
    b = balance(seeded_db, allocation)
    assert (b.allocated, b.held, b.available) == (D("10000.00"), D("2500.50"), D("7499.50"))
    marketing = seeded_db.scalar(select(User.id).where(User.username == "marketing"))
    told = seeded_db.scalars(select(Notification.subject).where(
        Notification.user_id == marketing)).all()
    assert any("Fund request from" in s for s in told)


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"activity_type": "trade_show"}, "activity_type", "does not fund this type"),
    ({"days": 3}, "starts_on", "needs requests 14 days before"),
    ({"days": 400}, "starts_on", "within Test MDF's period"),
    ({"amount": "10000.01"}, "amount", "more than your company has available"),
])
def test_a_request_is_refused_with_its_reason_and_nothing_is_written(seeded_db, fields, field,
                                                                     words):
    program, partner, allocation = funded(seeded_db, "10000")
    seeded_db.commit()  # the setup stays; the refused request's transaction rolls back
    before = requests_count(seeded_db)
    fields = dict(fields)  # the parameters serve each backend
    days = fields.pop("days", 20)
    amount = fields.pop("amount", "100")
    with pytest.raises(RuleViolation, match=words) as refused:
        ask(seeded_db, partner, program, amount, days=days, **fields)
    assert refused.value.field == field
    seeded_db.rollback()
    assert requests_count(seeded_db) == before
    assert balance(seeded_db, allocation).available == D("10000.00")


def test_the_lead_time_is_counted_on_the_injected_clock(seeded_db):
    program, partner, _ = funded(seeded_db)
    ask(seeded_db, partner, program, "100", days=14)  # exactly the lead time: in time
    with pytest.raises(RuleViolation, match="earliest start now is 2026-12-10"):
        ask(seeded_db, partner, program, "100", days=13)


def test_a_partner_without_an_allocation_or_of_another_role_cannot_request(seeded_db):
    program, _, _ = funded(seeded_db)
    other = actor_for(seeded_db, admin_of_tier(seeded_db, "Gold", skip=1))
    with pytest.raises(RuleViolation, match="no allocation in Test MDF"):
        ask(seeded_db, other, program)
    for username in ("marketing", "finance", "p01.rep1"):
        with pytest.raises(PermissionDenied):
            ask(seeded_db, actor_for(seeded_db, username), program)


def test_bad_fields_are_named(seeded_db):
    from pydantic import ValidationError

    program, partner, _ = funded(seeded_db)
    with pytest.raises(ValidationError) as bad:
        ask(seeded_db, partner, program, "-5", name="", length=-3)
    fields = {e["loc"][0] for e in bad.value.errors() if e["loc"]}
    assert {"requested_amount", "name"} <= fields


def test_approving_part_commits_it_and_releases_the_rest(seeded_db):
    program, partner, allocation = funded(seeded_db, "10000")
    request = ask(seeded_db, partner, program, "3000")
    done = approve_request(seeded_db, actor_for(seeded_db, "marketing"), request.id,
                           D("2000"), "Travel not covered.", now=NOW)
    assert (done.status, done.approved_amount) == ("approved", D("2000.00"))
    assert done.claim_due_on == done.ends_on + timedelta(days=30)
    b = balance(seeded_db, allocation)
    assert (b.held, b.committed, b.available) == (D("0.00"), D("2000.00"), D("8000.00"))
    with pytest.raises(RuleViolation, match="cannot be approved"):
        approve_request(seeded_db, actor_for(seeded_db, "marketing"), request.id, now=NOW)


def test_approving_more_than_requested_is_refused(seeded_db):
    program, partner, _ = funded(seeded_db)
    request = ask(seeded_db, partner, program, "3000")
    with pytest.raises(RuleViolation, match="at most what was requested"):
        approve_request(seeded_db, actor_for(seeded_db, "marketing"), request.id, D("3000.01"),
                        now=NOW)


def test_rejecting_releases_the_hold_and_needs_a_reason(seeded_db):
    program, partner, allocation = funded(seeded_db, "10000")
    request = ask(seeded_db, partner, program, "3000")
    marketing = actor_for(seeded_db, "marketing")
    with pytest.raises(RuleViolation, match="Say why the request is rejected"):
        reject_request(seeded_db, marketing, request.id, "  ", now=NOW)
    done = reject_request(seeded_db, marketing, request.id, "Off strategy.", now=NOW)
    assert (done.status, done.decision_note) == ("rejected", "Off strategy.")
    assert balance(seeded_db, allocation).available == D("10000.00")
    with pytest.raises(RuleViolation, match="is rejected; it cannot be withdrawn"):
        withdraw_request(seeded_db, partner, request.id, now=NOW)


def test_more_information_keeps_the_hold_until_the_partner_answers(seeded_db):
    program, partner, allocation = funded(seeded_db, "10000")
    request = ask(seeded_db, partner, program, "3000")
    marketing = actor_for(seeded_db, "marketing")
    asked = ask_request_info(seeded_db, marketing, request.id, "Who attends?", now=NOW)
    assert asked.status == "info_requested"
    assert balance(seeded_db, allocation).held == D("3000.00")
    with pytest.raises(RuleViolation, match="cannot be approved"):
        approve_request(seeded_db, marketing, request.id, now=NOW)
    answered = answer_request(seeded_db, partner, request.id, "Twenty CIOs.", now=NOW)
    assert answered.status == "submitted"
    steps = [(e.action, e.note) for e in history(seeded_db, partner, request.id)]
    assert steps[-2:] == [("asked for more information", "Who attends?"),
                          ("answered", "Twenty CIOs.")]
    with pytest.raises(RuleViolation, match="Nobody asked"):
        answer_request(seeded_db, partner, request.id, "Again.", now=NOW)


def test_withdrawing_releases_the_hold(seeded_db):
    program, partner, allocation = funded(seeded_db, "10000")
    request = ask(seeded_db, partner, program, "3000")
    done = withdraw_request(seeded_db, partner, request.id, now=NOW)
    assert done.status == "withdrawn"
    assert balance(seeded_db, allocation).available == D("10000.00")


def test_another_partner_finds_no_request_and_marketing_cannot_act_as_finance(seeded_db):
    program, partner, _ = funded(seeded_db)
    request = ask(seeded_db, partner, program)
    other = actor_for(seeded_db, admin_of_tier(seeded_db, "Silver"))
    with pytest.raises(NotFound):
        withdraw_request(seeded_db, other, request.id, now=NOW)
    with pytest.raises(NotFound):
        history(seeded_db, other, request.id)
    with pytest.raises(PermissionDenied):
        approve_request(seeded_db, actor_for(seeded_db, "finance"), request.id, now=NOW)
    with pytest.raises(PermissionDenied):
        approve_request(seeded_db, partner, request.id, now=NOW)


def test_every_movement_is_a_ledger_entry_with_actor_reason_and_request(seeded_db):
    program, partner, allocation = funded(seeded_db, "10000")
    request = ask(seeded_db, partner, program, "3000")
    approve_request(seeded_db, actor_for(seeded_db, "marketing"), request.id, D("1000"),
                    now=NOW)
    entries = seeded_db.execute(select(
        FundLedgerEntry.kind, FundLedgerEntry.from_bucket, FundLedgerEntry.to_bucket,
        FundLedgerEntry.amount, FundLedgerEntry.actor_label, FundLedgerEntry.request_id)
        .where(FundLedgerEntry.allocation_id == allocation).order_by(FundLedgerEntry.id)).all()
    assert [tuple(e) for e in entries] == [
        ("allocate", "budget", "available", D("10000.00"), "marketing", None),
        ("hold", "available", "held", D("3000.00"), partner.label, request.id),
        ("commit", "held", "committed", D("1000.00"), "marketing", request.id),
        ("release", "held", "available", D("2000.00"), "marketing", request.id)]
    [mine] = list_allocations(seeded_db, partner)
    assert mine.balance.available == D("9000.00") and mine.balance.committed == D("1000.00")


def test_amounts_are_whole_cents(seeded_db):
    program, partner, _ = funded(seeded_db)
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="two decimals|decimal"):
        ask(seeded_db, partner, program, "10.005")
    assert isinstance(D("1"), Decimal)
