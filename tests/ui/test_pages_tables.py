"""Issue #14, "tables that fit and read as words", on the admin, tier, onboarding and partner
pages: money as money, times in the user's zone, enums as labels, "—" for nothing, intervals
in words, and the partner 360's headline whole at 1400 px. What a user reads is asserted: a
cell's value with the table's column config (its header, its kind) and its placeholder."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from core.money import compact_money
from db.models import Partner
from tests.pages import open_page, use_database


@pytest.fixture
def app_db(seeded, database_url):
    use_database(database_url)
    return seeded


def config(frame) -> dict[str, dict]:
    """A shown table's column config by column id (its header is the "label")."""
    return {k: v for k, v in json.loads(frame.proto.columns).items() if k != "_index"}


def shown(frame) -> list[dict]:
    """The rows as a user reads them: header -> cell, an empty cell as the placeholder."""
    columns = config(frame)
    return [{columns[c].get("label", c): (frame.proto.placeholder if _empty(v) else v)
             for c, v in row.items() if c in columns}
            for row in frame.value.to_dict("records")]


def _empty(value) -> bool:
    return value is None or value != value  # None, NaN and NaT


def table_with(at, header: str):
    for frame in at.dataframe:
        if header in [c.get("label") for c in config(frame).values()]:
            return frame
    raise AssertionError(f"no table with a column {header!r}")


def metric_rows(at) -> list[list[tuple[str, str]]]:
    """The metrics as the screen lays them out: one list per row of columns."""
    rows = []

    def walk(node) -> None:
        children = list(getattr(node, "children", {}).values())
        if getattr(node, "type", None) == "flex_container" and children and all(
                getattr(c, "type", None) == "column" for c in children):
            row = [(m.label, m.value) for c in children for m in c.children.values()
                   if getattr(m, "type", None) == "metric"]
            if row:
                rows.append(row)
                return
        for child in children:
            walk(child)

    walk(at.main)
    return rows


# ---------------------------------------------------------------- partner 360 headline


def test_the_360_headline_shows_every_figure_whole_in_rows_of_three(app_db):
    """Issue #14: six metrics in one row were cut at 1400 px ("Registe...", "398,50...").
    Three to a row, and amounts compact ("398.5K USD"), with the exact figure in the help."""
    from tests.tiers.test_tiers import add_deal, partner_id

    with Session(app_db) as db:
        add_deal(db, 1, "398500.00", closed_on=datetime.now(UTC).date())  # won today
        add_deal(db, 1, "1250000.00", status="submitted")  # open pipeline
        db.commit()
        pid = partner_id(db, 1)
        tier = db.get(Partner, pid).tier.name
    at = open_page("pages/partner_360.py", "channel", id=str(pid))

    assert metric_rows(at)[:2] == [  # the headline; the Scorecard tab's follow
        [("Tier", tier), ("Status", "Active"), ("Open deals", "1")],
        [("Open pipeline", "1.3M USD"), ("Won, last 12 months", "398.5K USD"),
         ("Open conflicts", "0")]]
    helps = {m.label: m.help for m in at.metric}
    assert helps["Open pipeline"].startswith("1,250,000.00 USD")
    assert helps["Won, last 12 months"].startswith("398,500.00 USD")


def test_compact_money_keeps_what_a_headline_needs():
    usd = "USD"
    assert [compact_money(Decimal(v), usd) for v in
            ("950", "1000", "12000", "398500", "999949.99", "999950", "1250000", "-398500")] \
        == ["950.00 USD", "1K USD", "12K USD", "398.5K USD", "999.9K USD", "1M USD",
            "1.3M USD", "-398.5K USD"]
    assert compact_money(None, usd) == ""


# ---------------------------------------------------------------- the admin's tables


def test_the_jobs_page_says_intervals_and_outcomes_in_words(app_db):
    at = open_page("pages/jobs.py", "admin")
    jobs = {row["Job"]: row for row in shown(table_with(at, "Job"))}
    assert jobs["send-mail"]["Every"] == "every minute"
    assert jobs["deal-protection"]["Every"] == "every hour"
    assert jobs["tier-evaluation"]["Every"] == "daily"
    assert {row["Outcome"] for row in jobs.values()} == {"Never run"}
    assert {row["Last run"] for row in jobs.values()} == {"—"}
    columns = config(table_with(at, "Job"))
    assert columns["job"]["pinned"]  # the key column stays in view
    assert columns["last"]["type_config"]["format"] == "YYYY-MM-DD HH:mm"  # no microseconds
    assert columns["last"]["type_config"]["timezone"] == "UTC"  # the admin's zone in the demo


def test_every_says_an_interval_as_people_do():
    from core.jobs import every

    assert [every(timedelta(**kw)) for kw in (
        {"minutes": 1}, {"minutes": 15}, {"hours": 1}, {"hours": 6}, {"days": 1}, {"days": 2},
        {"weeks": 1}, {"minutes": 90})] == [
        "every minute", "every 15 minutes", "every hour", "every 6 hours", "daily",
        "every 2 days", "weekly", "every 90 minutes"]


def test_the_users_table_reads_roles_as_labels_and_nothing_as_a_dash(app_db):
    at = open_page("pages/users.py", "admin")
    users = {row["Username"]: row for row in shown(table_with(at, "Username"))}
    assert users["admin"]["Role"] == "Administrator"
    assert users["p01.rep1"]["Role"] == "Partner sales rep"
    assert users["admin"]["Partner"] == "—"  # a vendor user has none
    assert users["p01.rep1"]["Partner"] not in ("", "—", None)
    assert users["admin"]["Locked until"] == "—"
    assert config(table_with(at, "Username"))["username"]["pinned"]


def test_a_partner_admin_sees_no_partner_column_of_its_own_users(app_db):
    at = open_page("pages/users.py", "p01.admin")
    headers = [c["label"] for c in config(table_with(at, "Username")).values()]
    assert "Partner" not in headers and "Role" in headers


def test_the_audit_log_shows_times_to_the_minute_in_the_users_zone(app_db):
    at = open_page("pages/audit_log.py", "admin")
    when = config(table_with(at, "When"))["when"]
    assert when["type_config"] == {"type": "datetime", "format": "YYYY-MM-DD HH:mm",
                                   "timezone": "UTC"}


def test_the_audit_log_period_is_typed_and_refused_beside_it_when_not_a_date(app_db):
    at = open_page("pages/audit_log.py", "admin")
    at.text_input(key="audit_first_day").input("yesterday").run()
    assert [e.value for e in at.error] == ["Enter the first day as YYYY-MM-DD."]
    assert not at.dataframe
    today = datetime.now(UTC).date()
    at.text_input(key="audit_first_day").input(str(today - timedelta(days=400)))
    at.text_input(key="audit_last_day").input(str(today - timedelta(days=399))).run()
    assert not at.error
    assert shown(table_with(at, "When")) == []  # nothing happened then
    assert "0 events" in [c.value for c in at.caption]


# ---------------------------------------------------------------- tiers and onboarding


def test_tier_rules_show_money_as_money(app_db):
    at = open_page("pages/tiers.py", "admin")
    rules = table_with(at, "Tier")
    columns = config(rules)
    assert columns["won_needed"]["label"] == "Won revenue needed (USD)"
    assert columns["won_needed"]["type_config"]["format"] == "accounting"
    gold = next(r for r in shown(rules) if r["Tier"] == "Gold")
    assert isinstance(gold["Won revenue needed (USD)"], float)
    assert gold["Deal protection"].endswith("days")


def test_the_onboarding_report_reads_statuses_as_labels_and_days_as_numbers(app_db):
    at = open_page("pages/onboarding.py", "admin")
    rows = shown(table_with(at, "Waiting at"))
    assert rows and {r["Status"] for r in rows} <= {"Prospect", "Onboarding", "Active",
                                                    "Suspended", "Terminated"}
    assert all(r["Days waiting"] == "—" or isinstance(r["Days waiting"], float) for r in rows)
    assert config(table_with(at, "Waiting at"))["partner"]["pinned"]
