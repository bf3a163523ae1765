"""The REST API through its HTTP interface (FastAPI's TestClient): JSON errors with the right
status for a missing, wrong, revoked or under-scoped key; a partner-limited key sees nothing
of another partner; cursor pagination and updated_since; 422 for bad input, 413 for a big
body, 429 with Retry-After past the rate limit; every call audited as the integration."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import app as api_app
from core.crm.keys import revoke_key
from db.models import AuditEvent, Partner
from db.session import unit_of_work
from db.types import utcnow
from tests.api.conftest import auth
from tests.conftest import actor_for

pytestmark = pytest.mark.usefixtures("backend")


def test_keys_scopes_and_revocation_answer_in_json(client, keys, seeded):
    r = client.get("/v1/partners")
    assert r.status_code == 401 and "Bearer" in r.json()["error"]
    assert client.get("/v1/partners", headers=auth("prm_nope")).status_code == 401
    secret, _, key_id = keys(["deals:read"])
    r = client.get("/v1/partners", headers=auth(secret))
    assert r.status_code == 403 and "partners:read" in r.json()["error"]
    assert client.get("/v1/deals", headers=auth(secret)).status_code == 200
    with unit_of_work(seeded) as db:
        revoke_key(db, actor_for(db, "admin"), key_id)
    assert client.get("/v1/deals", headers=auth(secret)).status_code == 401


def test_a_partner_limited_key_sees_nothing_of_another_partner(client, keys):
    secret, p02, _ = keys(["partners:read", "deals:read"], partner="p02.admin")
    partners = client.get("/v1/partners", headers=auth(secret)).json()["items"]
    assert [p["id"] for p in partners] == [p02]
    deals = client.get("/v1/deals", headers=auth(secret), params={"limit": 500}).json()
    assert deals["items"] and {d["partner_id"] for d in deals["items"]} == {p02}
    assert all("notes" not in d for d in deals["items"])
    assert all(re.fullmatch(r"\d+\.\d\d", d["estimated_value"]) for d in deals["items"])


def test_cursor_pages_and_updated_since(client, keys, seeded):
    secret, _, _ = keys(["partners:read"])
    seen, cursor = [], None
    while True:
        params = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/partners", headers=auth(secret), params=params).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    with Session(seeded) as db:
        assert seen == sorted(db.scalars(select(Partner.id)))
    future = (utcnow() + timedelta(days=1)).replace(tzinfo=None).isoformat()
    r = client.get("/v1/partners", headers=auth(secret), params={"updated_since": future})
    assert r.json() == {"items": [], "next_cursor": None}


def test_bad_input_big_bodies_and_the_rate_limit(client, keys, monkeypatch, seeded):
    secret, _, _ = keys(["partners:read"])
    r = client.get("/v1/partners", headers=auth(secret), params={"limit": 0})
    assert r.status_code == 422 and r.json()["field"] == "limit"
    r = client.get("/v1/partners", headers=auth(secret), params={"cursor": "x"})
    assert r.status_code == 422 and r.json()["field"] == "cursor"
    r = client.get("/v1/partners", headers=auth(secret), params={"updated_since": "soon"})
    assert r.status_code == 422 and r.json()["field"] == "updated_since"
    r = client.get("/v1/partners", headers=auth(secret) | {"Content-Length": "2000000"})
    assert r.status_code == 413
    secret, _, _ = keys(["partners:read"])  # a fresh key: every call above counted
    monkeypatch.setattr(api_app, "PER_MINUTE", 3)
    codes = [client.get("/v1/partners", headers=auth(secret)).status_code for _ in range(5)]
    assert codes[-1] == 429 and codes.count(200) <= 3
    last = client.get("/v1/partners", headers=auth(secret))
    assert last.status_code == 429 and int(last.headers["Retry-After"]) >= 1
    with Session(seeded) as db:
        calls = db.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "api.call"))
    assert calls == 3  # the three answered; a refused call writes nothing


def test_a_big_body_sent_in_chunks_is_refused_too(client, keys):
    secret, _, _ = keys(["direct_opportunities:write"])

    def chunks():  # no Content-Length: the body arrives in parts
        for _ in range(30):
            yield b" " * 50_000
    r = client.post("/v1/direct-opportunities", headers=auth(secret) | {
        "Content-Type": "application/json"}, content=chunks())
    assert r.status_code == 413 and r.json()["error"] == "The request body is over 1 MB."
    small = client.post("/v1/direct-opportunities", headers=auth(secret) | {
        "Content-Type": "application/json"}, content=iter([b'{"items": ', b"[]}"]))
    assert small.status_code == 422 and small.json()["field"] == "items"


def test_calls_refused_for_their_scope_count_against_the_rate_limit(client, keys,
                                                                    monkeypatch):
    secret, _, _ = keys(["deals:read"])
    monkeypatch.setattr(api_app, "PER_MINUTE", 3)
    codes = [client.get("/v1/partners", headers=auth(secret)).status_code for _ in range(4)]
    assert codes == [403, 403, 403, 429]
    assert client.get("/v1/deals", headers=auth(secret)).status_code == 429


def test_direct_opportunities_upsert_by_external_id_and_meet_registrations(client, keys,
                                                                          seeded):
    from core.deals import register_deal
    from tests.deals.test_deals import form

    with unit_of_work(seeded) as db:
        deal = register_deal(db, actor_for(db, "p04.admin"), form(
            db, company="Northwind Traders", website="https://northwind-traders.example"))
    secret, _, _ = keys(["direct_opportunities:write"])
    row = {"external_id": "0061x00000AbCdEAAZ", "account_name": "Northwind Traders Inc.",
           "website": "northwind-traders.example", "country": "United States",
           "name": "Northwind renewal", "amount": "125000.00", "close_date": "2026-12-31"}
    r = client.post("/v1/direct-opportunities", headers=auth(secret), json={"items": [row]})
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["created"], out["updated"], out["unchanged"]) == (1, 0, 0)
    assert deal.id in out["sent_to_desk"] + out["protected_matches"]
    again = client.post("/v1/direct-opportunities", headers=auth(secret),
                        json={"items": [row]}).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)
    changed = client.post("/v1/direct-opportunities", headers=auth(secret),
                          json={"items": [row | {"amount": "130000"}]}).json()
    assert changed["updated"] == 1
    bad = client.post("/v1/direct-opportunities", headers=auth(secret), json={"items": [
        row | {"external_id": "new-1"}, row | {"external_id": "new-2", "country": "Atlantis"}]})
    assert bad.status_code == 422 and bad.json()["field"] == "items.1.country"
    from db.models import DirectOpportunity
    with Session(seeded) as db:  # all or none: the good first row was not written either
        assert db.scalar(select(func.count()).select_from(DirectOpportunity)) == 1
    limited, _, _ = keys(["direct_opportunities:write"], partner="p02.admin")
    assert client.post("/v1/direct-opportunities", headers=auth(limited),
                       json={"items": [row]}).status_code == 403
