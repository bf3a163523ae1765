"""The role matrix, generated from the page registry: every page under every role.

Allowed: signed in through Home.py, the page is in the menu and renders without an exception
or the access-denied message. Refused: the page is not in the role's menu (switching to it
raises, as "page not found" does in a browser), and running its file directly shows only the
access-denied message."""

import pytest
from sqlalchemy import select

from core.accounts.signin import signed_in as signed_in_as
from db.models import User
from db.session import make_engine
from tests.pages import ROLE_USERS, app, assert_rendered, texts, use_database
from ui.guard import ACCESS_DENIED
from ui.registry import PAGES, allowed, menu_for

ROLES = [*ROLE_USERS, "anonymous"]


@pytest.fixture
def app_db(demo_database_url):
    use_database(demo_database_url)
    engine = make_engine(demo_database_url)
    yield engine
    engine.dispose()


def signed_in(engine, role):
    if role == "anonymous":
        return None
    from sqlalchemy.orm import Session

    with Session(engine) as db:
        user = db.scalar(select(User).where(User.username == ROLE_USERS[role]))
        signed = signed_in_as(db, user, user.created_at, None)
        db.commit()
        return signed


@pytest.mark.pages
@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_its_own_menu_and_its_pages_render(app_db, role):
    user = signed_in(app_db, role)
    username = user.username if user else None
    home = app(username=username)
    home.run()  # Home.py signs the user in and builds the menu
    assert_rendered(home)
    for spec in PAGES:
        if allowed(spec, user):
            at = app(username=username)  # each page from a fresh session, as a new tab
            at.run()
            at.switch_page(spec.file).run()
            assert_rendered(at)
            assert ACCESS_DENIED not in texts(at), spec.file
            assert at.title and at.title[0].value, spec.file
        else:  # not in the menu Home built: a switch to it is refused and changes nothing
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                home.switch_page(spec.file)


@pytest.mark.pages
@pytest.mark.parametrize("role", ROLES)
def test_refused_pages_run_directly_show_access_denied(app_db, role):
    user = signed_in(app_db, role)
    refused = [spec for spec in PAGES if not allowed(spec, user)]
    for spec in refused:
        at = app(spec.file)
        at.session_state["prm_user"] = user
        at.run()
        assert_rendered(at)
        assert [e.value for e in at.error] == [ACCESS_DENIED], spec.file
        assert not at.title, spec.file


def test_registry_menus_differ_by_role(app_db):
    menus = {role: {p.file for p in menu_for(signed_in(app_db, role))} for role in ROLES}
    assert "pages/audit_log.py" in menus["admin"]
    assert "pages/partners.py" not in menus["partner_user"]
    assert menus["anonymous"] == {"pages/home.py", "pages/become_partner.py",
                                  "pages/application_status.py",
                                  "pages/certificate_check.py"}
    assert "pages/become_partner.py" not in menus["admin"]
