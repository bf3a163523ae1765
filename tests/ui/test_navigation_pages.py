"""Links between pages through AppTest: a notification's link (a route name, or a page file in
rows written before route names) opens its page when the user may open it and shows no link
otherwise; Home lists the next actions the registry gives the user."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.notifications import notify
from db.models import User
from tests.pages import app, assert_rendered, use_database


@pytest.fixture
def app_db(seeded, database_url):
    use_database(database_url)
    return seeded


def page_links(at) -> list[tuple[str, str]]:
    """(label, url path) of the links on the page: the url path is the route name."""
    return [(link.proto.label, link.proto.page) for link in at.main.get("page_link")]


def test_notification_links_resolve_by_route_name_and_legacy_file_or_show_none(app_db):
    with Session(app_db) as db:
        rep = db.scalar(select(User.id).where(User.username == "p01.rep1"))
        for key, link in [("route", "my_deals"), ("legacy", "pages/my_tier.py"),
                          ("refused", "deal_desk"), ("retired", "pages/deals.py"),
                          ("none", None)]:
            notify(db, rep, f"About {key}", "Body.", dedupe_key=key, link=link)
        db.commit()
    at = app(username="p01.rep1")
    at.run()
    at.switch_page("pages/notifications.py").run()
    assert_rendered(at)
    opens = [page for label, page in page_links(at) if label == "Open"]
    assert sorted(opens) == ["my_deals", "my_tier"]


@pytest.mark.parametrize("username, expected", [
    ("finance", [("Export won deals for a period", "won_deals"),
                 ("Look up a partner", "partners"),
                 ("Approve and pay fund claims", "fund_desk"),
                 ("Calculate, approve and pay incentive statements", "incentive_statements")]),
    # A partner's Home opens with its glance (its tier first), then the next actions.
    ("p01.rep1", [("Our tier", "my_tier"), ("Register a deal", "register_deal"),
                  ("Follow your deals", "my_deals"), ("Update your profile", "profile")]),
])
def test_home_links_the_next_actions_of_the_registry(app_db, username, expected):
    at = app(username=username)
    at.run()
    assert_rendered(at)
    assert page_links(at) == expected
