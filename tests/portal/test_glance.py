"""The portal at a glance: a partner's Home (tier, funds, pinned news, the plan) and the
channel team's view of one partner's engagement; each only for those it is for."""

import pytest

from core.errors import PermissionDenied
from core.portal.announcements import mark_read, publish_announcement
from core.portal.assets import create_asset, download
from core.portal.glance import engagement, partner_glance
from core.portal.plans import save_plan
from core.portal.requests import open_request
from seed.funds import proof_pdf
from tests.conftest import NOW, actor_for
from tests.portal.helpers import admin_where

pytestmark = pytest.mark.usefixtures("backend")


def test_a_partners_home_glance_and_the_channel_teams_engagement_view(seeded_db):
    db = seeded_db
    partner = admin_where(db, "Gold", emea=True)
    marketing, channel = actor_for(db, "marketing"), actor_for(db, "channel")
    news = publish_announcement(db, marketing, {"title": "Pinned news", "body": "Hello.",
                                                "pinned": True}, now=NOW)
    publish_announcement(db, marketing, {"title": "Unpinned", "body": "Hi."}, now=NOW)
    asset = create_asset(db, marketing, {"title": "Deck"}, ("deck.pdf", proof_pdf("Deck", [])),
                         now=NOW)
    download(db, partner, asset.id, now=NOW)
    mark_read(db, partner, news.id, now=NOW)
    open_request(db, partner, {"category": "other", "subject": "Hello", "body": "Question"},
                 now=NOW)
    save_plan(db, channel, partner.partner_id, NOW.year, [
        {"measure": "registrations", "label": "Registrations", "targets": [1, 1, 1, 1]}],
        now=NOW)

    glance = partner_glance(db, partner, now=NOW)
    assert glance.tier == "Gold" and [a.title for a in glance.pinned] == ["Pinned news"]
    assert glance.plan is not None and glance.plan.goals[0].label == "Registrations"
    assert glance.funds_available is not None
    assert partner_glance(db, channel, now=NOW) is None

    seen = engagement(db, channel, partner.partner_id, now=NOW)
    assert (seen.downloads_90d, seen.cobranded_90d, seen.reads_90d) == (1, 0, 1)
    assert [r.subject for r in seen.requests] == ["Hello"]
    with pytest.raises(PermissionDenied):
        engagement(db, partner, partner.partner_id, now=NOW)


def test_downloads_and_reads_are_the_scorecards_portal_engagement(seeded_db):
    from datetime import date

    from sqlalchemy import select

    from core.analytics import Period, scorecard
    from db.models import AnalyticsVersion

    db = seeded_db
    partner = admin_where(db, "Gold", emea=True)
    marketing = actor_for(db, "marketing")
    version = db.scalar(select(AnalyticsVersion.version).where(
        AnalyticsVersion.partner_id == partner.partner_id)) or 0
    asset = create_asset(db, marketing, {"title": "Deck"}, ("deck.pdf", proof_pdf("Deck", [])),
                         now=NOW)
    download(db, partner, asset.id, now=NOW)
    download(db, partner, asset.id, now=NOW)
    news = publish_announcement(db, marketing, {"title": "News", "body": "Hi."}, now=NOW)
    mark_read(db, partner, news.id, now=NOW)
    assert db.scalar(select(AnalyticsVersion.version).where(
        AnalyticsVersion.partner_id == partner.partner_id)) > version  # cached figures follow
    month = Period(date(NOW.year, NOW.month, 1), date(NOW.year, NOW.month, 1))
    card = scorecard(db, actor_for(db, "channel"), partner.partner_id, month)
    assert card.kpi("portal_engagement").value == 3
