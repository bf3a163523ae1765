"""Tier pages driven through AppTest: the channel team decides proposals, the admin edits the
rules, a partner sees its progress. The pages run on the real clock, so the deals here close
today."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.tiers import run_evaluation
from db.models import Partner, Tier, TierChange, TierProposal
from tests.conftest import actor_for
from tests.pages import assert_rendered, button, open_page, texts, use_database, widget
from tests.tiers.test_tiers import add_deal, partner_id


@pytest.fixture
def app_db(seeded, database_url):
    use_database(database_url)
    return seeded


def with_deals(engine, won: dict[int, str]) -> None:
    """Won deals closed today for demo partners by index, then an evaluation."""
    today = datetime.now(UTC)
    with Session(engine) as db:
        for index, amount in won.items():
            add_deal(db, index, amount, closed_on=today.date())
        run_evaluation(db, actor_for(db, "channel"), now=today)
        db.commit()


def open_proposal_id(engine, index: int) -> int:
    with Session(engine) as db:
        return db.scalar(select(TierProposal.id).where(
            TierProposal.partner_id == partner_id(db, index), TierProposal.status == "open"))


def tier_of(engine, index: int) -> str:
    with Session(engine) as db:
        return db.get(Partner, partner_id(db, index)).tier.name


def tier_id(engine, name: str) -> int:
    with Session(engine) as db:
        return db.scalar(select(Tier.id).where(Tier.name == name))


def tier_changes(engine) -> int:
    with Session(engine) as db:
        return db.scalar(select(func.count()).select_from(TierChange))


def test_channel_manager_confirms_a_proposal_one_by_one(app_db):
    with_deals(app_db, {1: "120000"})
    proposal = open_proposal_id(app_db, 1)
    at = open_page("pages/tiers.py", "channel")
    assert "Meets Silver: won $120,000.00, $100,000.00 needed." in at.dataframe[0].value[
        "why"].tolist()
    widget(at.selectbox, "Open a proposal").set_value(proposal).run()
    button(at, "Confirm").click().run()
    assert_rendered(at)
    assert tier_of(app_db, 1) == "Silver"
    assert any(s.value.endswith("is now Silver.") for s in at.success)
    assert open_proposal_id(app_db, 1) is None


def test_override_without_a_reason_is_refused_beside_the_field_and_writes_nothing(app_db):
    with_deals(app_db, {1: "120000"})
    proposal = open_proposal_id(app_db, 1)
    at = open_page("pages/tiers.py", "channel")
    widget(at.selectbox, "Open a proposal").set_value(proposal).run()
    widget(at.selectbox, "Tier to set *").set_value(tier_id(app_db, "Gold"))
    button(at, "Override").click().run()
    assert_rendered(at)
    assert [e.value for e in at.error] == ["Say why you set a different tier."]
    form = next(f for f in at.get("form") if f.proto.form.form_id == "override")
    labels = [getattr(child, "label", None) or getattr(child, "value", None)
              for child in form.children.values()]
    reason_at = labels.index("Reason for the override (the partner sees it) *")
    assert labels[reason_at + 1] == "Say why you set a different tier."
    assert tier_of(app_db, 1) == "Registered" and tier_changes(app_db) == 0
    assert open_proposal_id(app_db, 1) == proposal


def test_bulk_confirm_from_the_queue(app_db):
    with_deals(app_db, {1: "120000", 2: "600000"})
    ids = [open_proposal_id(app_db, 1), open_proposal_id(app_db, 2)]
    at = open_page("pages/tiers.py", "admin")
    widget(at.multiselect, "Proposals to confirm").set_value(ids).run()
    button(at, "Confirm selected").click().run()
    assert_rendered(at)
    assert "Confirmed 2 proposals." in [s.value for s in at.success]
    assert (tier_of(app_db, 1), tier_of(app_db, 2)) == ("Silver", "Gold")


def test_run_evaluation_now_reports_what_it_did(app_db):
    at = open_page("pages/tiers.py", "channel")
    button(at, "Run evaluation now").click().run()
    assert_rendered(at)
    assert "40 partners evaluated: 26 proposals opened, 0 changed, 0 kept, 0 closed" in [
        s.value for s in at.success]


def test_admin_edits_rules_with_bad_input_shown_and_kept(app_db):
    at = open_page("pages/tiers.py", "admin")
    widget(at.selectbox, "Tier to edit").set_value(tier_id(app_db, "Gold")).run()
    field = "Minimum won revenue (trailing 12 months)"
    widget(at.text_input, field).set_value("lots")
    button(at, "Save rules").click().run()
    assert [e.value for e in at.error] == [
        "Enter the minimum won revenue as an amount, e.g. 500000."]
    assert widget(at.text_input, field).value == "lots"
    widget(at.text_input, field).set_value("750,000")
    button(at, "Save rules").click().run()
    assert_rendered(at)
    assert "Gold rules saved." in [s.value for s in at.success]
    assert 750000.0 in at.dataframe[-1].value["won_needed"].tolist()  # shown as money


def test_channel_manager_does_not_get_the_rules_editor(app_db):
    at = open_page("pages/tiers.py", "channel")
    assert not [s for s in at.selectbox if s.label == "Tier to edit"]


@pytest.mark.parametrize("username", ["p01.admin", "p01.rep1"])
def test_partner_sees_tier_benefits_and_what_the_next_tier_needs(app_db, username):
    with_deals(app_db, {1: "12000"})
    at = open_page("pages/my_tier.py", username)
    shown = texts(at)
    assert [t.value for t in at.title] == ["Our tier"]
    assert at.metric[0].value == "Registered"
    assert "Progress to Silver" in shown
    assert "- \\$88,000.00 more won revenue in the trailing 12 months" in shown
    assert "60 days" in at.dataframe[0].value["yours"].tolist()
    assert "No tier changes yet." in shown


def test_partner_sees_its_tier_history_after_a_change(app_db):
    with_deals(app_db, {1: "120000"})
    with Session(app_db) as db:
        from core.tiers import confirm_proposal

        confirm_proposal(db, actor_for(db, "channel"), open_proposal_id(app_db, 1))
        db.commit()
    at = open_page("pages/my_tier.py", "p01.rep1")
    history = at.dataframe[-1].value
    assert history["to"].tolist() == ["Silver"] and history["how"].tolist() == [
        "Proposal confirmed"]
    assert "Progress to Gold" in texts(at)
