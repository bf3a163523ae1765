"""Core speaks of pages by route name: a notification about one record links to that record's
page and id ("deal?id=42"), one about a page to its route ("my_tier"), never to a page file;
ui.registry turns either into the link."""

from core.deals import approve_deal
from core.notifications import list_notifications
from core.tiers import confirm_proposal
from tests.conftest import NOW, actor_for
from tests.deals.test_deals import register
from tests.tiers.test_tiers import add_deal, evaluate, proposal_for


def links(db, username: str) -> list[str | None]:
    return [n.link for n in list_notifications(db, actor_for(db, username))]


def test_deal_notifications_link_to_the_deal_itself_for_the_desk_and_the_partner(seeded_db):
    """Issue #14: a notification opens the record it is about."""
    deal = register(seeded_db, "p01.rep1")
    assert links(seeded_db, "channel2") == [f"deal?id={deal.id}"]  # p01's channel manager
    approve_deal(seeded_db, actor_for(seeded_db, "channel2"), deal.id, now=NOW)
    seeded_db.commit()
    assert set(links(seeded_db, "p01.rep1")) == {f"deal?id={deal.id}"}


def test_a_tier_change_notification_links_to_our_tier_by_route_name(seeded_db):
    add_deal(seeded_db, 1, "120000")
    evaluate(seeded_db)
    confirm_proposal(seeded_db, actor_for(seeded_db, "channel2"), proposal_for(seeded_db, 1).id,
                     now=NOW)
    seeded_db.commit()
    assert "my_tier" in links(seeded_db, "p01.admin")
