"""Earned tiers end to end: a manager filters the directory to Gold partners in EMEA, opens
one partner's 360 and confirms the promotion the evaluation proposed."""

import re
from datetime import timedelta
from decimal import Decimal

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from core.actor import Actor
from core.tiers import run_evaluation
from db.models import DealRegistration, EndCustomer, Partner, Tier, User
from db.session import make_engine, unit_of_work
from db.types import utcnow
from tests.e2e.helpers import choose, go, open_first_row, sign_in_as, wait_idle


def _a_gold_emea_partner_wins_platinum_revenue(database_url: str) -> tuple[str, int]:
    """Arrange: a Gold partner in EMEA closes $1.6M this year; the nightly evaluation runs."""
    engine = make_engine(database_url)
    now = utcnow()
    with unit_of_work(engine) as db:
        gold = [p for p in db.scalars(select(Partner).join(Tier).where(Tier.name == "Gold")
                                      .order_by(Partner.name)) if "EMEA" in p.regions]
        partner = gold[0]
        owner = db.scalar(select(func.min(User.id)).where(User.partner_id == partner.id))
        customer = EndCustomer(name="Initech AG", normalized_name="initech", country="DE",
                               domain="initech.example")
        db.add(customer)
        db.flush()
        db.add(DealRegistration(
            partner_id=partner.id, registered_by_user_id=owner, owner_user_id=owner,
            end_customer_id=customer.id, customer_name="Initech AG", customer_key="initech",
            customer_country="DE", contact_name="Eva Buyer", contact_email="eva@initech.example",
            estimated_value=Decimal("1600000"), final_amount=Decimal("1600000"),
            expected_close_date=(now - timedelta(days=20)).date(),
            closed_on=(now - timedelta(days=20)).date(), stage="commit", status="won",
            submitted_at=now - timedelta(days=90)))
        run_evaluation(db, Actor.system("tier-evaluation"), now=now)
        name = partner.name
    engine.dispose()
    return name, len(gold)


def test_a_manager_confirms_a_promotion_from_the_directory(browser, app_server):
    name, gold_in_emea = _a_gold_emea_partner_wins_platinum_revenue(app_server.database_url)
    context = browser.new_context(base_url=app_server.url, viewport={"width": 1400, "height": 1100})
    context.set_default_timeout(20_000)
    page: Page = context.new_page()
    sign_in_as(page, "channel")

    go(page, "Partners")
    choose(page, "Tier", "Gold")
    choose(page, "Region", "EMEA")
    expect(page.get_by_text(f"{gold_in_emea} partners match")).to_be_visible()
    open_first_row(page, "Search", name)
    expect(page.get_by_role("heading", name=name)).to_be_visible()

    page.get_by_role("tab", name="Tier").click()
    expect(page.get_by_text("Proposed promotion: Gold → Platinum")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Meets Platinum: won \$[\d,]+\.\d\d, "
                                       r"\$1,500,000\.00 needed"))).to_be_visible()
    page.get_by_role("button", name="Confirm promotion to Platinum").click()
    wait_idle(page)
    expect(page.get_by_text(f"{name} is now Platinum; the partner is notified.")).to_be_visible()
    expect(page.get_by_test_id("stMetricValue").filter(has_text="Platinum")).to_be_visible()

    # The partner's admin is told, and sees the new tier on "Our tier".
    engine = make_engine(app_server.database_url)
    with unit_of_work(engine) as db:
        admin = db.scalar(select(User.username).join(Partner, Partner.id == User.partner_id)
                          .where(Partner.name == name, User.role == "partner_admin"))
    engine.dispose()
    partner_page = browser.new_context(base_url=app_server.url).new_page()
    sign_in_as(partner_page, admin)
    go(partner_page, "Our tier")
    expect(partner_page.get_by_text("Platinum").first).to_be_visible()
    go(partner_page, "Notifications")
    expect(partner_page.get_by_text("Platinum").first).to_be_visible()
