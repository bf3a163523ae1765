"""The Scorecard page and Partner 360's Scorecard tab through AppTest, on the shared demo
database (read only): a partner sees only its own, the vendor any, with health (issue #15)."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.analytics import KPIS, period_choices, scorecard
from db.models import Partner, User
from db.session import make_engine
from tests.conftest import actor_for
from tests.pages import open_page, texts, use_database, widget
from ui.scorecard import headline


@pytest.fixture
def demo(demo_database_url):
    use_database(demo_database_url)
    engine = make_engine(demo_database_url)
    yield engine
    engine.dispose()


def partner_of(engine, username: str) -> int:
    with Session(engine) as db:
        return db.scalar(select(User.partner_id).where(User.username == username))


def test_a_partner_sees_its_own_scorecard_whatever_id_the_address_asks(demo):
    other = partner_of(demo, "p02.admin")
    at = open_page("pages/scorecard.py", "p01.admin", id=str(other))
    assert [t.value for t in at.title] == ["Our scorecard"]
    assert "Partner" not in [s.label for s in at.selectbox]  # nothing to choose
    assert [m.label for m in at.metric] == [k.label for k in KPIS]  # no health for partners
    with Session(demo) as db:
        p01 = actor_for(db, "p01.admin")
        today = datetime.now(UTC).date()
        card = scorecard(db, p01, p01.partner_id, period_choices(today)["Last 12 months"])
        other_name = db.get(Partner, other).name
    assert [m.value for m in at.metric] == [headline(k, k.value) for k in card.kpis]
    assert [m.value for m in at.metric][1].endswith(" USD")  # won revenue, compact
    assert other_name not in texts(at)


def test_the_channel_team_sees_any_partners_scorecard_with_health(demo):
    p02 = partner_of(demo, "p02.admin")
    at = open_page("pages/scorecard.py", "channel", id=str(p02))
    with Session(demo) as db:
        name = db.get(Partner, p02).name
    assert [h.value for h in at.header] == [name]
    assert at.metric[0].label == "Health"
    assert widget(at.selectbox, "Partner").value == p02
    widget(at.selectbox, "Period").set_value("Last 3 months").run()
    period = period_choices(datetime.now(UTC).date())["Last 3 months"]
    assert f"{period.label}, compared with {period.previous().label}." in texts(at)


@pytest.mark.parametrize("bad", ["abc", "999999"])
def test_a_bad_scorecard_link_says_so_and_leaves_the_choice_open(demo, bad):
    """As Partner 360 does (ui.records.linked_choice): not a silent empty page."""
    at = open_page("pages/scorecard.py", "channel", id=bad)
    assert at.warning and ("not a partner id" in at.warning[0].value
                           or "no partner with id" in at.warning[0].value)
    assert widget(at.selectbox, "Partner").value is None
    assert not at.metric


def test_partner_360_shows_the_scorecard_tab(demo):
    p02 = partner_of(demo, "p02.admin")
    at = open_page("pages/partner_360.py", "exec", id=str(p02))
    assert "Health" in [m.label for m in at.metric]
    assert {k.label for k in KPIS} <= {m.label for m in at.metric}


def test_the_admin_sets_health_weights_on_partner_performance(seeded, database_url):
    from core.analytics import health_weights
    from tests.pages import button

    use_database(database_url)
    at = open_page("pages/partner_performance.py", "admin")
    widget(at.number_input, "Win rate").set_value(45)
    button(at, "Save weights").click().run()
    assert "Health weights saved." in texts(at)
    with Session(seeded) as db:
        assert health_weights(db)["win_rate"] == 45
    channel = open_page("pages/partner_performance.py", "channel")
    assert "Save weights" not in [b.label for b in channel.get("form_submit_button")]
