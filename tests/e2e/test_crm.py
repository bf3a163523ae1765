"""CRM integration end to end: the admin creates an API key and a webhook receiver on the
Integrations page; the CRM's integration (a test client with that key) upserts a direct
opportunity through the REST API; a partner's rep registers a deal for the same company; the
deal desk sees the conflict with the direct opportunity and approves the deal despite it; the
approval reaches the receiver as a webhook whose signature verifies with the secret the admin
was shown."""

import json
import time
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import app as api_app
from core.crm.signing import verify
from core.jobs import run_now
from core.settings import get_settings
from db.models import DealRegistration, ProductLine
from db.session import make_engine
from tests.conftest import actor_for
from tests.crm.receiver import Receiver
from tests.e2e.helpers import choose, close_list, fresh_page, go, sign_in_as, wait_idle
from tests.e2e.test_deals import open_deal, register

COMPANY, DOMAIN = "Tailspin Avionics", "tailspin-avionics.example"


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def api(app_server, monkeypatch):
    """The REST API in this process, on the app's database."""
    monkeypatch.setenv("PRM_DATABASE_URL", app_server.database_url)
    get_settings.cache_clear()
    api_app.engine_for.cache_clear()
    with TestClient(api_app.app) as client:
        yield client
    api_app.engine_for.cache_clear()
    get_settings.cache_clear()


def test_an_api_opportunity_meets_a_registration_and_the_approval_is_a_signed_webhook(
        browser, app_server, receiver, api):
    admin = fresh_page(browser, app_server)
    sign_in_as(admin, "admin")
    go(admin, "Integrations")
    # A receiver first: events are written to the outbox only while someone wants them.
    admin.get_by_label("Name *", exact=True).fill("E2E CRM receiver")
    admin.get_by_label("URL *", exact=True).fill(receiver.url)
    admin.get_by_role("button", name="Add the receiver").click()
    wait_idle(admin)
    expect(admin.get_by_text("Added E2E CRM receiver.")).to_be_visible()
    admin.get_by_role("button", name="Signing secret").first.click()
    signing_secret = admin.get_by_test_id("stPopoverBody").locator("code").inner_text().strip()
    admin.keyboard.press("Escape")

    new_key = admin.get_by_text("New API key")
    if not admin.get_by_label("Integration name *", exact=True).is_visible():
        new_key.click()
    admin.get_by_label("Integration name *", exact=True).fill("E2E Salesforce sync")
    choose(admin, "Scopes *", "Upsert direct opportunities")
    close_list(admin, "Scopes *", "Upsert direct opportunities")
    admin.get_by_role("button", name="Create the key").click()
    wait_idle(admin)
    expect(admin.get_by_text("Key created for E2E Salesforce sync.")).to_be_visible()
    key = admin.get_by_test_id("stCode").filter(has_text="prm_").first.inner_text().strip()
    assert key.startswith("prm_")

    close = (date.today() + timedelta(days=60)).isoformat()
    r = api.post("/v1/direct-opportunities", headers={"Authorization": f"Bearer {key}"},
                 json={"items": [{"external_id": "0065g00000E2E01AAA",
                                  "account_name": f"{COMPANY} Inc.", "website": DOMAIN,
                                  "country": "United States", "name": "Tailspin cockpit suite",
                                  "amount": "310000", "close_date": close}]})
    assert r.status_code == 200 and r.json()["created"] == 1, r.text

    engine = make_engine(app_server.database_url)
    with Session(engine) as db:
        line = db.scalar(select(ProductLine.name).where(ProductLine.active)
                         .order_by(ProductLine.name))
    register(fresh_page(browser, app_server), "p03.rep1", COMPANY, line, domain=DOMAIN)
    with Session(engine) as db:
        deal = db.scalar(select(DealRegistration).where(DealRegistration.customer_name == COMPANY))
        assert deal.status == "under_review"  # the direct opportunity sent it to the desk

    desk = fresh_page(browser, app_server)
    sign_in_as(desk, "channel")
    go(desk, "Deal desk")
    open_deal(desk, "Search", f"#{deal.id}")
    expect(desk.get_by_text("Possible matches")).to_be_visible()
    expect(desk.get_by_text("Direct opportunity #").first).to_be_visible()
    expect(desk.get_by_text(f"Customer: {COMPANY} Inc.").first).to_be_visible()
    desk.get_by_text("Approve despite the conflict", exact=True).click()  # its label
    desk.get_by_role("button", name="Approve", exact=True).click()
    wait_idle(desk)
    expect(desk.get_by_text(f"#{deal.id} approved").first).to_be_visible()

    # The job runner's webhook delivery (every minute under `make run`), run now.
    with Session(engine) as db:
        result = run_now(engine, actor_for(db, "admin"), "webhooks")
    engine.dispose()
    assert result.outcome == "ok", result.message
    approvals = [(h, b) for h, b in receiver.requests
                 if json.loads(b)["type"] == "deal.approved"]
    assert len(approvals) == 1
    headers, body = approvals[0]
    assert json.loads(body)["data"]["deal_id"] == deal.id
    assert verify(signing_secret, headers["x-prm-signature"], body, int(time.time()))
    assert not verify("not-the-secret", headers["x-prm-signature"], body, int(time.time()))
