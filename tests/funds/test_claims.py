"""Claims: after the activity and by its deadline, at most the commitment and at most the
program's share of the actual spend, with proof; finance approves all or part (the rest of the
commitment goes back to the balance), rejects (all of it goes back) or asks for more proof;
payments never exceed what was approved, and a claim is paid once paid in full."""

from datetime import date, timedelta

import pytest

from core import events
from core.errors import NotFound, PermissionDenied, RuleViolation
from core.funds import (
    add_proof,
    approve_claim,
    ask_claim_proof,
    check,
    record_payment,
    reject_claim,
    share_of,
    submit_claim,
)
from core.funds.events import FundClaimPaid
from core.funds.ledger import balance
from tests.conftest import actor_for
from tests.funds.helpers import D, admin_of_tier, after, approved, claimed, funded, paid_ready, pdf

pytestmark = pytest.mark.usefixtures("backend")


def claim(db, partner, request, *, spend="4000", amount="2000", files=None, at=None):
    return submit_claim(db, partner, request.id, {
        "actual_spend": spend, "claimed_amount": amount, "leads": 3},
        [pdf()] if files is None else files, now=at or after(request))


def test_the_share_of_spend_rounds_down_to_the_cent():
    assert share_of(D("333.33"), 5000) == D("166.66")
    assert share_of(D("100.00"), 3333) == D("33.33")
    assert share_of(D("0.01"), 5000) == D("0.00")


def test_a_claim_goes_to_finance_with_its_files(seeded_db):
    program, partner, allocation = funded(seeded_db, "10000")
    request = approved(seeded_db, partner, program, "2000")
    done = claim(seeded_db, partner, request)
    assert done.status == "claimed"
    assert done.claim.status == "submitted" and done.claim.claimed_amount == D("2000.00")
    assert [f.kind for f in done.claim.files] == ["PDF document"]
    assert balance(seeded_db, allocation).committed == D("2000.00")  # until finance decides


@pytest.mark.parametrize(("spend", "amount", "words"), [
    ("4000", "2000.01", "at most the approved amount"),
    ("3000", "1500.01", "reimburses 50% of the actual spend: at most \\$1,500.00"),
])
def test_a_claim_above_the_commitment_or_the_share_is_refused(seeded_db, spend, amount, words):
    program, partner, _ = funded(seeded_db)
    request = approved(seeded_db, partner, program, "2000")
    with pytest.raises(RuleViolation, match=words) as refused:
        claim(seeded_db, partner, request, spend=spend, amount=amount)
    assert refused.value.field == "claimed_amount"


def test_a_claim_before_the_activity_ends_or_after_its_deadline_is_refused(seeded_db):
    program, partner, _ = funded(seeded_db)
    request = approved(seeded_db, partner, program)
    with pytest.raises(RuleViolation, match="once the activity is over"):
        claim(seeded_db, partner, request, at=after(request, -1))
    with pytest.raises(RuleViolation, match=f"due by {request.claim_due_on:%Y-%m-%d}"):
        claim(seeded_db, partner, request, at=after(request, 31))
    claim(seeded_db, partner, request, at=after(request, 30))  # the last day is in time


def test_a_claim_needs_proof(seeded_db):
    program, partner, _ = funded(seeded_db)
    request = approved(seeded_db, partner, program)
    with pytest.raises(RuleViolation, match="Attach proof of performance") as refused:
        claim(seeded_db, partner, request, files=[])
    assert refused.value.field == "file"


def test_a_request_not_approved_cannot_be_claimed(seeded_db):
    from tests.funds.helpers import ask

    program, partner, _ = funded(seeded_db)
    request = ask(seeded_db, partner, program)
    with pytest.raises(RuleViolation, match="cannot be claimed"):
        claim(seeded_db, partner, request, at=after(request))


def test_approving_part_of_a_claim_releases_the_rest_of_the_commitment(seeded_db):
    program, partner, allocation = funded(seeded_db, "10000")
    request = claimed(seeded_db, partner, program, amount="2000", claim="1800")
    done = approve_claim(seeded_db, actor_for(seeded_db, "finance"), request.id, D("1500"),
                         "One invoice is outside the dates.", now=after(request, 3))
    assert (done.claim.status, done.claim.approved_amount) == ("approved", D("1500.00"))
    b = balance(seeded_db, allocation)
    assert (b.committed, b.approved, b.available) == (D("0.00"), D("1500.00"), D("8500.00"))
    with pytest.raises(RuleViolation, match="at most what was claimed"):
        request2 = claimed(seeded_db, partner, program, amount="1000")
        approve_claim(seeded_db, actor_for(seeded_db, "finance"), request2.id, D("1000.01"),
                      now=after(request2, 3))


def test_rejecting_a_claim_releases_the_commitment(seeded_db):
    program, partner, allocation = funded(seeded_db, "10000")
    request = claimed(seeded_db, partner, program, amount="2000")
    finance = actor_for(seeded_db, "finance")
    with pytest.raises(RuleViolation, match="Say why the claim is rejected"):
        reject_claim(seeded_db, finance, request.id, "", now=after(request, 3))
    done = reject_claim(seeded_db, finance, request.id, "No proof of the event.",
                        now=after(request, 3))
    assert done.claim.status == "rejected"
    assert balance(seeded_db, allocation).available == D("10000.00")
    with pytest.raises(RuleViolation, match="cannot be approved"):
        approve_claim(seeded_db, finance, request.id, now=after(request, 4))


def test_more_proof_goes_back_to_finance_once_added(seeded_db):
    program, partner, _ = funded(seeded_db)
    request = claimed(seeded_db, partner, program)
    finance = actor_for(seeded_db, "finance")
    asked = ask_claim_proof(seeded_db, finance, request.id, "The venue's invoice, please.",
                            now=after(request, 2))
    assert asked.claim.status == "proof_requested"
    with pytest.raises(RuleViolation, match="cannot be approved"):
        approve_claim(seeded_db, finance, request.id, now=after(request, 2))
    more = add_proof(seeded_db, partner, request.id, [pdf("venue")], "Attached.",
                     now=after(request, 3))
    assert more.claim.status == "submitted" and len(more.claim.files) == 2
    approve_claim(seeded_db, finance, request.id, now=after(request, 4))
    with pytest.raises(RuleViolation, match="Finance has decided"):
        add_proof(seeded_db, partner, request.id, [pdf("late")], now=after(request, 5))


def test_payments_never_exceed_the_approved_amount_and_end_in_paid(seeded_db):
    program, partner, allocation = funded(seeded_db, "10000")
    request = paid_ready(seeded_db, partner, program, amount="2000")
    finance = actor_for(seeded_db, "finance")
    at = after(request, 5)
    seen = []

    def listen(db, event):
        seen.append(event)

    events.subscriber(FundClaimPaid)(listen)
    try:
        part = record_payment(seeded_db, finance, request.id, {
            "paid_on": at.date(), "reference": "PAY-1", "amount": "1200"}, now=at)
        assert (part.claim.status, part.claim.paid_amount) == ("approved", D("1200.00"))
        with pytest.raises(RuleViolation, match="unpaid \\(\\$800.00\\)"):
            record_payment(seeded_db, finance, request.id, {
                "paid_on": at.date(), "reference": "PAY-2", "amount": "800.01"}, now=at)
        with pytest.raises(RuleViolation, match="today or earlier"):
            record_payment(seeded_db, finance, request.id, {
                "paid_on": at.date() + timedelta(days=1), "reference": "PAY-2",
                "amount": "800"}, now=at)
        done = record_payment(seeded_db, finance, request.id, {
            "paid_on": at.date(), "reference": "PAY-2", "amount": "800"}, now=at)
    finally:
        events.unsubscribe(FundClaimPaid, listen)
    assert (done.claim.status, done.claim.paid_amount) == ("paid", D("2000.00"))
    assert [(e.amount, e.reference) for e in seen] == [(D("1200.00"), "PAY-1"),
                                                       (D("800.00"), "PAY-2")]
    b = balance(seeded_db, allocation)
    assert (b.paid, b.approved, b.available) == (D("2000.00"), D("0.00"), D("8000.00"))
    assert check(seeded_db).ok
    with pytest.raises(RuleViolation, match="cannot be paid"):
        record_payment(seeded_db, finance, request.id, {
            "paid_on": at.date(), "reference": "PAY-3", "amount": "1"}, now=at)


def test_only_finance_pays_and_only_the_fund_roles_decide(seeded_db):
    program, partner, _ = funded(seeded_db)
    request = paid_ready(seeded_db, partner, program)
    pay = {"paid_on": date(2027, 1, 31), "reference": "X", "amount": "1"}
    for username in ("admin", "marketing", "channel", partner.label):
        with pytest.raises(PermissionDenied):
            record_payment(seeded_db, actor_for(seeded_db, username), request.id, pay)
    request2 = claimed(seeded_db, partner, program)
    for username in ("marketing", "channel", "exec", partner.label):
        with pytest.raises(PermissionDenied):
            approve_claim(seeded_db, actor_for(seeded_db, username), request2.id)
    other = actor_for(seeded_db, admin_of_tier(seeded_db, "Silver"))
    with pytest.raises(NotFound):
        add_proof(seeded_db, other, request2.id, [pdf()])
