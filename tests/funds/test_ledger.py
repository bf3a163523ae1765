"""The ledger's invariants after a long random sequence of everything partners, marketing
and finance do (refusals included): each balance equals a plain sum of the entries, no bucket
goes below zero, the program stays within budget, and no claim is paid above its
commitment."""

import random
from collections import defaultdict
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.errors import DomainError
from core.funds import (
    allocate,
    approve_claim,
    approve_request,
    ask_request_info,
    check,
    record_payment,
    reject_claim,
    reject_request,
    submit_claim,
    withdraw_request,
)
from core.funds.ledger import BUCKETS, BUDGET, balances
from db.models import FundClaim, FundLedgerEntry, FundRequest
from tests.conftest import actor_for
from tests.funds.helpers import D, admin_of_tier, after, allocate_to, ask, funded, pdf

pytestmark = pytest.mark.usefixtures("backend")


def folded(db) -> dict[int, dict[str, Decimal]]:
    """Each allocation's buckets, summed entry by entry in Python."""
    out: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for e in db.scalars(select(FundLedgerEntry)):
        out[e.allocation_id][e.to_bucket] += e.amount
        out[e.allocation_id][e.from_bucket] -= e.amount
    return out


def test_a_long_random_sequence_keeps_every_invariant(seeded_db):
    rng = random.Random(18)
    db = seeded_db
    program, gold, _ = funded(db, "6000", budget="9000")
    silver = allocate_to(db, program, admin_of_tier(db, "Silver"), "2500")
    marketing, finance = actor_for(db, "marketing"), actor_for(db, "finance")
    partners = [gold, silver]
    db.commit()  # the setup stays whatever is refused after it
    refused = 0
    for step in range(200):
        partner = rng.choice(partners)
        roll = rng.random()
        requests = list(db.scalars(select(FundRequest).where(
            FundRequest.partner_id == partner.partner_id).order_by(FundRequest.id)))
        try:
            if roll < 0.3 or not requests:
                ask(db, partner, program, str(rng.randrange(100, 2500, 50)), days=20)
                continue
            # Mostly a request the step can apply to; sometimes any (to be refused).
            wanted = "submitted" if roll < 0.6 else "approved" if roll < 0.72 else "claimed"
            matching = [x for x in requests if x.status == wanted]
            r = rng.choice(matching if matching and rng.random() < 0.8 else requests)
            claim = db.scalar(select(FundClaim).where(FundClaim.request_id == r.id))
            if roll < 0.45:
                approve_request(db, marketing, r.id, None if rng.random() < 0.5 else
                                D(rng.randrange(50, 2500, 50)))
            elif roll < 0.5:
                reject_request(db, marketing, r.id, "No.")
            elif roll < 0.55:
                ask_request_info(db, marketing, r.id, "Why?")
            elif roll < 0.6:
                withdraw_request(db, partner, r.id)
            elif roll < 0.72:
                spend = D(rng.randrange(100, 6000, 50))
                share = (spend / 2).quantize(D("0.01"))
                amount = min(share, r.approved_amount or share) if rng.random() < 0.8 \
                    else share
                submit_claim(db, partner, r.id, {"actual_spend": spend,
                                                 "claimed_amount": amount}, [pdf()],
                             now=after(r, rng.randint(1, 5)))
            elif roll < 0.82 and claim is not None:
                approve_claim(db, finance, r.id, None if rng.random() < 0.5 else
                              D(rng.randrange(50, 2500, 50)), now=after(r, 8))
            elif roll < 0.85 and claim is not None:
                reject_claim(db, finance, r.id, "No proof.", now=after(r, 8))
            elif roll < 0.95 and claim is not None:
                at = after(r, 10)
                record_payment(db, finance, r.id, {
                    "paid_on": at.date(), "reference": f"P{step}",
                    "amount": (claim.approved_amount or D(1)) - claim.paid_amount
                    if rng.random() < 0.6 else str(rng.randrange(50, 2500, 50))}, now=at)
            else:
                allocate(db, marketing, program.id, partner.partner_id,
                         D(rng.randrange(-800, 1500, 50) or 50), "Adjust")
        except DomainError:
            refused += 1
            db.rollback()  # a refusal writes nothing; the savepoint of what came before stays
            continue
        db.commit()
    assert 20 < refused < 150  # it tried what the rules forbid, and did much besides
    verdict = check(db)
    assert verdict.ok, verdict.problems
    derived = balances(db)
    plain = folded(db)
    assert derived.keys() == plain.keys()
    for allocation, b in derived.items():
        assert b.allocated == -plain[allocation][BUDGET]
        for bucket in BUCKETS:
            assert getattr(b, bucket) == plain[allocation][bucket] >= 0
    used = sum((-plain[a][BUDGET] for a in plain), Decimal(0))
    assert used <= D("9000")
    for claim in db.scalars(select(FundClaim)):
        request = db.get(FundRequest, claim.request_id)
        assert claim.paid_amount <= (claim.approved_amount or 0) <= request.approved_amount
    statuses = {r.status for r in db.scalars(select(FundRequest))}
    assert "claimed" in statuses  # the sequence went the whole way: claimed, and paid
    assert "paid" in {c.status for c in db.scalars(select(FundClaim))}
