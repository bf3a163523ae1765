"""Funds at the reference scale (DESIGN.md: 50,000 MDF requests), in bulk inserts around the
services, as the rest of the scale seed: an MDF program for the year and a co-op program, an
allocation in each for every active partner of an MDF-eligible tier, and `requests` requests
spread over those partners in every status, with their claims, proof-file rows and every
ledger entry the services would have written (so the balances, the ledger check and ROI read
exactly what they would). Deterministic (its own random stream)."""

import random
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from core.analytics.periods import add_months
from core.funds.status import ACTIVITY_TYPES
from db.models import (
    FundAllocation,
    FundClaim,
    FundClaimFile,
    FundLedgerEntry,
    FundProgram,
    FundRequest,
    Partner,
    Tier,
)

BATCH = 20_000
ACTOR = "system:scale-seed"
# (request status, claim status or None, weight)
FATES = (("submitted", None, 10), ("info_requested", None, 4), ("approved", None, 10),
         ("rejected", None, 5), ("withdrawn", None, 4), ("lapsed", None, 4),
         ("claimed", "submitted", 8), ("claimed", "proof_requested", 3),
         ("claimed", "approved", 7), ("claimed", "rejected", 3), ("claimed", "paid", 42))


def seed_scale_funds(db: Session, requests: int, *, now: datetime) -> dict[str, int]:
    rng = random.Random(18)
    partners = list(db.scalars(select(Partner.id).join(Tier, Tier.id == Partner.tier_id)
                               .where(Tier.mdf_eligible, Partner.status == "active")
                               .order_by(Partner.id)))
    if not partners or not requests:
        return {"requests": 0}
    tiers = list(db.scalars(select(Tier.id).where(Tier.mdf_eligible)))
    start = add_months(now.date().replace(day=1), -10)
    programs = [_program(db, name, kind, start, tiers, now)
                for name, kind in (("Scale MDF", "mdf"), ("Scale co-op", "coop"))]
    first = (db.scalar(select(func.max(FundRequest.id))) or 0) + 1
    plan = _plan(rng, partners, programs, requests, now, first)
    allocations = _allocations(db, programs, partners, now)
    totals = defaultdict(Decimal)
    for r in plan:
        totals[(r["program_id"], r["partner_id"])] += r["requested_amount"]
    ledger: list[dict] = []
    for (program_id, partner_id), asked in totals.items():
        ledger.append(_entry(program_id, allocations[(program_id, partner_id)], partner_id,
                             "allocate", "budget", "available", asked * 2,
                             at=datetime.combine(start, now.timetz())))
    claims, files = [], []
    next_claim = (db.scalar(select(func.max(FundClaim.id))) or 0) + 1
    for r in plan:
        r["allocation_id"] = allocations[(r["program_id"], r["partner_id"])]
        claim = _story(rng, r, ledger, next_claim)
        if claim is not None:
            claims.append(claim)
            files.append({"claim_id": claim["id"], "file_name": "invoice.pdf",
                          "sha256": f"{claim['id']:064x}", "kind": "PDF document",
                          "size": 48_000, "uploaded_at": claim["submitted_at"]})
            next_claim += 1
    for rows, model in ((plan, FundRequest), (claims, FundClaim), (files, FundClaimFile),
                        (ledger, FundLedgerEntry)):
        for i in range(0, len(rows), BATCH):
            db.execute(insert(model), rows[i:i + BATCH])
    _advance_sequences(db)
    for program in programs:
        used = sum((e["amount"] for e in ledger if e["program_id"] == program.id
                    and e["from_bucket"] == "budget"), Decimal(0))
        program.budget = used + Decimal(100_000)
    db.flush()
    return {"requests": len(plan), "claims": len(claims), "ledger entries": len(ledger)}


def _advance_sequences(db: Session) -> None:
    """Ids were given here; PostgreSQL's sequences must move past them for the services'
    next inserts (SQLite takes the largest id + 1 by itself)."""
    if db.get_bind().dialect.name != "postgresql":
        return
    for table in ("fund_requests", "fund_claims"):
        db.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"))


def _program(db: Session, name: str, kind: str, start, tiers, now) -> FundProgram:
    program = FundProgram(
        name=name, kind=kind, period="year", starts_on=start,
        ends_on=add_months(start, 12) - timedelta(days=1), budget=Decimal(0),
        eligible_tier_ids=tiers, activity_types=list(ACTIVITY_TYPES), reimbursement_bp=5000,
        accrual_bp=300 if kind == "coop" else 0, tier_amounts={}, lead_time_days=14,
        claim_days=60, carry_over=False, created_at=now)
    db.add(program)
    db.flush()
    return program


def _allocations(db, programs, partners, now) -> dict[tuple[int, int], int]:
    rows = [{"program_id": p.id, "partner_id": pid, "created_at": now}
            for p in programs for pid in partners]
    db.execute(insert(FundAllocation), rows)
    return {(a, b): i for i, a, b in db.execute(select(
        FundAllocation.id, FundAllocation.program_id, FundAllocation.partner_id).where(
        FundAllocation.program_id.in_([p.id for p in programs])))}


def _plan(rng, partners, programs, count, now, first: int) -> list[dict]:
    fates = [f for f in FATES for _ in range(f[2])]
    out = []
    for n in range(count):
        program = programs[0] if rng.random() < 0.7 else programs[1]
        status, claim, _ = rng.choice(fates)
        # A claimed or lapsed activity is long over; the others anywhere in the year.
        days = rng.randint(120, 280) if status in ("claimed", "lapsed") else rng.randint(1, 280)
        submitted = now - timedelta(days=days)
        starts = (submitted + timedelta(days=rng.randint(14, 40))).date()
        ends = starts + timedelta(days=rng.randint(0, 3))
        out.append({
            "id": first + n, "program_id": program.id, "partner_id": rng.choice(partners),
            "activity_type": rng.choice(list(ACTIVITY_TYPES)), "name": f"Activity {n + 1}",
            "starts_on": starts, "ends_on": ends, "description": "",
            "requested_amount": Decimal(rng.randrange(500, 20_000, 50)),
            "approved_amount": None, "expected_leads": rng.randint(0, 100),
            "expected_pipeline": Decimal(rng.randrange(0, 500_000, 1_000)),
            "status": status, "decision_note": None, "claim_due_on": None,
            "submitted_at": submitted, "decided_at": None, "updated_at": submitted,
            "_claim": claim})
    return out


def _entry(program_id, allocation_id, partner_id, kind, source, target, amount, *, at,
           request_id=None, claim_id=None) -> dict:
    return {"program_id": program_id, "allocation_id": allocation_id, "partner_id": partner_id,
            "kind": kind, "from_bucket": source, "to_bucket": target, "amount": amount,
            "request_id": request_id, "claim_id": claim_id, "reason": "", "actor_label": ACTOR,
            "at": at}


def _story(rng, r: dict, ledger: list, claim_id: int) -> dict | None:
    """The request's entries, as the services write them; its claim row, if it has one."""
    fate = r.pop("_claim")

    def move(kind, source, target, amount, at, claim=None):
        if amount > 0:
            ledger.append(_entry(r["program_id"], r["allocation_id"], r["partner_id"], kind,
                                 source, target, amount, at=at, request_id=r["id"],
                                 claim_id=claim))

    asked, at = r["requested_amount"], r["submitted_at"]
    move("hold", "available", "held", asked, at)
    status = r["status"]
    if status in ("submitted", "info_requested"):
        return None
    decided = at + timedelta(days=2)
    r["decided_at"] = decided
    if status in ("rejected", "withdrawn"):
        move("release", "held", "available", asked, decided)
        return None
    part = asked if rng.random() < 0.7 else (asked * Decimal("0.8")).quantize(Decimal("0.01"))
    r["approved_amount"] = part
    r["claim_due_on"] = r["ends_on"] + timedelta(days=60)
    move("commit", "held", "committed", part, decided)
    move("release", "held", "available", asked - part, decided)
    if status == "lapsed":
        move("release", "committed", "available", part, decided + timedelta(days=90))
    if fate is None:
        return None
    submitted = datetime.combine(r["ends_on"] + timedelta(days=5), at.timetz())
    claim = {"id": claim_id, "request_id": r["id"], "program_id": r["program_id"],
             "partner_id": r["partner_id"], "actual_spend": part * 2, "claimed_amount": part,
             "approved_amount": None, "paid_amount": Decimal("0.00"),
             "leads": rng.randint(0, 80), "attendees": rng.randint(0, 200),
             "opportunities": rng.randint(0, 10), "note": "", "status": fate,
             "decision_note": None, "submitted_at": submitted, "decided_at": None,
             "paid_on": None, "payment_reference": None, "updated_at": submitted}
    if fate in ("submitted", "proof_requested"):
        return claim
    reviewed = submitted + timedelta(days=3)
    claim["decided_at"] = reviewed
    if fate == "rejected":
        move("release", "committed", "available", part, reviewed, claim_id)
        return claim
    claim["approved_amount"] = part
    move("approve_claim", "committed", "approved", part, reviewed, claim_id)
    if fate == "paid":
        paid = reviewed + timedelta(days=7)
        claim.update(paid_amount=part, paid_on=paid.date(),
                     payment_reference=f"SCALE-{claim_id}")
        move("pay", "approved", "paid", part, paid, claim_id)
    return claim
