"""The app shell: forced password change, unexpected errors, database down, unread count."""

from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from core.notifications import notify
from db.models import User
from tests.pages import app, assert_rendered, texts, use_database


def test_user_with_a_temporary_password_only_reaches_profile(seeded, database_url):
    use_database(database_url)
    with Session(seeded) as db:
        db.scalar(select(User).where(User.username == "p01.rep1")).must_change_password = True
        db.commit()
    at = app(username="p01.rep1")
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Profile"]
    assert "Choose a new password" in texts(at)


def test_unexpected_error_shows_a_reference_not_a_traceback():
    def script():
        from ui.errors import run_safely

        def broken():
            raise RuntimeError("secret internal detail")

        run_safely(broken)

    at = AppTest.from_function(script, default_timeout=30)
    at.run()
    assert not at.exception
    shown = texts(at)
    assert "Sorry, something went wrong" in shown and "reference" in shown
    assert "secret internal detail" not in shown


def test_database_down_at_start_gives_one_clear_message(tmp_path):
    use_database("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
    at = app()
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "The database is not reachable. Check PRM_DATABASE_URL and that the database server "
        "is running, then reload this page."]


def test_sidebar_counts_unread_notifications(seeded, database_url):
    use_database(database_url)
    with Session(seeded) as db:
        user_id = db.scalar(select(User.id).where(User.username == "p01.rep1"))
        notify(db, user_id, "Deal approved", "Your deal was approved.", dedupe_key="t1")
        notify(db, user_id, "Deal approved", "Your deal was approved.", dedupe_key="t1")
        notify(db, user_id, "Lead assigned", "A new lead.", dedupe_key="t2")
        db.commit()
    at = app(username="p01.rep1")
    at.run()
    assert not at.exception
    links = [e.proto.label for e in at.sidebar.get("page_link")]
    assert "Notifications (2 unread)" in links


def test_deactivation_ends_a_running_session_at_the_next_page_load(seeded, database_url):
    from core.accounts import set_active
    from tests.conftest import actor_for

    use_database(database_url)
    at = app(username="p01.rep1")
    at.run()
    assert at.button and "Log out" in [b.label for b in at.sidebar.button]
    with Session(seeded) as db:
        set_active(db, actor_for(db, "admin"), actor_for(db, "p01.rep1").user_id, False)
        db.commit()
    at.run()
    assert_rendered(at)
    assert "Log out" not in [b.label for b in at.sidebar.button]
    assert [t.value for t in at.title] == ["Partner portal"]


def test_password_change_elsewhere_ends_this_session(seeded, database_url):
    from core.accounts import change_own_password
    from seed.demo import DEMO_PASSWORD
    from tests.conftest import actor_for

    use_database(database_url)
    at = app(username="p01.rep1")
    at.run()
    with Session(seeded) as db:
        change_own_password(db, actor_for(db, "p01.rep1"), DEMO_PASSWORD, "another-long-pass")
        db.commit()
    at.run()
    assert [t.value for t in at.title] == ["Partner portal"]


def test_home_links_each_role_to_what_is_waiting(seeded, database_url):
    """Issue #14: Home says what is waiting, with counts that open the work."""
    from core.deals import register_deal
    from tests.conftest import actor_for
    from tests.deals.test_deals import form

    use_database(database_url)
    with Session(seeded) as db:
        register_deal(db, actor_for(db, "p01.rep1"), form(db))
        db.commit()
    at = app(username="channel")
    at.run()
    assert not at.exception
    links = {p.proto.label: p.proto.page for p in at.get("page_link")}
    [label] = [k for k in links if k.startswith("Registrations waiting for the desk")]
    assert label.endswith("**1**") and links[label].endswith("deal_desk")
    assert "the oldest waits 0 days" in texts(at)

    partner = app(username="p02.rep1")
    partner.run()
    assert "Nothing is waiting for you." in texts(partner)
