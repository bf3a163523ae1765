"""The deal administration pages as their users see them: the product catalog (admin), the
direct-opportunity import (channel manager) and the won-deals report (finance).

Every test signs in through Home.py and switches to the page, as a browser would. The demo seed
has no deals: each test makes the ones it needs through the core services first."""

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from db.models import AuditEvent, DirectOpportunity, ProductLine
from db.session import unit_of_work
from tests.conftest import NOW
from tests.deals.test_deals import partner_id, register
from tests.deals.test_deals_direct import GOOD, csv_bytes
from tests.deals.test_deals_export import customer, won
from tests.pages import assert_rendered, open_page, select_row, texts, use_database


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert_rendered(at)
    return at


def click(at: AppTest, label: str) -> AppTest:
    found = [b for b in at.button if b.label == label]
    assert found, f"no button labelled {label!r}"
    found[0].click()
    return rerun(at)


def element_after(at: AppTest, widget) -> object:
    """The element drawn right below a widget (where FieldErrors puts its message)."""
    nodes = [n for n in at.main if not hasattr(n, "children")]  # elements, not blocks
    index = next(i for i, n in enumerate(nodes) if getattr(n, "id", None) == widget.id)
    return nodes[index + 1]


def table(at: AppTest, index: int = -1) -> list[dict]:
    return at.dataframe[index].value.to_dict("records")


def count(engine, model) -> int:
    with unit_of_work(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------- product catalog


def test_admin_adds_a_product_line_and_sees_it_listed(seeded, database_url):
    use_database(database_url)
    before = count(seeded, ProductLine)
    at = open_page("pages/product_catalog.py", "admin")
    assert [t.value for t in at.title] == ["Product catalog"]
    assert {"name": "Core Platform", "active": True} in table(at)

    at.text_input(key="catalog_new_name").input("  Edge   Gateway ")
    click(at, "Add product line")

    assert "Product line **Edge Gateway** added." in [s.value for s in at.success]
    assert {"name": "Edge Gateway", "active": True} in table(at)
    assert f"{before + 1} product lines, {before + 1} active, 0 inactive" in texts(at)
    assert at.text_input(key="catalog_new_name").value == ""  # ready for the next one
    assert count(seeded, ProductLine) == before + 1


def test_a_duplicate_name_is_shown_beside_the_name_and_nothing_is_written(seeded,
                                                                            database_url):
    use_database(database_url)
    before = count(seeded, ProductLine)
    at = open_page("pages/product_catalog.py", "admin")
    at.text_input(key="catalog_new_name").input("core platform")
    click(at, "Add product line")

    message = "A product line with that name already exists."
    assert [e.value for e in at.error] == [message]
    assert element_after(at, at.text_input(key="catalog_new_name")).value == message
    assert at.text_input(key="catalog_new_name").value == "core platform"  # kept as typed
    assert not at.success
    assert count(seeded, ProductLine) == before


def test_admin_renames_and_deactivates_a_line_which_stays_listed(seeded, database_url):
    use_database(database_url)
    at = open_page("pages/product_catalog.py", "admin")
    with unit_of_work(seeded) as session:
        line_id = session.scalar(select(ProductLine.id).where(ProductLine.name == "Analytics"))
    at.selectbox[0].set_value(line_id)
    rerun(at)
    at.text_input(key=f"catalog_name_{line_id}").input("Analytics Suite")
    at.checkbox(key=f"catalog_active_{line_id}").uncheck()
    click(at, "Save changes")

    assert "Product line **Analytics Suite** saved (inactive)." in [s.value for s in at.success]
    rows = table(at)
    assert {"name": "Analytics Suite", "active": False} in rows
    assert not any(r["name"] == "Analytics" for r in rows)
    with unit_of_work(seeded) as session:
        line = session.get(ProductLine, line_id)
        assert (line.name, line.active) == ("Analytics Suite", False)

    # Renaming another line to the same name is refused beside its name field.
    other = next(o for o in at.selectbox[0].options if "Core Platform" in o)
    at.selectbox[0].select(other)
    rerun(at)
    core_id = at.selectbox[0].value
    at.text_input(key=f"catalog_name_{core_id}").input("analytics suite")
    click(at, "Save changes")
    message = "A product line with that name already exists."
    assert [e.value for e in at.error] == [message]
    assert element_after(at, at.text_input(key=f"catalog_name_{core_id}")).value == message
    with unit_of_work(seeded) as session:
        assert session.get(ProductLine, core_id).name == "Core Platform"


# ---------------------------------------------------------------- won deals


def set_period(at: AppTest, first: date | str, last: date | str) -> AppTest:
    """Type both days of the period, each applied as Enter applies it in the browser."""
    at.text_input(key="won_first_day").input(str(first))
    at.text_input(key="won_last_day").input(str(last))
    return rerun(at)


def column_labels(at: AppTest, index: int = -1) -> dict[str, str]:
    """The header a user reads over each column of a ui.tables table, by column id."""
    config = json.loads(at.dataframe[index].proto.columns)
    return {column: spec.get("label", column) for column, spec in config.items()}


def test_finance_sees_the_won_deals_of_a_period_with_their_total_and_downloads(seeded,
                                                                               database_url):
    use_database(database_url)
    with unit_of_work(seeded) as session:
        first = won(session, "p01.rep1", "1234.56", days_ago=20, **customer(1))
        second = won(session, "p02.rep1", "99.00", days_ago=10, **customer(2))
        won(session, "p01.rep1", "5.00", days_ago=100, **customer(3))  # before the period
        p01 = partner_id(session, 1)

    at = open_page("pages/won_deals.py", "finance")
    assert [t.value for t in at.title] == ["Won deals"]
    today = datetime.now(ZoneInfo("UTC")).date()  # finance's zone is UTC in the demo
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    # This quarter, as YYYY-MM-DD text.
    assert at.text_input(key="won_first_day").value == quarter.isoformat()
    assert at.text_input(key="won_last_day").value == today.isoformat()

    set_period(at, (NOW - timedelta(days=30)).date(), NOW.date())
    rows = table(at)
    assert [r["deal"] for r in rows] == [first, second]
    assert [r["amount"] for r in rows] == [1234.56, 99.0]  # numbers, shown as money
    assert column_labels(at)["amount"] == "Final amount (USD)"
    assert json.loads(at.dataframe[-1].proto.columns)["amount"]["type_config"]["format"] \
        == "accounting"
    assert rows[0]["customer"] == "Customer 1"
    assert [(m.label, m.value) for m in at.metric] == [
        ("Won deals", "2"), ("Total final amount (USD)", "1,333.56")]
    buttons = {b.label: b for b in at.get("download_button")}
    assert set(buttons) == {"Download CSV", "Download XLSX"}
    assert not buttons["Download CSV"].proto.disabled
    assert not buttons["Download XLSX"].proto.disabled

    at.selectbox(key="won_partner").set_value(p01)
    rerun(at)
    assert [r["deal"] for r in table(at)] == [first]
    assert at.metric[1].value == "1,234.56"


def test_a_new_first_day_applied_with_enter_moves_the_totals_at_once(seeded, database_url):
    """Issue #14: typing a new start date and pressing Enter showed the new dates over the
    totals of the old period until a click elsewhere. The cause was the widget, not the
    page's state: Streamlit's date range input applies typed dates only when it loses focus
    (or its calendar closes), never on Enter, so the page was not even run again. The period
    is now two text fields, which apply on Enter; AppTest's input-and-run is what Enter sends.
    (On the old page there is no such field: AppTest set the range's value directly, which a
    browser never did on Enter.)"""
    use_database(database_url)
    with unit_of_work(seeded) as session:
        won(session, "p01.rep1", "100.00", days_ago=40, **customer(1))
        won(session, "p01.rep1", "20.00", days_ago=5, **customer(2))
    at = open_page("pages/won_deals.py", "finance")
    set_period(at, (NOW - timedelta(days=10)).date(), NOW.date())
    assert [m.value for m in at.metric] == ["1", "20.00"]

    at.text_input(key="won_first_day").input(str((NOW - timedelta(days=60)).date()))
    rerun(at)  # Enter
    assert at.text_input(key="won_first_day").value == str((NOW - timedelta(days=60)).date())
    assert [m.value for m in at.metric] == ["2", "120.00"]
    assert len(table(at)) == 2


def test_a_won_deal_opens_from_its_row_for_those_who_may_open_deals(seeded, database_url):
    """Issue #14: rows open their record, for the roles that may see it (not finance)."""
    use_database(database_url)
    with unit_of_work(seeded) as session:
        deal_id = won(session, "p01.rep1", "100.00", days_ago=5, **customer(1))
    at = open_page("pages/won_deals.py", "exec")
    set_period(at, (NOW - timedelta(days=10)).date(), NOW.date())
    select_row(at, "won_deals", 0)
    assert at.query_params["id"] == str(deal_id)
    assert f"#{deal_id} Customer 1" in texts(at)

    finance = open_page("pages/won_deals.py", "finance")
    assert "Select a row to open it." not in texts(finance)


def test_many_won_deals_come_in_pages_and_the_totals_count_them_all(seeded, database_url,
                                                                     monkeypatch):
    from core.deals import revenue

    use_database(database_url)
    monkeypatch.setattr(revenue, "WON_PAGE_SIZE", 2)  # the page reads it on each run
    with unit_of_work(seeded) as session:
        ids = [won(session, "p01.rep1", "10.00", days_ago=20 - i, **customer(i))
               for i in range(5)]
    at = open_page("pages/won_deals.py", "finance")
    set_period(at, (NOW - timedelta(days=30)).date(), NOW.date())
    assert [r["deal"] for r in table(at)] == ids[:2]
    assert [m.value for m in at.metric] == ["5", "50.00"]
    assert "Page 1 of 3, 2 deals a page" in at.caption[-1].value
    at.number_input(key="won_page").set_value(3)
    rerun(at)
    assert [r["deal"] for r in table(at)] == ids[4:]
    assert [m.value for m in at.metric] == ["5", "50.00"]
    # Another period starts at the first page again.
    at.text_input(key="won_first_day").input(str((NOW - timedelta(days=19)).date()))
    rerun(at)
    assert at.number_input(key="won_page").value == 1
    assert [r["deal"] for r in table(at)] == ids[1:3]


def test_a_period_that_ends_before_it_starts_is_refused_beside_the_period(seeded, database_url):
    use_database(database_url)
    at = open_page("pages/won_deals.py", "finance")
    set_period(at, NOW.date(), (NOW - timedelta(days=30)).date())
    message = "The end of the period is before its start."
    assert [e.value for e in at.error] == [message]
    assert element_after(at, at.text_input(key="won_last_day")).value == message
    assert not at.dataframe and not at.get("download_button")


def test_a_day_that_is_not_a_date_is_refused_beside_it_as_typed(seeded, database_url):
    use_database(database_url)
    at = open_page("pages/won_deals.py", "finance")
    set_period(at, "2026-13-01", "")
    first = "Enter the first day of the period as YYYY-MM-DD."
    last = "Enter the last day of the period."
    assert [e.value for e in at.error] == [first, last]
    assert element_after(at, at.text_input(key="won_first_day")).value == first
    assert element_after(at, at.text_input(key="won_last_day")).value == last
    assert at.text_input(key="won_first_day").value == "2026-13-01"  # kept as typed
    assert not at.metric and not at.dataframe


# ---------------------------------------------------------------- direct opportunities


def uploader(at: AppTest):
    return next(u for u in at.get("file_uploader") if u.key.startswith("direct_files_"))


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    uploader(at).set_value([(name, content, "text/csv") for name, content in files])
    return rerun(at)


def infos(at: AppTest) -> list[str]:
    return [i.value for i in at.info]


def test_channel_manager_previews_a_file_with_a_bad_row_and_imports_none(seeded,
                                                                         database_url):
    use_database(database_url)
    at = open_page("pages/direct_opportunities.py", "channel")
    assert [t.value for t in at.title] == ["Direct opportunities"]
    columns = table(at, 0)  # the help on the file's columns
    assert columns[0]["column"] == "external id" and columns[0]["required"]
    assert "Download an example CSV" in [b.label for b in at.get("download_button")]

    audit_before = count(seeded, AuditEvent)
    upload(at, ("crm.csv", csv_bytes(
        GOOD[0], "CRM-4,Initech,initech.com,Narnia,Bad,-3,2027-12-31,", GOOD[1])))

    assert infos(at) == ["3 rows: 2 new, 0 to update, 0 unchanged, 1 rejected."]
    assert [r["external_id"] for r in table(at, 1)] == ["CRM-1", "CRM-2"]  # the preview
    assert table(at, 2) == [{"file": "crm.csv", "line": 3,
                             "problem": "Country: Not a country; use a code such as US or DE."}]
    assert count(seeded, DirectOpportunity) == 0  # the preview wrote nothing
    click(at, "Import none")
    assert not at.info and not at.success
    assert "Import the 2 good rows" not in [b.label for b in at.button]
    assert "0 direct opportunities" in texts(at)
    assert count(seeded, DirectOpportunity) == 0
    assert count(seeded, AuditEvent) == audit_before


def test_a_good_import_shows_its_counts_and_the_registrations_it_collides_with(seeded,
                                                                               database_url):
    use_database(database_url)
    with unit_of_work(seeded) as session:
        register(session, "p01.rep1")  # acme.com, submitted: goes to the desk
        register(session, "p27.rep1", company="Globex", website="globex.de", country="DE",
                 contact_email="a@globex.de")  # Gold: approved at once, so protected
    at = open_page("pages/direct_opportunities.py", "channel")
    upload(at, ("crm.csv", csv_bytes(*GOOD)))
    click(at, "Import the 2 good rows")

    assert [s.value for s in at.success] == ["Imported 2 rows: 2 created, 0 updated, "
                                             "0 unchanged."]
    shown = texts(at)
    assert "1 pending partner registration for the same customers was sent to the deal desk" \
        in shown
    assert "1 approved partner registration protects the same customers" in shown
    assert [link.label for link in at.get("page_link")
            if link.label == "Open the deal desk"] == ["Open the deal desk"]
    assert "2 direct opportunities" in shown
    rows = table(at)
    assert [(r["external_id"], r["amount"], r["status"]) for r in rows] == [
        ("CRM-2", 1500.5, "Open"), ("CRM-1", 120000.0, "Open")]
    assert column_labels(at)["amount"] == "Amount (USD)"

    # The outcome stays while the list is searched; the search narrows the list.
    at.text_input(key="direct_search").input("acme")
    rerun(at)
    assert [r["external_id"] for r in table(at)] == ["CRM-1"]
    assert "1 direct opportunity" in texts(at)
    assert [s.value for s in at.success] == ["Imported 2 rows: 2 created, 0 updated, "
                                             "0 unchanged."]

    # The same file again changes nothing: the pending registration is with the desk
    # already, while the approved one still collides.
    upload(at, ("crm.csv", csv_bytes(*GOOD)))
    assert infos(at) == ["2 rows: 0 new, 0 to update, 2 unchanged, 0 rejected."]
    click(at, "Import the 2 good rows")
    assert [s.value for s in at.success] == ["Imported 2 rows: 0 created, 0 updated, "
                                             "2 unchanged."]
    assert "sent to the deal desk" not in texts(at)
    assert "1 approved partner registration protects" in texts(at)
    assert count(seeded, DirectOpportunity) == 2


def test_salesforce_exports_are_read_together_and_rejected_rows_say_why(seeded,
                                                                        database_url):
    from tests.crm.test_imports import SF

    use_database(database_url)
    at = open_page("pages/direct_opportunities.py", "admin")
    upload(at, *((path.name, path.read_bytes()) for path in SF))
    assert "Salesforce Opportunity export" in texts(at)
    assert infos(at) == ["7 rows: 5 new, 0 to update, 0 unchanged, 2 rejected."]
    assert [r["problem"] for r in table(at, 2)] == [
        "Account 0015g00000Zz9Zz is not in the Account export.",
        "The company's country 'Atlantis' cannot be read."]
    click(at, "Import the 5 good rows")
    assert [s.value for s in at.success] == [
        "Imported 5 rows: 5 created, 0 updated, 0 unchanged; 2 rejected rows were left out."]
    assert count(seeded, DirectOpportunity) == 5


def test_a_custom_field_is_mapped_once_and_a_bad_mapping_is_refused_beside_it(seeded,
                                                                              database_url):
    use_database(database_url)
    at = open_page("pages/direct_opportunities.py", "channel")
    at.selectbox(key="mapping_field").set_value("partner")
    at.text_input(key="mapping_column").input("   ")
    at.button(key="FormSubmitter:crm_mapping-Save the mapping").click()
    rerun(at)
    # (The message's slot is under the field, in its column: AppTest lists columns apart.)
    assert [e.value for e in at.error] == ["Give the column's name as the export writes it."]
    at.text_input(key="mapping_column").input("Partner__c")
    at.button(key="FormSubmitter:crm_mapping-Save the mapping").click()
    rerun(at)
    assert [m.value.replace("\\", "") for m in at.markdown
            if m.value.startswith("Salesforce:")] == [
        "Salesforce: **Partner__c** → Partner, by name or our id (the opportunity is that "
        "partner's deal)"]


def test_a_file_that_is_no_crm_export_is_refused_beside_the_uploader(seeded, database_url):
    use_database(database_url)
    at = open_page("pages/direct_opportunities.py", "admin")
    upload(at, ("export.csv", "Société,Ville\nA,B\n".encode("latin-1")))
    assert len(at.error) == 1 and at.error[0].value.replace("\\", "").startswith(
        "export.csv: not a Salesforce Account or Opportunity export")
    assert element_after(at, uploader(at)).value == at.error[0].value
    assert not at.success and not at.info
    assert count(seeded, DirectOpportunity) == 0
