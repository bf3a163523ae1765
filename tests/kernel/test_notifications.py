from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.actor import Actor
from core.errors import NotFound, PermissionDenied
from core.notifications import (
    _insert_once,
    list_notifications,
    mark_all_read,
    mark_read,
    notify,
    notify_partner,
    notify_role,
    unread_count,
)
from db.models import Notification, OutboxMail, User
from tests.conftest import NOW, actor_for


def _user(db, username: str) -> User:
    return db.scalar(select(User).where(User.username == username))


def _count(db, model, *where) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where))


def test_the_same_notification_twice_is_stored_once(seeded_db):
    rep = _user(seeded_db, "p01.rep1")
    assert notify(seeded_db, rep.id, "Deal approved", "Your deal was approved.",
                  dedupe_key="deal:7:approved", now=NOW)
    assert not notify(seeded_db, rep.id, "Deal approved", "Your deal was approved.",
                      dedupe_key="deal:7:approved", now=NOW + timedelta(minutes=5))
    seeded_db.commit()
    notes = list_notifications(seeded_db, actor_for(seeded_db, "p01.rep1"))
    assert [(n.subject, n.created_at) for n in notes] == [("Deal approved", NOW)]


def test_a_duplicate_that_races_past_the_check_undoes_only_itself(seeded_db):
    """Two writers can both pass the existence check; the unique key stops the second, and
    only its own insert is rolled back, not the rest of its transaction."""
    rep = _user(seeded_db, "p01.rep1")
    notify(seeded_db, rep.id, "First", "b", dedupe_key="k", now=NOW)
    seeded_db.commit()
    notify(seeded_db, rep.id, "Other work in the same transaction", "b", dedupe_key="k2",
           now=NOW)
    assert not _insert_once(seeded_db, rep, "First again", "b", "k", None, NOW)
    seeded_db.commit()
    subjects = {n.subject for n in list_notifications(seeded_db, actor_for(seeded_db,
                                                                             "p01.rep1"))}
    assert subjects == {"First", "Other work in the same transaction"}


def test_partner_fan_out_reaches_only_that_partners_active_users(seeded_db):
    p01 = _user(seeded_db, "p01.admin").partner_id
    _user(seeded_db, "p01.rep2").is_active = False
    sent = notify_partner(seeded_db, p01, "Agreement renewal", "Please renew.",
                          dedupe_key="agreement:2027", now=NOW)
    assert sent == 2
    assert notify_partner(seeded_db, p01, "Agreement renewal", "Please renew.",
                          dedupe_key="agreement:2027", now=NOW) == 0
    seeded_db.commit()
    counts = {u: unread_count(seeded_db, actor_for(seeded_db, u))
              for u in ("p01.admin", "p01.rep1", "p01.rep2", "p02.admin", "channel", "admin")}
    assert counts == {"p01.admin": 1, "p01.rep1": 1, "p01.rep2": 0, "p02.admin": 0,
                      "channel": 0, "admin": 0}


def test_role_fan_out_reaches_only_users_with_that_role(seeded_db):
    assert notify_role(seeded_db, "channel_manager", "New application", "Acme applied.",
                       dedupe_key="application:1", link="pages/partners.py", now=NOW) == 2
    seeded_db.commit()
    notified = set(seeded_db.scalars(
        select(User.username).join(Notification, Notification.user_id == User.id)))
    assert notified == {"channel", "channel2"}
    note = list_notifications(seeded_db, actor_for(seeded_db, "channel"))[0]
    assert note.link == "pages/partners.py"


def test_unread_count_mark_one_and_mark_all_read(seeded_db):
    rep = _user(seeded_db, "p01.rep1")
    for i in range(3):
        notify(seeded_db, rep.id, f"Lead {i}", "A lead is waiting.", dedupe_key=f"lead:{i}",
               now=NOW + timedelta(minutes=i))
    seeded_db.commit()
    me = actor_for(seeded_db, "p01.rep1")
    notes = list_notifications(seeded_db, me)
    assert [n.subject for n in notes] == ["Lead 2", "Lead 1", "Lead 0"]  # newest first
    assert unread_count(seeded_db, me) == 3

    read_at = NOW + timedelta(hours=1)
    mark_read(seeded_db, me, notes[1].id, now=read_at)
    mark_read(seeded_db, me, notes[1].id, now=read_at + timedelta(hours=1))  # no change
    seeded_db.commit()
    assert unread_count(seeded_db, me) == 2
    assert [n.subject for n in list_notifications(seeded_db, me, unread_only=True)] == \
        ["Lead 2", "Lead 0"]
    assert next(n for n in list_notifications(seeded_db, me) if n.subject == "Lead 1"
                ).read_at == read_at

    assert mark_all_read(seeded_db, me, now=NOW + timedelta(hours=3)) == 2
    seeded_db.commit()
    assert unread_count(seeded_db, me) == 0
    assert all(not n.unread for n in list_notifications(seeded_db, me))
    assert mark_all_read(seeded_db, me, now=NOW + timedelta(hours=4)) == 0


def test_a_user_cannot_see_or_mark_another_users_notification(seeded_db):
    rep = _user(seeded_db, "p01.rep1")
    notify(seeded_db, rep.id, "Private", "For p01.rep1 only.", dedupe_key="x", now=NOW)
    seeded_db.commit()
    note_id = seeded_db.scalar(select(Notification.id))
    other = actor_for(seeded_db, "p02.rep1")
    with pytest.raises(NotFound):
        mark_read(seeded_db, other, note_id, now=NOW)
    with pytest.raises(NotFound):
        mark_read(seeded_db, actor_for(seeded_db, "admin"), note_id, now=NOW)
    assert mark_all_read(seeded_db, other, now=NOW) == 0
    seeded_db.commit()
    assert list_notifications(seeded_db, other) == []
    assert unread_count(seeded_db, actor_for(seeded_db, "p01.rep1")) == 1
    with pytest.raises(NotFound):
        mark_read(seeded_db, other, note_id + 1000, now=NOW)


def test_anonymous_visitors_have_no_notifications(seeded_db):
    with pytest.raises(PermissionDenied):
        unread_count(seeded_db, Actor.anonymous("s"))


def test_no_outbox_mail_without_smtp(seeded_db):
    rep = _user(seeded_db, "p01.rep1")
    assert notify(seeded_db, rep.id, "Hello", "b", dedupe_key="k", now=NOW)
    seeded_db.commit()
    assert _count(seeded_db, OutboxMail) == 0


def test_outbox_mail_only_for_users_who_opted_in(seeded_db, smtp_configured):
    rep1, rep2 = _user(seeded_db, "p01.rep1"), _user(seeded_db, "p01.rep2")
    rep2.email_notifications = False
    admin = _user(seeded_db, "p01.admin")
    admin.is_active = False
    for user in (rep1, rep2, admin):
        assert notify(seeded_db, user.id, "Deal\r\napproved", "Your deal was approved.",
                      dedupe_key="deal:7", link="pages/deals.py", now=NOW)
    assert not notify(seeded_db, rep1.id, "Deal approved", "again", dedupe_key="deal:7",
                      now=NOW)
    seeded_db.commit()
    mails = seeded_db.scalars(select(OutboxMail)).all()
    assert [(m.to_addr, m.subject, m.status, m.attempts) for m in mails] == \
        [(rep1.email, "Deal approved", "pending", 0)]
    assert mails[0].next_attempt_at == NOW
    assert mails[0].body.startswith("Your deal was approved.")
    assert "https://prm.example.test/deals" in mails[0].body
    assert _count(seeded_db, Notification) == 3  # every one of them still sees it in the app


def test_the_notifications_page_lists_unread_first_by_kind_fifty_a_page(seeded_db):
    """Issue #14: unread first, filters (unread, kind), 50 a page."""
    from core.notifications import mark_read, notification_kinds, notification_page

    actor = actor_for(seeded_db, "marketing")
    for i in range(60):  # older ones about deals, newer ones about tiers
        notify(seeded_db, actor.user_id, f"N{i}", "b", dedupe_key=f"page-{i}",
               link=f"deal?id={i}" if i < 30 else "pages/tiers.py",
               now=NOW + timedelta(minutes=i))
    oldest = notification_page(seeded_db, actor, page=2).items[-1]
    assert oldest.subject == "N0"
    mark_read(seeded_db, actor, oldest.id)
    # Read ones go last; the newest unread comes first.
    first = notification_page(seeded_db, actor)
    assert (first.total, len(first.items), first.items[0].subject) == (60, 50, "N59")
    assert notification_kinds(seeded_db, actor) == ["deal", "tiers"]
    last = notification_page(seeded_db, actor, page=2)
    assert [n.subject for n in last.items][-1] == "N0" and len(last.items) == 10
    deals = notification_page(seeded_db, actor, kind="deal")
    assert deals.total == 30 and {n.link for n in deals.items} == {f"deal?id={i}"
                                                                   for i in range(30)}
    tiers_unread = notification_page(seeded_db, actor, kind="tiers", unread_only=True)
    assert tiers_unread.total == 30
    assert notification_page(seeded_db, actor, kind="deal", unread_only=True).total == 29
    other = actor_for(seeded_db, "finance")  # only one's own
    assert notification_page(seeded_db, other, kind="deal").total == 0


def test_a_mail_about_a_record_links_to_that_record(seeded_db, smtp_configured):
    """Issue #14: a notification opens the record it is about, from the mail too."""
    from core.notifications import record_link

    rep = _user(seeded_db, "p01.rep1")
    assert notify(seeded_db, rep.id, "Deal approved", "Approved.", dedupe_key="deal:42",
                  link=record_link("deal", 42), now=NOW)
    seeded_db.commit()
    [mail] = seeded_db.scalars(select(OutboxMail)).all()
    assert "Open in the app: https://prm.example.test/deal?id=42" in mail.body
