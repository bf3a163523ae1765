"""The API's writes and the fund claims feed: leads created (one or many, all or none, a
repeat found again, the new ones routed), deal registrations from a partner's own CRM as one
of its reps, fund claims read within the key's partner; a call refused with a live key is
audited."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import AuditEvent, DealRegistration, FundClaim, Lead, ProductLine, User
from db.types import utcnow
from tests.api.conftest import auth

pytestmark = pytest.mark.usefixtures("backend")


def lead(n: int, **over) -> dict:
    return {"company": f"Api Lead Co {n}", "website": f"api-lead-{n}.example",
            "first_name": "Ada", "last_name": f"Lee{n}", "email": f"ada{n}@api-lead-{n}.example",
            "country": "Germany", "source": "CRM", "source_id": f"00Q5g00000Lead{n:04d}"} | over


def count(seeded, model, *where) -> int:
    with Session(seeded) as db:
        return db.scalar(select(func.count()).select_from(model).where(*where))


def test_leads_are_created_once_and_routed(client, keys, seeded):
    secret, _, _ = keys(["leads:write"])
    before = count(seeded, Lead)
    body = {"items": [lead(1), lead(2), lead(3, source_id="", email=lead(1)["email"])]}
    r = client.post("/v1/leads", headers=auth(secret), json=body)
    assert r.status_code == 201, r.text
    out = r.json()
    assert (out["created"], out["duplicates"]) == (2, 1)
    first, second, repeat = out["items"]
    assert repeat == first | {"created": False}  # the same person: the lead kept, not a new one
    assert count(seeded, Lead) == before + 2
    routed = [i for i in (first, second) if i["partner_id"] is not None]
    assert out["routed"] == len(routed) and all(i["status"] == "offered" for i in routed)
    again = client.post("/v1/leads", headers=auth(secret), json=body).json()
    assert (again["created"], again["duplicates"]) == (0, 3)
    assert [i["lead_id"] for i in again["items"]] == [i["lead_id"] for i in out["items"]]


def test_a_bad_lead_refuses_the_whole_call(client, keys, seeded):
    secret, _, _ = keys(["leads:write"])
    before = count(seeded, Lead)
    r = client.post("/v1/leads", headers=auth(secret),
                    json={"items": [lead(7), lead(8, country="Atlantis")]})
    assert r.status_code == 422 and r.json()["field"] == "items.1.country"
    r = client.post("/v1/leads", headers=auth(secret), json={"items": []})
    assert r.status_code == 422 and r.json()["field"] == "items"
    # Found by schemathesis: a control character in the product line was no answer at all.
    r = client.post("/v1/leads", headers=auth(secret),
                    json={"items": [lead(9, product_line="\u001b")]})
    assert r.status_code == 422 and r.json()["field"] == "items.0.product_line"
    assert count(seeded, Lead) == before


def test_a_partner_key_cannot_create_leads_and_the_refusal_is_audited(client, keys, seeded):
    secret, partner_id, key_id = keys(["leads:write"], partner="p02.admin")
    r = client.post("/v1/leads", headers=auth(secret), json={"items": [lead(9)]})
    assert r.status_code == 403 and r.json()["error"]
    with Session(seeded) as db:
        refused = db.scalars(select(AuditEvent).where(AuditEvent.action == "api.refused")).all()
    assert [(e.entity_id, e.after["path"]) for e in refused] == [(str(key_id), "/v1/leads")]
    assert count(seeded, Lead, Lead.company == "Api Lead Co 9") == 0


def _rep_and_line(seeded, partner_id: int) -> tuple[str, str]:
    with Session(seeded) as db:
        email = db.scalar(select(User.email).where(User.partner_id == partner_id,
                                                   User.is_active).order_by(User.id))
        line = db.scalar(select(ProductLine.name).where(ProductLine.active)
                         .order_by(ProductLine.id))
    return email, line


def deal_body(email: str, line: str, **over) -> dict:
    close = (utcnow() + timedelta(days=60)).date().isoformat()
    return {"owner_email": email, "company": "Crm Pushed Ltd", "website": "crm-pushed.example",
            "country": "GB", "contact_name": "Kit Buyer", "contact_email": "kit@crm-pushed.example",
            "product_lines": [line], "estimated_value": "48000", "expected_close_date": close,
            "stage": "proposal"} | over


def test_a_partner_crm_registers_deals_as_its_rep(client, keys, seeded):
    secret, p02, _ = keys(["deals:write", "deals:read"], partner="p02.admin")
    email, line = _rep_and_line(seeded, p02)
    r = client.post("/v1/deals", headers=auth(secret), json=deal_body(email.upper(), line))
    assert r.status_code == 201, r.text
    deal_id = r.json()["id"]
    with Session(seeded) as db:
        deal = db.get(DealRegistration, deal_id)
        owner = db.get(User, deal.owner_user_id)
    assert deal.partner_id == p02 and owner.email == email and deal.customer_name == \
        "Crm Pushed Ltd"
    listed = client.get("/v1/deals", headers=auth(secret), params={"limit": 500}).json()
    assert deal_id in [d["id"] for d in listed["items"]]


def test_deal_registrations_refused_with_the_field(client, keys, seeded):
    secret, p02, _ = keys(["deals:write"], partner="p02.admin")
    email, line = _rep_and_line(seeded, p02)
    other, _ = _rep_and_line(seeded, p02 + 1)
    before = count(seeded, DealRegistration)
    for body, field in ((deal_body(other, line), "owner_email"),
                        (deal_body(email, "No Such Line"), "product_lines"),
                        (deal_body(email, line, country="Atlantis"), "country"),
                        (deal_body(email, line, estimated_value="lots"), "estimated_value")):
        r = client.post("/v1/deals", headers=auth(secret), json=body)
        assert (r.status_code, r.json().get("field")) == (422, field), r.text
    vendor, _, _ = keys(["deals:write"])
    r = client.post("/v1/deals", headers=auth(vendor), json=deal_body(email, line))
    assert r.status_code == 403
    assert count(seeded, DealRegistration) == before


def test_fund_claims_are_read_within_the_keys_partner(client, keys, seeded):
    from db.session import unit_of_work
    from tests.funds.helpers import admin_of_tier, allocate_to, claimed, funded, paid_ready

    with unit_of_work(seeded) as db:
        program, gold, _ = funded(db)
        claimed(db, gold, program)
        other = allocate_to(db, program, admin_of_tier(db, "Gold", 1), "5000")
        paid_ready(db, other, program)
        partner_id = gold.partner_id
        username = admin_of_tier(db, "Gold")
    vendor, _, _ = keys(["funds:read"])
    everything = client.get("/v1/fund-claims", headers=auth(vendor),
                            params={"limit": 500}).json()["items"]
    assert len(everything) == count(seeded, FundClaim) == 2
    limited, _, _ = keys(["funds:read"], partner=username)
    own = client.get("/v1/fund-claims", headers=auth(limited),
                     params={"limit": 500}).json()["items"]
    assert [(c["partner_id"], c["status"], c["claimed_amount"]) for c in own] == \
        [(partner_id, "submitted", "2000.00")]
    approved = client.get("/v1/fund-claims", headers=auth(vendor),
                          params={"status": "approved"}).json()["items"]
    assert [(c["partner_id"], c["approved_amount"]) for c in approved] == \
        [(other.partner_id, "2000.00")]
    assert client.get("/v1/fund-claims", headers=auth(limited),
                      params={"status": "approved"}).json()["items"] == []
