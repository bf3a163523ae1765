"""A funded partner on the seeded demo: a program marketing creates, a Gold partner's admin
holding an allocation in it, and requests and claims made through the services."""

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from core.funds import (
    allocate,
    approve_claim,
    approve_request,
    create_program,
    submit_claim,
    submit_request,
)
from db.models import FundAllocation, Partner, Tier, User
from seed.funds import proof_pdf
from tests.conftest import NOW, actor_for

D = Decimal
START = date(2026, 11, 1)  # NOW's month: the programs' periods start here


def admin_of_tier(db, tier: str, skip: int = 0) -> str:
    """The partner admin of an active partner of this tier."""
    return db.scalars(select(User.username).join(Partner, Partner.id == User.partner_id)
                      .join(Tier, Tier.id == Partner.tier_id)
                      .where(Tier.name == tier, Partner.status == "active",
                             User.role == "partner_admin").order_by(Partner.id)).all()[skip]


def tier_ids(db, *names: str) -> list[int]:
    return [db.scalar(select(Tier.id).where(Tier.name == n)) for n in names]


def new_program(db, **terms):
    data = {"name": "Test MDF", "kind": "mdf", "period": "year", "starts_on": START,
            "budget": "100000", "eligible_tier_ids": tier_ids(db, "Silver", "Gold", "Platinum"),
            "activity_types": ["event", "webinar"], "reimbursement_percent": "50",
            "lead_time_days": 14, "claim_days": 30, **terms}
    return create_program(db, actor_for(db, "marketing"), data, now=NOW)


def funded(db, amount: str = "10000", **terms):
    """(program, the Gold partner admin's actor, its allocation id) with `amount` allocated."""
    program = new_program(db, **terms)
    partner = actor_for(db, admin_of_tier(db, "Gold"))
    allocate(db, actor_for(db, "marketing"), program.id, partner.partner_id, D(amount),
             "Test allocation", now=NOW)
    allocation = db.scalar(select(FundAllocation.id).where(
        FundAllocation.program_id == program.id,
        FundAllocation.partner_id == partner.partner_id))
    return program, partner, allocation


def ask(db, partner, program, amount: str = "2000", *, days: int = 20, length: int = 1,
        now=NOW, **fields):
    start = now.date() + timedelta(days=days)
    data = {"program_id": program.id, "activity_type": "event", "name": "Roundtable",
            "starts_on": start, "ends_on": start + timedelta(days=length),
            "requested_amount": amount, **fields}
    return submit_request(db, partner, data, now=now)


def approved(db, partner, program, amount: str = "2000", part: str | None = None):
    request = ask(db, partner, program, amount)
    return approve_request(db, actor_for(db, "marketing"), request.id,
                           D(part) if part else None, now=NOW)


def after(request, days: int = 1):
    """A moment `days` after the request's activity ended."""
    from datetime import datetime, time

    return datetime.combine(request.ends_on + timedelta(days=days), time(12), NOW.tzinfo)


def pdf(name: str = "invoice") -> tuple[str, bytes]:
    return f"{name}.pdf", proof_pdf(f"Invoice {name}", ["Total 4,000.00"])


def claimed(db, partner, program, *, amount: str = "2000", spend: str = "4000",
            claim: str | None = None):
    request = approved(db, partner, program, amount)
    return submit_claim(db, partner, request.id, {
        "actual_spend": spend, "claimed_amount": claim or amount, "leads": 12,
        "attendees": 40, "opportunities": 3}, [pdf()], now=after(request))


def paid_ready(db, partner, program, **kwargs):
    request = claimed(db, partner, program, **kwargs)
    return approve_claim(db, actor_for(db, "finance"), request.id, now=after(request, 3))


def won_deal(db, username: str, n: int, amount: str, *, fund_request_id=None) -> int:
    """A deal the partner's user registers (naming a funded activity, if given), the desk
    approves and the partner wins today for `amount`."""
    from core.deals import approve_deal, mark_won, register_deal
    from tests.deals.test_deals import form

    user = actor_for(db, username)
    data = form(db, company=f"Funded Customer {n}", website=f"funded{n}.example",
                contact_email=f"buyer@funded{n}.example", estimated_value=amount,
                fund_request_id=fund_request_id)
    deal = register_deal(db, user, data, now=NOW - timedelta(days=3))
    if deal.status != "approved":
        approve_deal(db, actor_for(db, "channel"), deal.id, now=NOW - timedelta(days=2))
    mark_won(db, user, deal.id, amount, closed_on=NOW.date(), now=NOW)
    return deal.id


def allocate_to(db, program, username: str, amount: str):
    """Marketing allocates to this partner admin's partner; its actor."""
    partner = actor_for(db, username)
    allocate(db, actor_for(db, "marketing"), program.id, partner.partner_id, D(amount),
             "Test allocation", now=NOW)
    return partner
