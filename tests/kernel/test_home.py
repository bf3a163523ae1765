"""Home says what is waiting (issue #14): each role's counts, scoped as its reads are."""

from datetime import timedelta

from sqlalchemy import select

from core.deals import request_more_info
from core.home import waiting
from core.notifications import notify
from db.models import User
from tests.conftest import NOW, actor_for
from tests.deals.test_deals import register

LATER = NOW + timedelta(days=3)


def shown(db, username: str) -> dict[str, str]:
    return {w.label: w.value for w in waiting(db, actor_for(db, username), now=LATER)}


def test_the_desk_sees_the_waiting_registrations_and_the_oldest_age(seeded_db):
    register(seeded_db, "p01.rep1")
    [desk] = [w for w in waiting(seeded_db, actor_for(seeded_db, "channel"), now=LATER)
              if w.route == "deal_desk" and w.count]
    assert (desk.label, desk.value, desk.detail) == (
        "Registrations waiting for the desk", "1", "the oldest waits 3 days")
    for outsider in ("p01.rep1", "p02.admin", "finance", "marketing"):
        assert "Registrations waiting for the desk" not in shown(seeded_db, outsider)


def test_a_partner_sees_only_its_own_deals_that_need_an_answer(seeded_db):
    deal = register(seeded_db, "p01.rep1")
    request_more_info(seeded_db, actor_for(seeded_db, "channel"), deal.id,
                      "Which product version?", now=NOW)
    label = "Deals the desk asked you about"
    assert shown(seeded_db, "p01.rep1")[label] == "1"
    assert shown(seeded_db, "p01.admin")[label] == "1"  # the team's
    assert label not in shown(seeded_db, "p01.rep2")  # another rep's deal
    assert label not in shown(seeded_db, "p02.admin")  # another partner's


def test_locked_accounts_wait_for_whoever_can_unlock_them(seeded_db):
    rep = seeded_db.scalar(select(User).where(User.username == "p01.rep1"))
    rep.locked_until = LATER + timedelta(minutes=10)
    seeded_db.flush()
    assert shown(seeded_db, "admin")["Locked accounts"] == "1"
    assert shown(seeded_db, "p01.admin")["Locked accounts"] == "1"
    assert "Locked accounts" not in shown(seeded_db, "p02.admin")
    assert "Locked accounts" not in shown(seeded_db, "channel")


def test_unread_notifications_and_the_executives_quarter(seeded_db):
    user = actor_for(seeded_db, "marketing")
    notify(seeded_db, user.user_id, "Hello", "Body", dedupe_key="home-1", now=NOW)
    assert shown(seeded_db, "marketing") == {"Unread notifications": "1"}
    figures = shown(seeded_db, "exec")
    assert figures["Won this quarter"].endswith(" USD")  # a figure, shown even at zero
    assert "Won this quarter" not in shown(seeded_db, "channel")
