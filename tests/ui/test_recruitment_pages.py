"""Recruitment pages through AppTest: apply, check the status, decide."""

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.settings import get_settings
from db.models import Partner, PartnerApplication, User
from tests.pages import (
    assert_rendered,
    button,
    open_page,
    select_row,
    table_frame,
    texts,
    use_database,
    widget,
)
from tests.recruitment.test_recruitment import DEMO_APPLICATIONS


@pytest.fixture
def app_db(seeded, database_url):
    use_database(database_url)
    return seeded


def count(engine, model) -> int:
    with Session(engine) as db:
        return db.scalar(select(func.count()).select_from(model))


def fill_application(at, *, company="Lumen Integrations GmbH", website="lumen-integrations.de"):
    widget(at.text_input, "Company name *").set_value(company)
    widget(at.text_input, "Website *").set_value(website)
    widget(at.selectbox, "Country *").set_value("DE")
    widget(at.selectbox, "Partner type *").set_value("var")
    widget(at.multiselect, "Regions served *").set_value(["EMEA"])
    widget(at.text_input, "Expected annual revenue with us (USD) *").set_value("300,000")
    widget(at.text_input, "Employees *").set_value("35")
    widget(at.text_input, "Full name *").set_value("Lena Vogel")
    widget(at.text_input, "E-mail *").set_value(f"lena@{website}")
    widget(at.text_input, "Phone *").set_value("+49 30 1234567")
    widget(at.checkbox, "I accept the partner program terms").check()


def test_bad_application_shows_each_message_and_keeps_what_was_typed(app_db):
    at = open_page("pages/become_partner.py")
    widget(at.text_input, "E-mail *").set_value("lena-at-nowhere")
    button(at, "Apply").click().run()
    assert_rendered(at)
    shown = [e.value for e in at.error]
    assert "Accept the program terms to apply." in shown
    assert any("e-mail" in m.lower() for m in shown)
    assert any("not sent" in m for m in shown)
    assert widget(at.text_input, "E-mail *").value == "lena-at-nowhere"
    assert count(app_db, PartnerApplication) == DEMO_APPLICATIONS


def test_stranger_applies_and_checks_the_status_with_the_reference(app_db):
    at = open_page("pages/become_partner.py")
    fill_application(at)
    button(at, "Apply").click().run()
    assert_rendered(at)
    success = " ".join(s.value for s in at.success)
    reference = re.search(r"APP-[A-Z0-9]{8}", success).group(0)

    assert success.count("Your reference is") == 1 and success.count("Thank you") == 1
    status = open_page("pages/application_status.py")
    widget(status.text_input, "Reference").set_value(reference)
    widget(status.text_input, "E-mail address").set_value("LENA@lumen-integrations.de")
    button(status, "Show status").click().run()
    assert_rendered(status)
    assert "Lumen Integrations GmbH" in texts(status)
    assert [m.value for m in status.metric] == ["Received"]


def test_a_corrected_email_after_a_failed_lookup_shows_the_status_at_the_first_press(app_db):
    """Issue #14: after a failed lookup the corrected address was replaced by the wrong one
    and the error repeated; only a second press worked."""
    at = open_page("pages/become_partner.py")
    fill_application(at)
    button(at, "Apply").click().run()
    reference = re.search(r"APP-[A-Z0-9]{8}", " ".join(s.value for s in at.success)).group(0)

    status = open_page("pages/application_status.py")
    widget(status.text_input, "Reference").set_value(reference)
    widget(status.text_input, "E-mail address").set_value("wrong@lumen-integrations.de")
    button(status, "Show status").click().run()
    assert_rendered(status)
    assert status.error and not status.metric
    widget(status.text_input, "E-mail address").set_value("lena@lumen-integrations.de")
    button(status, "Show status").click().run()
    assert_rendered(status)
    assert widget(status.text_input, "E-mail address").value == "lena@lumen-integrations.de"
    assert [m.value for m in status.metric] == ["Received"] and not status.error


def test_a_filled_honeypot_stores_nothing(app_db):
    at = open_page("pages/become_partner.py")
    fill_application(at)
    widget(at.text_input, "Fax").set_value("http://spam.example")
    button(at, "Apply").click().run()
    assert_rendered(at)
    assert not at.success
    assert count(app_db, PartnerApplication) == DEMO_APPLICATIONS


def test_manager_approves_and_without_a_mail_server_sees_the_invitation_link_once(app_db):
    at = open_page("pages/become_partner.py")
    fill_application(at)
    button(at, "Apply").click().run()
    partners_before = count(app_db, Partner)

    desk = open_page("pages/applications.py", "channel")
    with Session(app_db) as db:
        reference = db.scalar(select(PartnerApplication.reference)
                              .order_by(PartnerApplication.id.desc()))
    rows = list(table_frame(desk, "reference")["reference"])
    select_row(desk, "applications", rows.index(reference))  # opens the application's page
    assert reference in texts(desk)
    button(desk, "Approve").click().run()
    assert_rendered(desk)
    shown = " ".join(s.value for s in desk.warning)
    username = re.search(r"account for \*\*(\S+)\*\*", shown).group(1)
    assert "No mail server is configured" in shown
    assert [c.value for c in desk.code if "/set_password?token=" in c.value]
    assert count(app_db, Partner) == partners_before + 1
    with Session(app_db) as db:
        new_admin = db.scalar(select(User).where(User.username == username))
        assert new_admin.role == "partner_admin"

    desk.run()  # the next run no longer shows the link
    assert not [c.value for c in desk.code if "/set_password?token=" in c.value]


@pytest.fixture
def one_application_per_email(monkeypatch):
    monkeypatch.setenv("PRM_APPLY_LIMIT_PER_EMAIL_PER_DAY", "1")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.mark.usefixtures("one_application_per_email")
def test_the_email_limit_shows_beside_the_email_field(app_db):
    at = open_page("pages/become_partner.py")
    fill_application(at)
    button(at, "Apply").click().run()
    assert at.success

    again = open_page("pages/become_partner.py")
    fill_application(again, company="Nordlicht Systeme AG", website="nordlicht-systeme.de")
    widget(again.text_input, "E-mail *").set_value("lena@lumen-integrations.de")
    button(again, "Apply").click().run()
    assert_rendered(again)
    assert not again.success
    # Under the E-mail field, in its column.
    (column,) = [c for c in again.columns if [w.label for w in c.text_input] == ["E-mail *"]]
    assert [e.value for e in column.error] == [
        "Too many applications with this e-mail address today. Please try again in 24 hours."]
    assert widget(again.text_input, "E-mail *").value == "lena@lumen-integrations.de"
    assert count(app_db, PartnerApplication) == DEMO_APPLICATIONS + 1
