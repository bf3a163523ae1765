"""Announcements: an audience, read receipts, reach, e-mail through notifications, and a body
kept as typed (HTML is text) with links only to web and mail addresses."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.errors import NotFound, ValidationError
from core.portal.announcements import (
    get_announcement,
    list_announcements,
    mark_read,
    publish_announcement,
    reach,
    withdraw_announcement,
)
from db.models import Notification, User
from tests.conftest import NOW, actor_for
from tests.portal.helpers import admin_where

pytestmark = pytest.mark.usefixtures("backend")


def emea_news(db, **over):
    return publish_announcement(db, actor_for(db, "marketing"), {
        "title": "EMEA price list", "body": "New **prices** from January.",
        "audience": {"regions": ["EMEA"]}, "pinned": True, **over}, now=NOW)


def test_read_receipts_and_reach(seeded_db):
    db = seeded_db
    news = emea_news(db)
    reader, outsider = admin_where(db, "Gold", emea=True), admin_where(db, "Gold", emea=False)
    assert [(a.title, a.pinned, a.read) for a in list_announcements(db, reader, now=NOW)] == [
        ("EMEA price list", True, False)]
    assert mark_read(db, reader, news.id, now=NOW) is True
    assert mark_read(db, reader, news.id, now=NOW) is False  # once per reader
    assert get_announcement(db, reader, news.id, now=NOW).read
    assert list_announcements(db, outsider, now=NOW) == []
    for call in (get_announcement, mark_read):
        with pytest.raises(NotFound):
            call(db, outsider, news.id, now=NOW)
    seen = reach(db, actor_for(db, "marketing"), news.id)
    assert seen.reads == 1 and seen.partners >= 1 and seen.users >= seen.partners


def test_an_ended_or_withdrawn_announcement_leaves_the_partner(seeded_db):
    db = seeded_db
    reader = admin_where(db, "Gold", emea=True)
    ends = emea_news(db, ends_on=NOW.date() + timedelta(days=1))
    gone = emea_news(db, title="Withdrawn")
    withdraw_announcement(db, actor_for(db, "marketing"), gone.id, now=NOW)
    later = NOW + timedelta(days=2)
    assert list_announcements(db, reader, now=later) == []
    with pytest.raises(NotFound):
        get_announcement(db, reader, ends.id, now=later)
    everything = list_announcements(db, actor_for(db, "marketing"), current_only=False,
                                    now=later)
    assert {a.title for a in everything} == {"EMEA price list", "Withdrawn"}


def test_sent_by_email_it_notifies_the_audiences_users_only(seeded_db):
    db = seeded_db
    news = emea_news(db, email=True)
    reader, outsider = admin_where(db, "Gold", emea=True), admin_where(db, "Gold", emea=False)
    notified = set(db.scalars(select(User.partner_id).join(
        Notification, Notification.user_id == User.id).where(
        Notification.subject == f"Announcement: {news.title}")))
    assert reader.partner_id in notified and outsider.partner_id not in notified


@pytest.mark.parametrize("body", ["[Win a prize](javascript:alert(1))",
                                  "<data:text/html;base64,PHNjcmlwdD4=>",
                                  "Read [this][1].\n\n[1]: javascript:alert(1)"])
def test_a_link_that_is_no_web_or_mail_address_is_refused(seeded_db, body):
    with pytest.raises(ValidationError) as refused:
        emea_news(seeded_db, body=body)
    error = refused.value.errors()[0]
    assert error["loc"] == ("body",) and "web or mail address" in error["msg"]


def test_html_and_safe_links_are_kept_as_typed(seeded_db):
    body = "<script>alert(1)</script> See [the list](https://vendor.example/prices) or " \
           "[mail us](mailto:channel@vendor.example)."
    news = emea_news(seeded_db, body=body)
    assert news.body == body  # the page shows the HTML as text


@pytest.mark.parametrize("body", ['[x][a]\n\n[a]: javascript:alert(1) "t"',
                                  "[x][a]\n\n[a]:\n  javascript:alert(1) 't'",
                                  "[y][b]\n\n[b]: data:text/html,hi 'x'",
                                  "[z](//evil.example)", "[a](&#106;avascript:alert(1))"])
def test_links_however_written_are_checked(seeded_db, body):
    with pytest.raises(ValidationError):
        emea_news(seeded_db, body=body)
