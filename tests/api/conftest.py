"""The API's fixtures: a test client on a fresh seeded database, and keys made as the admin."""

import pytest
from fastapi.testclient import TestClient

from api import app as api_app
from core.crm.keys import create_key
from db.session import unit_of_work
from tests.conftest import actor_for
from tests.pages import use_database


@pytest.fixture
def client(seeded, database_url):
    """The API on a fresh seeded database, where p02 and p03 registered a deal each."""
    from core.deals import register_deal
    from tests.deals.test_deals import form

    with unit_of_work(seeded) as db:
        for username, company in (("p02.admin", "Api Two GmbH"), ("p03.admin", "Api Three")):
            register_deal(db, actor_for(db, username), form(db, company=company))
    use_database(database_url)
    api_app.engine_for.cache_clear()
    with TestClient(api_app.app) as c:
        yield c
    api_app.engine_for.cache_clear()


@pytest.fixture
def keys(seeded):
    def make(scopes, partner=None):
        with unit_of_work(seeded) as db:
            partner_id = actor_for(db, partner).partner_id if partner else None
            new = create_key(db, actor_for(db, "admin"), {
                "name": f"test {scopes[0]}", "scopes": scopes, "partner_id": partner_id})
        return new.secret, partner_id, new.key.id
    return make


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


