"""Demo funds: an MDF program granted by the tier rule to Silver, Gold and Platinum partners,
and a co-op program every tier accrues from its won revenue (the demo vendor runs co-op for
all its partners: Registered is made MDF eligible for it). Requests and claims in every
status, worked through the services at past moments as marketing, finance and the partners
would have: proof files kept, payments recorded, a commitment lapsed by the job; some won
deals and leads name the activity they came from, so ROI has figures. p01 (a Registered
partner) holds a co-op balance with one paid claim and one request waiting. Deterministic."""

import io
import random
from datetime import datetime, timedelta
from decimal import Decimal

from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.accounts.records import actor_of
from core.analytics.periods import add_months
from core.funds import (
    allocate,
    allocate_by_tier,
    approve_claim,
    approve_request,
    ask_claim_proof,
    ask_request_info,
    create_program,
    record_payment,
    reject_claim,
    reject_request,
    submit_claim,
    submit_request,
    withdraw_request,
)
from core.funds.deadlines import run_deadlines
from core.funds.programs import accrue_coop
from db.models import (
    DealRegistration,
    FundAllocation,
    FundRequest,
    Lead,
    Partner,
    Tier,
    User,
)

SEED = 1818
D = Decimal


def proof_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF: an invoice or an attendee list, as partners send them."""
    out = io.BytesIO()
    page = Canvas(out, pageCompression=0)
    page.setTitle(title)
    page.drawString(72, 770, title)
    for i, line in enumerate(lines):
        page.drawString(72, 740 - 16 * i, line)
    page.showPage()
    page.save()
    return out.getvalue()


def seed_funds(db: Session, *, now: datetime) -> dict[str, int]:
    rng = random.Random(SEED)
    users = {u.username: actor_of(u) for u in db.scalars(select(User).where(
        User.username.in_(["marketing", "finance"]) | User.username.like("p%.admin")))}
    marketing = users["marketing"]
    db.execute(update(Tier).where(Tier.name == "Registered").values(mdf_eligible=True))
    tiers = dict(db.execute(select(Tier.name, Tier.id)).all())
    this_month = now.date().replace(day=1)
    begun = now - timedelta(days=200)
    mdf = create_program(db, marketing, {
        "name": "Demand generation MDF", "kind": "mdf", "period": "year",
        "starts_on": add_months(this_month, -6), "budget": "400000",
        "eligible_tier_ids": [tiers["Silver"], tiers["Gold"], tiers["Platinum"]],
        "activity_types": ["event", "webinar", "digital_ads", "content_syndication",
                           "trade_show", "training"],
        "reimbursement_percent": "50", "lead_time_days": 14, "claim_days": 45,
        "tier_amounts": {tiers["Silver"]: "5000", tiers["Gold"]: "10000",
                         tiers["Platinum"]: "25000"}}, now=begun)
    coop = create_program(db, marketing, {
        "name": "Co-op funds", "kind": "coop", "period": "year",
        "starts_on": add_months(this_month, -4), "budget": "400000",
        "activity_types": ["event", "webinar", "digital_ads", "content_syndication", "other"],
        "reimbursement_percent": "75", "accrual_percent": "3", "lead_time_days": 0,
        "claim_days": 60, "carry_over": True}, now=begun)
    allocate_by_tier(db, marketing, mdf.id, now=begun + timedelta(days=1))
    accrue_coop(db, now=now - timedelta(days=120))
    p01 = _partner_id(db, "p01.admin")
    allocate(db, marketing, coop.id, p01, D("5000"), "Welcome co-op credit",
             now=now - timedelta(days=110))
    accrue_coop(db, now=now - timedelta(days=2))
    stories = _stories(db, rng, users, mdf.id, coop.id, now)
    run_deadlines(db, now=now)  # the hourly job: lapses the commitment left unclaimed
    _attribute(db, rng, stories)
    return {"programs": 2, "requests": len(stories)}


def _partner_id(db: Session, username: str) -> int:
    return db.scalar(select(User.partner_id).where(User.username == username))


def _holders(db: Session, program_id: int) -> list[str]:
    """The partner admins holding an allocation in the program, by partner."""
    return list(db.scalars(select(User.username).join(
        FundAllocation, FundAllocation.partner_id == User.partner_id).join(
        Partner, Partner.id == User.partner_id).where(
        FundAllocation.program_id == program_id, User.username.like("p%.admin"),
        Partner.status == "active").order_by(User.partner_id)))


# (program, what happens): each a request at a past moment and what followed it.
PLAN = ("paid", "paid", "paid_part", "claim_rejected", "proof_asked", "claim_waiting",
        "claim_approved", "approved_unclaimed", "lapsed", "rejected", "withdrawn", "info",
        "waiting", "waiting")
COOP_PLAN = ("paid", "claim_waiting", "proof_asked", "claim_approved", "claim_rejected",
             "approved_unclaimed", "lapsed", "rejected", "withdrawn", "info")
ACTIVITIES = {"event": "Customer roundtable", "webinar": "Webinar series",
              "digital_ads": "Search campaign", "content_syndication": "E-book syndication",
              "trade_show": "Regional trade show booth", "training": "Hands-on workshop"}


def _stories(db: Session, rng: random.Random, users: dict, mdf_id: int, coop_id: int,
             now: datetime) -> list[int]:
    holders = _holders(db, mdf_id)
    done = []
    for i, fate in enumerate(PLAN):
        username = holders[i % len(holders)]
        done.append(_story(db, rng, users, users[username], mdf_id, fate, i, now))
    p01 = users["p01.admin"]
    done.append(_story(db, rng, users, p01, coop_id, "paid", len(PLAN) + 5, now))
    done.append(_story(db, rng, users, p01, coop_id, "waiting", len(PLAN) + 6, now))
    # Co-op in every status too, at other partners (each given a start by marketing).
    others = [u for u in _holders(db, coop_id) if u != "p01.admin"][:len(COOP_PLAN)]
    for i, (username, fate) in enumerate(zip(others, COOP_PLAN, strict=False)):
        partner = users[username]
        allocate(db, users["marketing"], coop_id, partner.partner_id, D("5000"),
                 "Co-op kickstart", now=now - timedelta(days=125))
        done.append(_story(db, rng, users, partner, coop_id, fate, i, now))
    return done


def _story(db: Session, rng: random.Random, users: dict, partner, program_id: int, fate: str,
           i: int, now: datetime) -> int:
    marketing, finance = users["marketing"], users["finance"]
    kind = rng.choice(list(ACTIVITIES)[:4])  # types both programs fund
    amount = D(rng.randrange(1_500, 4_500, 250))
    if fate in ("waiting", "info", "withdrawn", "rejected", "approved_unclaimed"):
        asked, start = now - timedelta(days=rng.randint(1, 6)), None
        start = (asked + timedelta(days=20 + i)).date()
    elif fate == "lapsed":
        asked = now - timedelta(days=150)
        start = (asked + timedelta(days=20)).date()
    else:
        asked = now - timedelta(days=120 - 3 * (i % len(PLAN)))
        start = (asked + timedelta(days=16)).date()
    end = start + timedelta(days=rng.choice((0, 1, 2)))
    request = submit_request(db, partner, {
        "program_id": program_id, "activity_type": kind,
        "name": f"{ACTIVITIES[kind]} {i % len(PLAN) + 1}",
        "starts_on": start, "ends_on": end, "description": "Joint campaign with the vendor's "
        "messaging; target accounts from our territory.", "requested_amount": amount,
        "expected_leads": rng.randint(10, 80),
        "expected_pipeline": str(rng.randrange(50_000, 400_000, 5_000))}, now=asked)
    decided = asked + timedelta(days=2)
    if fate == "waiting":
        return request.id
    if fate == "withdrawn":
        withdraw_request(db, partner, request.id, now=decided)
        return request.id
    if fate == "info":
        ask_request_info(db, marketing, request.id, "Which accounts are invited, and who "
                         "speaks?", now=decided)
        return request.id
    if fate == "rejected":
        reject_request(db, marketing, request.id, "Outside this quarter's focus products.",
                       now=decided)
        return request.id
    part = amount if rng.random() < 0.6 else (amount * D("0.8")).quantize(D("0.01"))
    approve_request(db, marketing, request.id, part, "" if part == amount else
                    "Approved for the main event; travel is not covered.", now=decided)
    if fate in ("approved_unclaimed", "lapsed"):
        return request.id
    claimed_at = datetime.combine(end + timedelta(days=5), now.timetz())
    spend = (part * 2 + D(rng.randrange(0, 900, 50))).quantize(D("0.01"))
    proof = [(f"invoice-{request.id}.pdf", proof_pdf(
        f"Invoice for {request.name}", [f"Activity #{request.id}, {start:%Y-%m-%d}",
                                        f"Total {spend}"]))]
    if rng.random() < 0.5:
        proof.append((f"attendees-{request.id}.csv",
                      b"name,company,email\n" + "".join(
                          f"Guest {n},Company {n},guest{n}@example.com\n"
                          for n in range(rng.randint(5, 30))).encode()))
    submit_claim(db, partner, request.id, {
        "actual_spend": spend, "claimed_amount": part, "leads": rng.randint(5, 60),
        "attendees": rng.randint(10, 120), "opportunities": rng.randint(0, 8),
        "note": "Invoices and the attendee list attached."}, proof, now=claimed_at)
    reviewed = claimed_at + timedelta(days=3)
    if fate == "claim_waiting":
        return request.id
    if fate == "proof_asked":
        ask_claim_proof(db, finance, request.id, "Please add the venue's invoice.",
                        now=reviewed)
        return request.id
    if fate == "claim_rejected":
        reject_claim(db, finance, request.id, "The invoices are for another activity.",
                     now=reviewed)
        return request.id
    approved = part if fate != "paid_part" else (part * D("0.9")).quantize(D("0.01"))
    approve_claim(db, finance, request.id, approved, "" if approved == part else
                  "One invoice is outside the activity's dates.", now=reviewed)
    if fate == "claim_approved":
        return request.id
    paid_on = reviewed.date() + timedelta(days=7)
    record_payment(db, finance, request.id, {
        "paid_on": paid_on, "reference": f"PAY-{paid_on:%Y%m}-{request.id:04d}",
        "amount": approved}, now=reviewed + timedelta(days=7))
    return request.id


def _attribute(db: Session, rng: random.Random, request_ids: list[int]) -> None:
    """Some of each funded partner's deals and leads came from its activities."""
    funded = db.execute(select(FundRequest.id, FundRequest.partner_id).where(
        FundRequest.id.in_(request_ids), FundRequest.status.in_(["approved", "claimed"]))).all()
    for request_id, partner_id in funded:
        deals = list(db.scalars(select(DealRegistration.id).where(
            DealRegistration.partner_id == partner_id,
            DealRegistration.fund_request_id.is_(None)).order_by(DealRegistration.id)
            .limit(rng.randint(1, 3))))
        if deals:
            db.execute(update(DealRegistration).where(DealRegistration.id.in_(deals))
                       .values(fund_request_id=request_id))
        leads = list(db.scalars(select(Lead.id).where(Lead.partner_id == partner_id,
                                                      Lead.fund_request_id.is_(None))
                              .order_by(Lead.id).limit(rng.randint(0, 4))))
        if leads:
            db.execute(update(Lead).where(Lead.id.in_(leads)).values(fund_request_id=request_id))
    db.flush()

