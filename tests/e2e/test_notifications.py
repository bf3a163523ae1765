"""A notification reaches its user: sidebar count, the Notifications page, mark read."""

from playwright.sync_api import expect
from sqlalchemy import select

from core.notifications import notify
from db.models import User
from db.session import make_engine, unit_of_work
from tests.e2e.helpers import go, sign_in_as, wait_idle


def test_notification_shows_in_sidebar_and_page_and_marking_read_clears_it(page, app_server):
    engine = make_engine(app_server.database_url)
    with unit_of_work(engine) as db:
        # The analyst gets no notification in the demo (marketing gets returned leads'):
        # its count starts at zero.
        user_id = db.scalar(select(User.id).where(User.username == "analyst"))
        notify(db, user_id, "Deal approved: Northwind renewal",
               "Your registration is approved and protected for 90 days.",
               dedupe_key="e2e-approved", link="pages/profile.py")
    engine.dispose()

    sign_in_as(page, "analyst")
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("link", name="Notifications (1 unread)")).to_be_visible()

    go(page, "Notifications")
    expect(page.get_by_text("Deal approved: Northwind renewal")).to_be_visible()
    page.get_by_role("button", name="Mark read").click()
    wait_idle(page)
    expect(sidebar.get_by_role("link", name="Notifications (0 unread)")).to_be_visible()
    expect(page.get_by_role("button", name="Mark read")).to_have_count(0)
