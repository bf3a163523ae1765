"""Webhooks out, against a real HTTP receiver: events written with the change they tell of,
signed so the receiver can verify them; a receiver down for an hour gets every event once when
it is back, in order per record; a slow receiver holds no write of the app; subscriptions
scoped to a partner or to event types; the log and a replay; only the admin keeps them."""

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.crm.outbox import emit
from core.crm.signing import HEADER, verify
from core.crm.subscriptions import (
    create_subscription,
    delivery_log,
    list_subscriptions,
    replay,
)
from core.errors import PermissionDenied
from core.home import waiting
from core.jobs import run_now
from db.models import WebhookDelivery
from db.session import unit_of_work
from tests.conftest import NOW, actor_for
from tests.crm.receiver import Receiver

pytestmark = pytest.mark.usefixtures("backend")


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    if found.gate is not None:
        found.gate.set()
    found.close()


def subscribe(engine, url: str, **data) -> tuple[int, str]:
    with unit_of_work(engine) as db:
        out = create_subscription(db, actor_for(db, "admin"),
                                  {"name": "CRM", "url": url, **data}, now=NOW)
        return out.id, out.secret


def deliver(engine, at):
    with Session(engine) as db:
        admin = actor_for(db, "admin")
    return run_now(engine, admin, "webhooks", now=at)


def events_of(receiver) -> list[tuple[str, str, str]]:
    """(type, record's id, idempotency key) of what the receiver got, in order."""
    out = []
    for headers, body in receiver.requests:
        payload = json.loads(body)
        data = payload["data"]
        out.append((payload["type"], str(data.get("deal_id") or data.get("n")),
                    headers["x-prm-delivery"]))
    return out


def test_a_registered_and_approved_deal_arrives_signed_in_order(seeded, receiver):
    from core.deals import approve_deal, register_deal
    from tests.deals.test_deals import form

    _, secret = subscribe(seeded, receiver.url)
    with unit_of_work(seeded) as db:
        deal = register_deal(db, actor_for(db, "p02.admin"), form(db, company="Webhook AG"),
                             now=NOW)
        if deal.status != "approved":
            approve_deal(db, actor_for(db, "channel"), deal.id, now=NOW)
    result = deliver(seeded, NOW + timedelta(seconds=5))
    assert result.outcome == "ok" and "delivered" in result.message
    assert [t for t, _, _ in events_of(receiver)][-1] == "deal.approved"
    assert [t for t, _, _ in events_of(receiver)][0] == "deal.registered"
    for headers, body in receiver.requests:
        stamp = int(headers["x-prm-timestamp"])
        assert verify(secret, headers[HEADER.lower()], body, now=stamp)
        assert not verify(secret, headers[HEADER.lower()], body + b" ", now=stamp)  # tampered
        assert not verify("whsec_other", headers[HEADER.lower()], body, now=stamp)
        assert not verify(secret, headers[HEADER.lower()], body, now=stamp + 3600)  # replayed late
        assert json.loads(body)["id"] == headers["x-prm-delivery"]
    assert deliver(seeded, NOW + timedelta(minutes=1)).message == "nothing due"


def test_a_receiver_down_for_an_hour_gets_every_event_once_in_order(seeded, receiver):
    sub, _ = subscribe(seeded, receiver.url)
    with unit_of_work(seeded) as db:
        for n, record in ((1, "deal:1"), (2, "deal:1"), (3, "deal:2"), (4, "deal:1")):
            emit(db, "deal.won", record, None, {"deal_id": record[5:], "n": n},
                 NOW + timedelta(seconds=n))
    receiver.down = True
    for minutes in range(0, 60, 7):
        deliver(seeded, NOW + timedelta(minutes=minutes, seconds=10))
    assert receiver.requests == []
    with Session(seeded) as db:
        log = delivery_log(db, actor_for(db, "admin"), subscription_id=sub)
        assert {r.status for r in log} == {"pending"}
        assert max(r.attempts for r in log) >= 5 and all(r.last_status in (503, None)
                                                         for r in log)
        # The admin's Home says so (what was refused, since when); the channel team's not.
        refusing = [w for w in waiting(db, actor_for(db, "admin"), now=NOW)
                    if w.route == "integrations"]
        assert [(w.label, w.count) for w in refusing] == [
            ("Webhook deliveries waiting on a receiver that refuses them", 4)]
        assert not [w for w in waiting(db, actor_for(db, "channel"), now=NOW)
                    if w.route == "integrations"]
    receiver.down = False
    deliver(seeded, NOW + timedelta(minutes=75))
    got = [json.loads(body)["data"]["n"] for _, body in receiver.requests]
    assert sorted(got) == [1, 2, 3, 4]  # each once
    deal_1 = [n for n in got if n != 3]
    assert deal_1 == [1, 2, 4]  # in order for its record
    assert len({h["x-prm-delivery"] for h, _ in receiver.requests}) == 4
    deliver(seeded, NOW + timedelta(minutes=90))
    assert len(receiver.requests) == 4
    with Session(seeded) as db:
        assert set(db.scalars(select(WebhookDelivery.status))) == {"delivered"}


def test_a_slow_receiver_holds_no_write_of_the_app(seeded, receiver):
    subscribe(seeded, receiver.url)
    with unit_of_work(seeded) as db:
        emit(db, "deal.won", "deal:9", None, {"deal_id": 9}, NOW)
    receiver.gate = threading.Event()
    job = threading.Thread(target=deliver, args=(seeded, NOW + timedelta(seconds=5)))
    job.start()
    assert receiver.arrived.wait(timeout=30)  # the job is waiting for the receiver now
    # A write while the receiver holds the request: on SQLite it would find the database
    # locked if the job held its write transaction open.
    with unit_of_work(seeded, immediate=True) as db:
        create_subscription(db, actor_for(db, "admin"),
                            {"name": "Second", "url": "https://crm.example.com/h"}, now=NOW)
    receiver.gate.set()
    job.join(timeout=60)
    assert len(receiver.requests) == 1


def test_scoped_subscriptions_the_log_and_a_replay(seeded, receiver):
    with Session(seeded) as db:
        p02 = actor_for(db, "p02.admin").partner_id
        p03 = actor_for(db, "p03.admin").partner_id
    partner_sub, _ = subscribe(seeded, receiver.url, partner_id=p02)
    subscribe(seeded, receiver.url, event_types=["claim.paid"])
    with unit_of_work(seeded) as db:
        emit(db, "deal.won", "deal:1", p02, {"deal_id": 1}, NOW)
        emit(db, "deal.won", "deal:2", p03, {"deal_id": 2}, NOW)
    deliver(seeded, NOW + timedelta(seconds=5))
    assert [d for _, d, _ in events_of(receiver)] == ["1"]  # p02's, to its subscription only
    with unit_of_work(seeded) as db:
        admin = actor_for(db, "admin")
        [row] = delivery_log(db, admin, subscription_id=partner_sub)
        assert (row.status, row.attempts, row.last_status) == ("delivered", 1, 200)
        assert replay(db, admin, row.id, now=NOW).status == "pending"
    deliver(seeded, NOW + timedelta(minutes=1))
    keys = [k for _, _, k in events_of(receiver)]
    assert len(keys) == 2 and keys[0] == keys[1]  # the same event, the same key
    with Session(seeded) as db:
        for username in ("channel", "finance", "p02.admin"):
            with pytest.raises(PermissionDenied):
                list_subscriptions(db, actor_for(db, username))


def test_a_bad_url_is_refused_beside_its_field(seeded):
    from pydantic import ValidationError

    with Session(seeded) as db:
        with pytest.raises(ValidationError, match="http:// or https://"):
            create_subscription(db, actor_for(db, "admin"), {"name": "x", "url": "ftp://a"})
        with pytest.raises(ValidationError, match="Unknown event"):
            create_subscription(db, actor_for(db, "admin"),
                                {"name": "x", "url": "https://a.example", "event_types": ["x"]})
