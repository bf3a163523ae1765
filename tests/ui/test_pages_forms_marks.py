"""Issue #14, forms: required fields carry a visible mark ("*" in the label; Streamlit's own
`required=` would block the press in the browser, so our message would never show), an empty
required field pressed is answered beside that field with nothing written, and placeholders
are examples ("e.g. acme.com") that cannot be taken for a value already filled in."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from db.models import AuditEvent, OnboardingStep, Partner, ProductLine, Tier, TierChange, User
from tests.pages import assert_rendered, button, open_page, use_database, widget


@pytest.fixture
def app_db(seeded, database_url):
    use_database(database_url)
    return seeded


def count(engine, model) -> int:
    with Session(engine) as db:
        return db.scalar(select(func.count()).select_from(model))


def beside(at: AppTest, field) -> str | None:
    """The message drawn right under a field (where ui.forms.FieldErrors puts it), if any."""
    nodes = [n for n in at.main if not hasattr(n, "children")]  # elements, not blocks
    index = next(i for i, n in enumerate(nodes) if getattr(n, "id", None) == field.id)
    after = nodes[index + 1] if index + 1 < len(nodes) else None
    return after.value if getattr(after, "type", None) == "error" else None


def press(at: AppTest, label: str) -> AppTest:
    button(at, label).click().run()
    assert_rendered(at)
    return at


def test_creating_a_user_marks_what_is_required_and_answers_each_empty_field(app_db):
    users, events = count(app_db, User), count(app_db, AuditEvent)
    at = open_page("pages/users.py", "admin")
    labels = [w.label for w in (*at.text_input, *at.selectbox)]
    assert {"Username *", "Full name *", "E-mail *", "Role *"} <= set(labels)
    assert "Partner (partner roles only)" in labels  # needed for partner roles only: no mark
    assert "Fields marked \\* are required." in [c.value for c in at.caption]

    press(at, "Create user")
    assert beside(at, widget(at.text_input, "Full name *")) == "Enter the user's display name."
    assert beside(at, widget(at.selectbox, "Role *")) == "Choose a user role."
    assert beside(at, widget(at.text_input, "Username *"))  # the username rule
    assert beside(at, widget(at.text_input, "E-mail *"))
    assert (count(app_db, User), count(app_db, AuditEvent)) == (users, events)


def test_a_product_line_without_a_name_is_answered_beside_it(app_db):
    lines = count(app_db, ProductLine)
    at = open_page("pages/product_catalog.py", "admin")
    name = at.text_input(key="catalog_new_name")
    assert name.label == "Name *" and name.placeholder.startswith("e.g. ")
    press(at, "Add product line")
    assert beside(at, at.text_input(key="catalog_new_name")) == "Enter the product line's name."
    assert count(app_db, ProductLine) == lines


def test_the_company_profile_marks_its_required_fields_and_keeps_the_name(app_db):
    with Session(app_db) as db:
        partner_id = db.scalar(select(User.partner_id).where(User.username == "p01.admin"))
        name_before = db.get(Partner, partner_id).name
    at = open_page("pages/company_profile.py", "p01.admin")
    labels = [w.label for w in (*at.text_input, *at.selectbox, *at.multiselect)]
    assert {"Company name *", "Country *", "Regions served *", "Partner type *"} <= set(labels)
    assert {"Website", "Industries"} <= set(labels)  # optional: no mark

    widget(at.text_input, "Company name *").set_value("   ")
    press(at, "Save profile")
    assert beside(at, widget(at.text_input, "Company name *")) == "Enter the company name."
    with Session(app_db) as db:
        assert db.get(Partner, partner_id).name == name_before


def test_a_tier_set_by_hand_without_a_reason_is_answered_beside_the_reason(app_db):
    changes = count(app_db, TierChange)
    with Session(app_db) as db:
        partner = db.scalar(select(Partner).join(User, User.partner_id == Partner.id)
                            .where(User.username == "p01.admin"))
        other_tier = db.scalar(select(Tier.id).where(Tier.id != partner.tier_id).limit(1))
    at = open_page("pages/tiers.py", "channel")
    widget(at.selectbox, "Partner").set_value(partner.id).run()
    widget(at.selectbox, "New tier *").set_value(other_tier)
    press(at, "Set tier")
    reason = widget(at.text_area, "Reason for the change (the partner sees it) *")
    assert beside(at, reason) == "Say why you set this tier."
    assert count(app_db, TierChange) == changes


def test_an_onboarding_step_without_a_title_is_answered_beside_it(app_db):
    steps = count(app_db, OnboardingStep)
    at = open_page("pages/onboarding.py", "admin")
    press(at, "Add step")
    assert beside(at, widget(at.text_input, "Title *"))
    assert count(app_db, OnboardingStep) == steps


def test_an_empty_status_lookup_says_what_is_missing_beside_each_field(app_db):
    at = open_page("pages/application_status.py")
    press(at, "Show status")
    assert beside(at, at.text_input(key="status_reference_input")) == \
        "Enter the reference you received when you applied."
    assert beside(at, at.text_input(key="status_email_input")) == \
        "Enter the e-mail address you applied with."
    assert not at.metric


@pytest.mark.parametrize(("page", "username", "labels"), [
    ("pages/register_deal.py", "p01.rep1", ["Website", "Estimated value (USD) *"]),
    ("pages/become_partner.py", None, ["Website *", "Employees *", "Phone *",
                                      "Expected annual revenue with us (USD) *"]),
])
def test_placeholders_are_examples_not_values(app_db, page, username, labels):
    at = open_page(page, username)
    for label in labels:
        assert widget(at.text_input, label).placeholder.startswith("e.g. "), label


@pytest.mark.parametrize(("page", "username", "required", "optional"), [
    ("pages/register_deal.py", "p01.rep1",
     {"Company *", "Country *", "Contact name *", "Contact e-mail *", "Product lines *",
      "Estimated value (USD) *", "Expected close date *", "Stage *"},
     {"Website", "State or region", "Contact title", "Description"}),
    ("pages/become_partner.py", None,
     {"Company name *", "Website *", "Country *", "Partner type *", "Regions served *",
      "Expected annual revenue with us (USD) *", "Employees *", "Full name *", "E-mail *",
      "Phone *"},
     {"Industries"}),
])
def test_the_two_long_forms_mark_exactly_their_required_fields(app_db, page, username,
                                                               required, optional):
    at = open_page(page, username)
    labels = {w.label for w in (*at.text_input, *at.selectbox, *at.multiselect,
                                *at.date_input, *at.text_area)} - {"Fax"}
    assert labels == required | optional
    assert "Fields marked * are required." in [c.value for c in at.caption]
