"""Domain events: published inside the service's transaction, subscribers found per package."""

from datetime import date

import pytest
from sqlalchemy import func, select

from core import events, packages
from core.deals import register_deal
from core.deals.desk import approve_deal
from core.deals.events import DealRegistered, DealStatusChanged
from core.deals.workflow import mark_won
from core.jobs import registered
from db.models import DealRegistration
from tests.conftest import NOW, actor_for
from tests.deals.test_deals import form


@pytest.fixture
def listener():
    """Subscribe a recorder for the test, and take it away again."""
    added = []

    def listen(event_type, fn=None):
        fn = fn or (lambda db, event: seen.append(event))
        events.subscriber(event_type)(fn)
        added.append((event_type, fn))
        return seen

    seen: list = []
    yield listen
    for event_type, fn in added:
        events.unsubscribe(event_type, fn)


def _deal_input(db):
    return form(db, company="Initech Events", website="initech-events.example",
                contact_email="peter@initech-events.example", estimated_value="25000")


def test_registering_a_deal_tells_subscribers_who_where_and_how_much(seeded_db, listener):
    seen = listener(DealRegistered)
    rep = actor_for(seeded_db, "p01.rep1")
    deal = register_deal(seeded_db, rep, _deal_input(seeded_db), now=NOW)
    [event] = seen
    assert (event.deal_id, event.partner_id, event.actor) == (deal.id, rep.partner_id, rep)
    assert str(event.amount) == "25000.00" and event.at == NOW


def test_every_status_move_is_published_with_from_and_to(seeded_db, listener):
    seen = listener(DealStatusChanged)
    rep = actor_for(seeded_db, "p01.rep1")
    deal = register_deal(seeded_db, rep, _deal_input(seeded_db), now=NOW)
    if deal.status != "approved":
        approve_deal(seeded_db, actor_for(seeded_db, "channel"), deal.id, now=NOW)
    mark_won(seeded_db, rep, deal.id, "31000", closed_on=NOW.date(), now=NOW)
    moves = [(e.from_status, e.to_status, str(e.amount)) for e in seen if e.deal_id == deal.id]
    assert moves[-1] == ("approved", "won", "31000.00")
    assert moves[0][0] == "submitted" and len(moves) == 2


def test_a_failing_subscriber_undoes_the_whole_change(seeded_db, listener):
    def refuse(db, event):
        raise RuntimeError("the subscriber failed")

    listener(DealRegistered, refuse)
    rep = actor_for(seeded_db, "p01.rep1")
    before = seeded_db.scalar(select(func.count()).select_from(DealRegistration))
    with pytest.raises(RuntimeError), seeded_db.begin_nested():
        register_deal(seeded_db, rep, _deal_input(seeded_db), now=NOW)
    assert seeded_db.scalar(select(func.count()).select_from(DealRegistration)) == before


def test_packages_register_their_jobs_and_subscribers_without_a_central_list():
    assert "core.onboarding.subscribers" in packages.load("subscribers")
    assert {"core.deals.jobs", "core.tiers.jobs"} <= set(packages.load("jobs"))
    assert {"deal-protection", "tier-evaluation", "send-mail"} <= {j.name for j in registered()}
    assert events.subscribers(DealRegistered)  # onboarding's "first deal registered"


def test_events_are_frozen_and_name_their_actor_and_time():
    from core.actor import Actor

    event = DealRegistered(actor=Actor.system("t"), at=NOW, deal_id=1, partner_id=2, amount=1)
    with pytest.raises(AttributeError):
        event.deal_id = 3  # type: ignore[misc]
    assert date(2026, 11, 26) == event.at.date()
