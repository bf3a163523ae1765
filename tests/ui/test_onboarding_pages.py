"""Onboarding pages through AppTest: the agreement gate, accepting, the checklist, reports."""

import pytest
from sqlalchemy.orm import Session

from core.onboarding import publish_agreement
from tests.conftest import actor_for
from tests.pages import app, assert_rendered, button, texts, use_database, widget


@pytest.fixture
def app_db(seeded, database_url):
    use_database(database_url)
    return seeded


def publish_v2(engine):
    with Session(engine) as db:
        publish_agreement(db, actor_for(db, "admin"), "Partner program agreement",
                          "# Version 2\n\nNew MDF rules apply.")
        db.commit()


def test_after_a_new_version_partner_users_reach_only_agreement_and_profile(app_db):
    publish_v2(app_db)
    at = app(username="p01.rep1")
    at.run()
    assert_rendered(at)
    assert [t.value for t in at.title] == ["Partner agreement"]
    assert "partner administrator must accept" in texts(at)
    for page in ("pages/my_deals.py", "pages/register_deal.py", "pages/home.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    at.switch_page("pages/profile.py").run()
    assert_rendered(at)


def test_partner_admin_accepts_and_the_portal_opens(app_db):
    publish_v2(app_db)
    at = app(username="p01.admin")
    at.run()
    assert [t.value for t in at.title] == ["Partner agreement"]
    assert "New MDF rules apply." in texts(at)
    widget(at.checkbox, "I accept version 2 on behalf of my company").check()
    button(at, "Accept the agreement").click().run()
    assert_rendered(at)
    at.switch_page("pages/my_deals.py").run()
    assert_rendered(at)
    assert [t.value for t in at.title] == ["My deals"]


def test_accepting_without_ticking_the_box_is_refused_beside_it(app_db):
    publish_v2(app_db)
    at = app(username="p01.admin")
    at.run()
    button(at, "Accept the agreement").click().run()
    assert "Tick the box to accept on behalf of your company." in [e.value for e in at.error]
    with pytest.raises(ValueError):
        at.switch_page("pages/my_deals.py")


def test_partner_admin_home_shows_the_checklist(app_db):
    at = app(username="p01.admin")
    at.run()
    assert_rendered(at)
    shown = texts(at)
    assert "Getting started: 3 of 4 done" in shown and "Register a first deal" in shown
    # The demo without its training (seed.training activates the course step) has it
    # inactive, so it is not on the list.
    assert "Complete the onboarding course" not in shown


def test_company_profile_bad_input_is_shown_and_kept(app_db):
    at = app(username="p01.admin")
    at.run()
    at.switch_page("pages/company_profile.py").run()
    widget(at.text_input, "Website").set_value("not a website")
    widget(at.multiselect, "Regions served *").set_value([])
    button(at, "Save profile").click().run()
    assert_rendered(at)
    assert len(at.error) >= 2 and not at.success
    assert widget(at.text_input, "Website").value == "not a website"


def test_admin_publishes_a_version_from_the_onboarding_page(app_db):
    at = app(username="admin")
    at.run()
    at.switch_page("pages/onboarding.py").run()
    assert_rendered(at)
    widget(at.text_area, "Text (Markdown) *").set_value("# Version 2\n\nShorter terms.")
    button(at, "Publish").click().run()
    assert_rendered(at)
    assert "Version 2 published." in [s.value for s in at.success]
