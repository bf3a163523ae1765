"""Schemathesis against the API's own OpenAPI document: every operation, with generated
parameters and a valid key; no 500, and every response (errors included) matches the schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from api import app as api_app
from core.crm.keys import SCOPES, create_key
from db.session import unit_of_work
from tests.conftest import actor_for
from tests.pages import use_database

pytestmark = pytest.mark.usefixtures("backend")


# The document is the app's own (no database is needed to read it); the calls reach the
# database the `key` fixture points the app at.
schema = schemathesis.openapi.from_asgi("/openapi.json", api_app.app)


@pytest.fixture
def key(seeded, database_url) -> str:
    use_database(database_url)
    api_app.engine_for.cache_clear()
    with unit_of_work(seeded) as db:
        return create_key(db, actor_for(db, "admin"),
                          {"name": "schemathesis", "scopes": list(SCOPES)}).secret


@schema.parametrize()
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_every_operation_answers_by_its_schema(case, key, monkeypatch):
    monkeypatch.setattr(api_app, "PER_MINUTE", 100_000)
    case.call_and_validate(headers={"Authorization": f"Bearer {key}"})
