"""The Integrations page through AppTest (issue #20): the admin adds a webhook receiver (a
wrong URL refused beside its field, what was typed kept), sees its signing secret and pauses
it; the delivery log lists what waits."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.crm.outbox import emit
from db.models import ApiKey, WebhookDelivery, WebhookSubscription
from db.session import unit_of_work
from tests.conftest import NOW
from tests.pages import button, open_page, texts, use_database, widget


def test_the_admin_adds_a_receiver_and_reads_its_log(seeded, database_url):
    use_database(database_url)
    at = open_page("pages/integrations.py", "admin")
    widget(at.text_input, "Name *").set_value("Salesforce sync")
    widget(at.text_input, "URL *").set_value("crm.example.com/hooks")
    button(at, "Add the receiver").click()
    at.run()
    assert "address, e.g. https" in texts(at)  # (the message is escaped for Markdown)
    assert widget(at.text_input, "Name *").value == "Salesforce sync"
    with Session(seeded) as db:
        assert db.scalar(select(WebhookSubscription.id)) is None
    widget(at.text_input, "URL *").set_value("https://crm.example.com/hooks")
    button(at, "Add the receiver").click()
    at.run()
    assert "Added Salesforce sync." in texts(at)
    with Session(seeded) as db:
        secret = db.scalar(select(WebhookSubscription.secret))
    assert secret.startswith("whsec_") and secret in [c.value for c in at.code]
    with unit_of_work(seeded) as db:
        emit(db, "deal.won", "deal:1", None, {"deal_id": 1}, NOW)
    at.run()
    assert "1 pending" in texts(at)
    button(at, "Pause").click()
    at.run()
    assert "Paused Salesforce sync." in texts(at)
    with Session(seeded) as db:
        assert db.scalar(select(WebhookDelivery.status)) == "pending"


def test_the_admin_creates_a_key_sees_it_once_and_revokes_it(seeded, database_url):
    from core.crm.keys import Unauthenticated, authenticate

    use_database(database_url)
    at = open_page("pages/integrations.py", "admin")
    widget(at.text_input, "Integration name *").set_value("HubSpot")
    button(at, "Create the key").click()
    at.run()
    assert "Choose at least one scope." in texts(at)
    widget(at.multiselect, "Scopes *").select("partners:read")
    button(at, "Create the key").click()
    at.run()
    assert "Copy it now: it is not shown again." in texts(at)
    [secret] = [c.value for c in at.code if c.value.startswith("prm_")]
    with Session(seeded) as db:
        assert authenticate(db, secret, "partners:read").actor.label == "api:HubSpot"
    at = open_page("pages/integrations.py", "admin")
    assert secret not in [c.value for c in at.code]  # shown once
    with Session(seeded) as db:
        key_id = db.scalar(select(ApiKey.id))
    widget(at.selectbox, "Key to revoke").set_value(key_id)
    at.run()
    button(at, "Revoke").click()
    at.run()
    assert "Key revoked" in texts(at)
    with Session(seeded) as db, pytest.raises(Unauthenticated):
        authenticate(db, secret, "partners:read")
