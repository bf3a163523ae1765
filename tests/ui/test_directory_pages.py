"""The partner directory and partner 360 pages through AppTest, on the shared demo database
(read only): filters narrow the table, the CSV download is there, a partner's 360 opens from
the directory or from a link, and bad input gets a message."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Partner
from db.session import make_engine
from tests.pages import (
    assert_rendered,
    button,
    open_page,
    select_row,
    texts,
    use_database,
    widget,
)

SECTIONS = ["Profile", "Users", "Tier", "Onboarding", "Deals", "Audit trail", "Funds", "POS",
            "Incentives", "Leads", "Training", "Scorecard", "Portal"]  # each its own tab


@pytest.fixture
def partners(demo_database_url) -> list[Partner]:
    use_database(demo_database_url)
    engine = make_engine(demo_database_url)
    with Session(engine, expire_on_commit=False) as db:
        rows = list(db.scalars(select(Partner).order_by(Partner.name, Partner.id)))
        for p in rows:  # loaded before the session closes
            _ = p.tier.name, list(p.regions), list(p.territories), list(p.product_lines)
    engine.dispose()
    return rows


def table(at):
    return at.dataframe[0].value


def test_tier_and_region_filters_show_only_those_partners(partners):
    at = open_page("pages/partners.py", "channel")
    assert len(table(at)) == min(50, len(partners))
    widget(at.selectbox, "Tier").select("Gold").run()
    widget(at.selectbox, "Region").select("EMEA").run()
    assert_rendered(at)
    expected = [p.name for p in partners if p.tier.name == "Gold" and "EMEA" in p.regions]
    shown = table(at)
    assert expected and list(shown["name"]) == expected
    assert set(shown["tier"]) == {"Gold"}
    assert all("EMEA" in regions for regions in shown["regions"])
    assert f"{len(expected)} partners match" in texts(at)


def test_the_territory_filter_shows_the_partners_with_a_territory_there(partners):
    at = open_page("pages/partners.py", "exec")
    countries = widget(at.selectbox, "Territory in").options
    assert "CA" in countries and "US" in countries
    widget(at.selectbox, "Territory in").select("CA").run()
    assert_rendered(at)
    expected = [p.name for p in partners if any(t.country == "CA" for t in p.territories)]
    assert expected and list(table(at)["name"]) == expected


def test_the_csv_download_is_offered(partners):
    at = open_page("pages/partners.py", "finance")
    downloads = [d for d in at.get("download_button") if d.proto.label == "Download CSV"]
    assert len(downloads) == 1 and not downloads[0].proto.disabled


def test_search_narrows_and_a_too_long_search_gets_a_message(partners):
    at = open_page("pages/partners.py", "analyst")
    target = partners[5]
    widget(at.text_input, "Search").input(target.name).run()
    assert target.name in list(table(at)["name"])
    widget(at.text_input, "Search").input("x" * 300).run()
    assert_rendered(at)
    assert "Keep the search to 200 characters or fewer." in [e.value for e in at.error]


def test_a_partners_360_opens_from_the_directory(partners):
    at = open_page("pages/partners.py", "channel")
    target = partners[0]
    position = list(table(at)["name"]).index(target.name)
    select_row(at, "directory", position)  # a click on its row
    assert [t.value for t in at.title] == ["Partner 360"]
    assert [h.value for h in at.header] == [target.name]
    assert at.query_params.get("id") == str(target.id)


def test_the_360_shows_every_section_its_funds_included(partners):
    target = partners[2]
    at = open_page("pages/partner_360.py", "admin", id=str(target.id))
    assert [h.value for h in at.header] == [target.name]
    assert [t.label for t in at.tabs] == SECTIONS
    assert {m.label for m in at.metric} >= {"Tier", "Open deals", "Open pipeline",
                                           "Won, last 12 months", "Open conflicts"}
    assert not any("not available yet" in i.value for i in at.info)  # funds landed: #18
    funded = {"Allocated", "Available", "Paid"} <= {m.label for m in at.metric}
    assert funded != ("No fund allocation." in texts(at))  # its balances, or that it has none

    assert {m.label for m in at.metric} >= {"Offers, 90 days", "Acceptance",
                                           "Median hours to answer", "Conversion", "Lapsed"}
    assert widget(at.metric, "Tier").value == target.tier.name
    lines = ", ".join(x.name for x in target.product_lines) or "none"
    assert any(f"**Product lines:** {lines}" in m.value for m in at.markdown)


def test_the_360_shows_a_funded_partners_balances(partners):
    p01 = next(p for p in partners if p.name == "Flores PLC")  # the demo's p01: co-op funds
    at = open_page("pages/partner_360.py", "finance", id=str(p01.id))
    assert {"Allocated", "Available", "Paid"} <= {m.label for m in at.metric}
    assert "What its funded activities brought" in texts(at)


def test_the_360_hides_contacts_and_audit_from_an_analyst(partners):
    at = open_page("pages/partner_360.py", "analyst", id=str(partners[0].id))
    infos = [i.value for i in at.info]
    assert "Contact details are shown to administrators and channel managers." in infos
    assert "The audit trail is shown to administrators." in infos


@pytest.mark.parametrize("bad", ["abc", "999999"])
def test_a_bad_link_gets_a_message_and_the_partner_list(partners, bad):
    at = open_page("pages/partner_360.py", "exec", id=bad)
    assert at.warning and ("not a partner id" in at.warning[0].value
                           or "no partner with id" in at.warning[0].value)
    assert not at.header
    assert widget(at.selectbox, "Partner").value is None


def test_a_manager_confirms_a_proposed_promotion_on_the_360(seeded, database_url):
    from tests.partners.test_partner360 import _promote_by_evaluation

    use_database(database_url)
    with Session(seeded, expire_on_commit=False) as db:
        partner = _promote_by_evaluation(db)
    at = open_page("pages/partner_360.py", "channel", id=str(partner.id))
    assert "Proposed promotion: Registered → Silver" in texts(at)
    button(at, "Confirm promotion to Silver").click().run()
    assert_rendered(at)
    assert f"{partner.name} is now Silver; the partner is notified." in texts(at)
    with Session(seeded) as db:
        assert db.get(Partner, partner.id).tier.name == "Silver"
