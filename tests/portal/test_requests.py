"""Requests to the channel team: the first answer's deadline from the partner's tier (an
injected clock), the turn passing between the sides with a notification each time, files
reached only through the request, the overdue reminder sent once, and a partner that never
sees another's request."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.errors import NotFound, PermissionDenied, ValidationError
from core.portal.requests import (
    get_request,
    list_requests,
    open_request,
    remind_overdue,
    reply,
    request_file,
    resolve,
    waiting_counts,
)
from db.models import Notification, Partner, Tier, User
from seed.funds import proof_pdf
from tests.conftest import NOW, actor_for
from tests.portal.helpers import admin_where

pytestmark = pytest.mark.usefixtures("backend")
PDF = proof_pdf("Quote", ["Please price 200 seats"])


def subjects(db, user_id: int) -> list[str]:
    return list(db.scalars(select(Notification.subject).where(Notification.user_id == user_id)
                           .order_by(Notification.id)))


def manager_of(db, partner_id: int):
    manager_id = db.scalar(select(Partner.channel_manager_id).where(Partner.id == partner_id))
    return actor_for(db, db.scalar(select(User.username).where(User.id == manager_id)))


def test_the_first_answer_is_due_within_the_tiers_hours_and_the_turn_passes(seeded_db):
    db = seeded_db
    gold = admin_where(db, "Gold", emea=True)
    hours = db.scalar(select(Tier.request_response_hours).where(Tier.name == "Gold"))
    asked = open_request(db, gold, {"category": "pricing", "subject": "Volume price",
                                    "body": "What is the price for 200 seats?"},
                         [("quote.pdf", PDF)], now=NOW)
    assert asked.first_response_due_at == NOW + timedelta(hours=hours) and hours == 12
    manager = manager_of(db, gold.partner_id)
    assert subjects(db, manager.user_id)[-1].startswith("New request from ")
    assert waiting_counts(db, manager, now=NOW) == (1, 0)
    late = NOW + timedelta(hours=hours, minutes=1)
    assert waiting_counts(db, manager, now=late) == (1, 1)
    assert list_requests(db, manager, now=late)[0].overdue

    answered = reply(db, manager, asked.id, {"body": "USD 90 a seat."}, now=late)
    assert (answered.status, answered.first_responded_at) == ("waiting_on_partner", late)
    assert subjects(db, gold.user_id)[-1] == "Reply to your request: Volume price"
    back = reply(db, gold, asked.id, {"body": "And for 500?"}, now=late + timedelta(hours=1))
    assert back.status == "open" and not back.overdue  # answered once: no longer overdue
    assert resolve(db, gold, asked.id, now=late + timedelta(hours=2)).status == "resolved"
    thread = get_request(db, gold, asked.id)
    assert [(m.from_vendor, m.body) for m in thread.messages] == [
        (False, "What is the price for 200 seats?"), (True, "USD 90 a seat."),
        (False, "And for 500?")]
    assert request_file(db, manager, thread.messages[0].files[0].id)[1] == PDF


def test_another_partner_never_sees_the_request_or_its_files(seeded_db):
    db = seeded_db
    gold = admin_where(db, "Gold", emea=True)
    other = admin_where(db, "Silver", emea=True)
    asked = open_request(db, gold, {"category": "technical", "subject": "API access",
                                    "body": "How do we connect?"}, [("spec.pdf", PDF)],
                         now=NOW)
    file_id = get_request(db, gold, asked.id).messages[0].files[0].id
    assert list_requests(db, other) == []
    for call in (lambda: get_request(db, other, asked.id),
                 lambda: request_file(db, other, file_id),
                 lambda: reply(db, other, asked.id, {"body": "Hi"}, now=NOW)):
        with pytest.raises(NotFound):
            call()
    with pytest.raises(PermissionDenied):
        list_requests(db, actor_for(db, "finance"))
    with pytest.raises(PermissionDenied):
        open_request(db, actor_for(db, "channel"), {"category": "other", "subject": "x",
                                                    "body": "y"})


def test_an_overdue_request_is_reminded_once_and_bad_input_writes_nothing(seeded_db):
    db = seeded_db
    silver = admin_where(db, "Silver", emea=True)
    asked = open_request(db, silver, {"category": "deal", "subject": "Deal help",
                                      "body": "Can you join a call?"}, now=NOW)
    manager = manager_of(db, silver.partner_id)
    before = len(subjects(db, manager.user_id))
    assert remind_overdue(db, now=NOW + timedelta(hours=1)) == 0  # not due yet
    later = asked.first_response_due_at + timedelta(minutes=5)
    assert remind_overdue(db, now=later) == 1
    assert remind_overdue(db, now=later + timedelta(hours=1)) == 0  # once
    assert subjects(db, manager.user_id)[before:] == [
        f"Overdue: {asked.partner} waits for a first answer"]
    with pytest.raises(ValidationError):
        open_request(db, silver, {"category": "gossip", "subject": "", "body": ""})
    assert len(list_requests(db, silver)) == 1


def test_the_admin_sets_a_tiers_hours_and_new_requests_follow(seeded_db):
    from core.tiers.rules import update_tier_rules

    db = seeded_db
    gold_id = db.scalar(select(Tier.id).where(Tier.name == "Gold"))
    update_tier_rules(db, actor_for(db, "admin"), gold_id, {"request_response_hours": 6})
    asked = open_request(db, admin_where(db, "Gold", emea=True), {
        "category": "other", "subject": "Soon?", "body": "How soon?"}, now=NOW)
    assert asked.first_response_due_at == NOW + timedelta(hours=6)
