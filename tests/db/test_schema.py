"""The schema is made by Alembic only, and agrees with the models on both databases."""

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.analytics import Period, totals_frame
from db.migrate import alembic_config, upgrade
from db.models import Base
from db.models.base import include_object_for
from db.session import make_engine
from db.types import Money
from tests.conftest import NOW
from tests.databases import BACKENDS


def test_migrated_schema_matches_models(engine):
    with engine.connect() as conn:
        assert _schema_differences(conn) == []


def test_migrations_seed_the_four_tiers(engine):
    from core.actor import Actor
    from core.partners import list_tiers
    from db.session import unit_of_work

    with unit_of_work(engine) as db:
        tiers = list_tiers(db, Actor.system("test"))
    assert [t.name for t in tiers] == ["Registered", "Silver", "Gold", "Platinum"]
    assert [t.deal_protection_days for t in tiers] == sorted(t.deal_protection_days
                                                             for t in tiers)
    assert not tiers[0].mdf_eligible and tiers[-1].mdf_eligible


def test_money_sums_exactly_in_sql(engine):
    meta = MetaData()
    amounts = Table("money_probe", meta, Column("id", Integer, primary_key=True),
                    Column("amount", Money))
    meta.create_all(engine)
    try:
        with engine.begin() as conn:
            conn.execute(insert(amounts), [{"amount": Decimal("0.10")},
                                           {"amount": Decimal("0.20")}])
            total = conn.execute(select(func.sum(amounts.c.amount))).scalar_one()
            stored = conn.execute(select(amounts.c.amount)).scalars().all()
            raw_total = conn.exec_driver_sql("SELECT SUM(amount) FROM money_probe").scalar_one()
        assert total == Decimal("0.30")
        assert raw_total == 30  # integer cents: no floating point on either database
        assert stored == [Decimal("0.10"), Decimal("0.20")]
        assert "money_probe" in inspect(engine).get_table_names()
    finally:
        meta.drop_all(engine)


def test_money_refuses_float():
    import pytest

    with pytest.raises(TypeError):
        Money().process_bind_param(0.1, None)


# ---------------------------------------------------------------- upgrades keep data


@pytest.fixture(params=BACKENDS)
def blank_url(request, tmp_path):
    """An empty database that no migration has touched yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.db'}"
        return
    factory = request.getfixturevalue("postgres_factory")
    name = f"prm_blank_{uuid.uuid4().hex[:10]}"
    with factory.admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = factory.url(name)
    yield url
    factory.drop(url)


def _row(table: Table, **given) -> dict:
    """A row with every required column filled: the given values, else a plain one."""
    plain = {int: 1, str: "x", bool: False, datetime: NOW, date: NOW.date(), list: [],
             dict: {}, Decimal: 0}
    row = dict(given)
    for col in table.columns:
        if col.name in row or col.nullable or col.primary_key or col.server_default is not None:
            continue
        try:
            kind = col.type.python_type
        except NotImplementedError:
            kind = list  # JSON
        row[col.name] = plain[kind]
    return row


def _partner_with_a_user(conn) -> tuple[dict, int, int]:
    """The tables as they are at this revision, a partner and one of its users."""
    meta = MetaData()
    meta.reflect(conn)
    t = meta.tables
    tier = conn.execute(select(t["tiers"].c.id).limit(1)).scalar_one()
    partner = conn.execute(insert(t["partners"]).values(_row(
        t["partners"], name="Northwind", country="US", tier_id=tier))).inserted_primary_key[0]
    user = conn.execute(insert(t["users"]).values(_row(
        t["users"], username="nw.rep", partner_id=partner))).inserted_primary_key[0]
    return t, partner, user


def _filed_before(conn, t, partner: int, user: int, name: str, old_key: str, old_form: str,
                  country: str) -> int:
    """An end customer and one registration under `name`, keyed as an older release did;
    the customer's id."""
    customer = conn.execute(insert(t["end_customers"]).values(_row(
        t["end_customers"], name=name, normalized_name=old_key, country=country))
    ).inserted_primary_key[0]
    conn.execute(insert(t["deal_registrations"]).values(_row(
        t["deal_registrations"], partner_id=partner, registered_by_user_id=user,
        owner_user_id=user, end_customer_id=customer, customer_name=name,
        customer_key=old_key, customer_name_form=old_form, customer_country=country,
        status="submitted", product_line_ids=[])))
    return customer


def _index_keys(conn, customer: int) -> set[str]:
    return set(conn.execute(text("SELECT key FROM end_customer_keys WHERE "
                                 "end_customer_id = :c"), {"c": customer}).scalars())


def _row_counts(conn, tables) -> dict[str, int]:
    """How many rows each table holds (reflected as the database has it now)."""
    meta = MetaData()
    meta.reflect(conn)
    return {name: conn.execute(select(func.count()).select_from(meta.tables[name])
                               ).scalar_one() for name in tables}


def _schema_differences(conn) -> list:
    ctx = MigrationContext.configure(conn, opts={
        "compare_type": True, "include_object": include_object_for(conn.dialect.name)})
    return compare_metadata(ctx, Base.metadata)


def test_upgrading_a_database_with_deals_keeps_them_and_keys_them(blank_url):
    """Migration 0005 rebuilds deal_registrations on SQLite while deal_events point at it,
    turns the old conflict flag into a verdict and indexes every end customer's names."""
    command.upgrade(alembic_config(blank_url), "0004")
    engine = make_engine(blank_url)
    with engine.begin() as conn:
        t, partner, user = _partner_with_a_user(conn)
        deals = []
        for name, conflict in (("Acme Widgets, LLC", False), ("ACME Widgets", True)):
            customer = conn.execute(insert(t["end_customers"]).values(_row(
                t["end_customers"], name=name, normalized_name="acme widgets", country="US"))
            ).inserted_primary_key[0]
            deal = conn.execute(insert(t["deal_registrations"]).values(_row(
                t["deal_registrations"], partner_id=partner, registered_by_user_id=user,
                owner_user_id=user, end_customer_id=customer, customer_name=name,
                customer_country="US", status="submitted", conflict=conflict,
                product_line_ids=[]))).inserted_primary_key[0]
            conn.execute(insert(t["deal_events"]).values(_row(
                t["deal_events"], deal_id=deal, text="Submitted.")))
            deals.append(deal)

    upgrade(blank_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, match_verdict, customer_name_form "
                                 "FROM deal_registrations ORDER BY id")).all()
        assert [(r.id, r.match_verdict) for r in rows] == [(deals[0], "clear"),
                                                          (deals[1], "conflict")]
        assert all(r.customer_name_form for r in rows)
        assert conn.execute(text("SELECT count(*) FROM deal_events")).scalar_one() == 2
        keys = set(conn.execute(text("SELECT key FROM end_customer_keys")).scalars())
        assert "n:acmewidgets" in keys
    engine.dispose()


def test_upgrading_rekeys_names_with_legal_forms_read_only_now(blank_url):
    """Migration 0007: a customer written as "Nordea Bank Abp" before Abp counted as a legal
    form gets the normalized name, stored form and index keys the services write today."""
    command.upgrade(alembic_config(blank_url), "0006")
    engine = make_engine(blank_url)
    with engine.begin() as conn:
        t, partner, user = _partner_with_a_user(conn)
        customers = {}
        for name, old_key in (("Nordea Bank Abp", "nordea bank abp"),
                              ("Acme Widgets, LLC", "acme widgets")):
            customers[name] = _filed_before(conn, t, partner, user, name, old_key,
                                            f"0|{old_key}|", "FI")

    upgrade(blank_url)
    with engine.connect() as conn:
        normalized = dict(conn.execute(text("SELECT name, normalized_name FROM end_customers"))
                          .tuples().all())
        assert normalized == {"Nordea Bank Abp": "nordea bank",
                              "Acme Widgets, LLC": "acme widgets"}
        deals = {r.customer_name: r for r in conn.execute(text(
            "SELECT customer_name, customer_key, customer_name_form FROM deal_registrations"))}
        assert deals["Nordea Bank Abp"].customer_key == "nordea bank"
        assert deals["Nordea Bank Abp"].customer_name_form == "1|nordea bank|"
        assert deals["Acme Widgets, LLC"].customer_name_form == "0|acme widgets|"  # untouched
        assert "n:nordeabank" in _index_keys(conn, customers["Nordea Bank Abp"])
    engine.dispose()


def test_upgrading_rekeys_region_tags_and_written_out_legal_forms(blank_url):
    """Migration 0027: a customer filed as "Acme Robotics - EMEA" before region tags were
    dropped gets the index keys the services write today, so a registration of
    "Acme Robotics" finds it; "Soc." gets the stored form that reads it as Society, and a
    Mexican "S. de R.L. de C.V." the normalized name without it."""
    command.upgrade(alembic_config(blank_url), "0026")
    engine = make_engine(blank_url)
    with engine.begin() as conn:
        t, partner, user = _partner_with_a_user(conn)
        customers = {}
        for name, old_key, old_form in (
                ("Acme Robotics - EMEA", "acme robotics emea", "0|acme robotics emea|"),
                ("Yorkshire Building Soc.", "yorkshire building soc",
                 "0|yorkshire building soc|"),
                ("Geoara Realty S. de R.L. de C.V.", "geoara realty s de rl de",
                 "1|geoara realty s de rl de|")):
            customers[name] = _filed_before(conn, t, partner, user, name, old_key, old_form,
                                            "GB")

    upgrade(blank_url)
    with engine.connect() as conn:
        forms = dict(conn.execute(text(
            "SELECT customer_name, customer_name_form FROM deal_registrations")).tuples().all())
        assert forms["Yorkshire Building Soc."] == "0|yorkshire building society|"
        assert forms["Geoara Realty S. de R.L. de C.V."] == "1|geoara realty|"
        normalized = dict(conn.execute(text("SELECT name, normalized_name FROM end_customers"))
                          .tuples().all())
        assert normalized["Geoara Realty S. de R.L. de C.V."] == "geoara realty"
        assert "n:acmerobotics" in _index_keys(conn, customers["Acme Robotics - EMEA"])
    engine.dispose()


def test_upgrading_keeps_each_applications_timeline(blank_url):
    """Migration 0009: an application's history, read from the audit log before, moves to
    its own timeline table with the same words, who and when."""
    command.upgrade(alembic_config(blank_url), "0007")
    engine = make_engine(blank_url)
    with engine.begin() as conn:
        t, partner, user = _partner_with_a_user(conn)
        conn.execute(text("UPDATE users SET display_name = 'Casey Channel' WHERE id = :u"),
                     {"u": user})
        app = conn.execute(insert(t["partner_applications"]).values(_row(
            t["partner_applications"], reference="APP-ABCDEFGH", company_name="Globex",
            regions=["EMEA"], industries=[], status="more_info"))).inserted_primary_key[0]
        history = [
            (None, "anonymous", "anonymous:abc", "application.submit",
             {"contact_name": "Gina Globex"}),
            (user, "channel_manager", "casey", "application.request_info",
             {"info_request": "How many certified engineers?"}),
        ]
        for minute, (uid, role, label, action, after) in enumerate(history):
            conn.execute(insert(t["audit_events"]).values(
                at=NOW.replace(minute=minute), actor_user_id=uid, actor_label=label,
                actor_role=role, action=action, entity="partner_application",
                entity_id=str(app), after=after))

    upgrade(blank_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT application_id, actor_label, kind, text, "
                                 "actor_user_id FROM application_events ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [
        (app, "Applicant", "submit", "Submitted by Gina Globex.", None),
        (app, "Casey Channel", "request_info",
         "More information requested: How many certified engineers?", user),
    ]


def test_upgrading_moves_partner_lists_to_rows_and_fills_updated_at_without_loss(blank_url):
    """Migration 0008 on a populated database: each partner's JSON regions and industries
    become rows in the same order (a repeat once), the JSON columns go, partners and end
    customers get updated_at (their latest audited change, else their creation), and no row
    of any table is lost; the schema then agrees with the models, and a downgrade gives the
    lists back."""
    from sqlalchemy.orm import Session

    from db.models import DirectOpportunity, EndCustomer, Partner

    command.upgrade(alembic_config(blank_url), "0007")
    engine = make_engine(blank_url)
    day = timedelta(days=1)
    lists = {"Northwind": (["EMEA", "NA"], ["Retail", "Healthcare"]),
             "Contoso": (["APAC"], []),
             "Fabrikam": (["NA", "LATAM", "NA"], ["Energy"])}
    with engine.begin() as conn:
        t, first, user = _partner_with_a_user(conn)
        conn.execute(t["partners"].update().where(t["partners"].c.id == first).values(
            regions=lists["Northwind"][0], industries=lists["Northwind"][1]))
        partners = {"Northwind": first}
        for n, name in enumerate(("Contoso", "Fabrikam"), 1):
            partners[name] = conn.execute(insert(t["partners"]).values(_row(
                t["partners"], name=name, country="US", tier_id=1, regions=lists[name][0],
                industries=lists[name][1], created_at=NOW + n * day))).inserted_primary_key[0]
        customers = [conn.execute(insert(t["end_customers"]).values(_row(
            t["end_customers"], name=name, normalized_name=name.lower(), country="US",
            created_at=NOW + n * day))).inserted_primary_key[0]
            for n, name in enumerate(("Acme", "Globex"))]
        for n, (status, amount) in enumerate((("won", 125_000), ("submitted", None))):
            conn.execute(insert(t["deal_registrations"]).values(_row(
                t["deal_registrations"], partner_id=first, registered_by_user_id=user,
                owner_user_id=user, end_customer_id=customers[n], customer_name="Acme",
                customer_country="US", status=status, final_amount=amount,
                closed_on=NOW.date() if amount else None, product_line_ids=[1],
                created_at=NOW, updated_at=NOW + 3 * day)))
        conn.execute(insert(t["direct_opportunities"]).values(_row(
            t["direct_opportunities"], external_id="CRM-1", end_customer_id=customers[1],
            country="US", amount=1000, imported_at=NOW, updated_at=NOW + 4 * day)))
        # Audited changes: Northwind's profile (twice) and Globex merged into, later on.
        for at, entity, entity_id in ((NOW + 5 * day, "partner", first),
                                      (NOW + 6 * day, "partner", first),
                                      (NOW - day, "partner", partners["Contoso"]),
                                      (NOW + 7 * day, "end_customer", customers[1]),
                                      (NOW + 8 * day, "deal", 1)):
            conn.execute(insert(t["audit_events"]).values(_row(
                t["audit_events"], at=at, entity=entity, entity_id=str(entity_id),
                partner_id=first, action=f"{entity}.update")))
        before = _row_counts(conn, ("partners", "users", "end_customers", "deal_registrations",
                                    "direct_opportunities", "audit_events", "product_lines"))

    upgrade(blank_url)
    with engine.connect() as conn:
        assert _row_counts(conn, before) == before
        columns = {c["name"] for c in inspect(conn).get_columns("partners")}
        assert "regions" not in columns and "industries" not in columns
        assert _schema_differences(conn) == []
        index_names = {i["name"] for i in inspect(conn).get_indexes("deal_registrations")}
        assert ("ix_deal_registrations_status_closed_on" if conn.dialect.name == "postgresql"
                else "ix_deal_registrations_status_closed_on_final_amount") in index_names
    with Session(engine) as db:
        got = {p.name: (list(p.regions), list(p.industries), p.updated_at)
               for p in db.scalars(select(Partner))}
        assert got == {"Northwind": (["EMEA", "NA"], ["Retail", "Healthcare"], NOW + 6 * day),
                       "Contoso": (["APAC"], [], NOW + day),  # its event predates it
                       "Fabrikam": (["NA", "LATAM"], ["Energy"], NOW + 2 * day)}
        assert [c.updated_at for c in db.scalars(select(EndCustomer).order_by(EndCustomer.id))
                ] == [NOW, NOW + 7 * day]
        assert db.scalar(select(DirectOpportunity.updated_at)) == NOW + 4 * day
        deals = db.execute(text("SELECT status, final_amount FROM deal_registrations "
                                "ORDER BY id")).tuples().all()
        assert deals == [("won", 125_000), ("submitted", None)]

    command.downgrade(alembic_config(blank_url), "0007")
    with engine.connect() as conn:
        meta = MetaData()
        meta.reflect(conn)
        p = meta.tables["partners"]
        back = {name: (regions, industries) for name, regions, industries in conn.execute(
            select(p.c.name, p.c.regions, p.c.industries))}
        assert back == {"Northwind": (["EMEA", "NA"], ["Retail", "Healthcare"]),
                        "Contoso": (["APAC"], []), "Fabrikam": (["NA", "LATAM"], ["Energy"])}
        assert "partner_regions" not in meta.tables
    upgrade(blank_url)  # and up again
    engine.dispose()


def test_upgrading_to_sessions_keeps_rows_and_numbers_product_lines_equal_but_for_case(
        blank_url):
    """Migration 0010 on a populated database: product lines whose names differ only in case
    are kept, the later ones numbered, so that names are unique whatever their case; the
    applications already submitted count as told to the channel managers; no row is lost."""
    command.upgrade(alembic_config(blank_url), "0009")
    engine = make_engine(blank_url)
    with engine.begin() as conn:
        t, _partner, _user = _partner_with_a_user(conn)
        for name in ("Race Line", "race line", "RACE LINE", "race line (2)"):
            conn.execute(insert(t["product_lines"]).values(name=name, active=True))
        conn.execute(insert(t["partner_applications"]).values(_row(
            t["partner_applications"], reference="APP-XYZ12345", company_name="Globex",
            regions=["EMEA"], industries=[], status="submitted", submitted_at=NOW)))
        before = _row_counts(conn, ("partners", "users", "product_lines",
                                    "partner_applications"))

    upgrade(blank_url)
    with engine.connect() as conn:
        assert _row_counts(conn, before) == before
        names = conn.execute(text("SELECT name FROM product_lines WHERE lower(name) LIKE "
                                  "'race line%' ORDER BY id")).scalars().all()
        assert names == ["Race Line", "race line (3)", "RACE LINE (4)", "race line (2)"]
        assert conn.execute(text("SELECT digested_at FROM partner_applications")
                            ).scalar_one() is not None
        assert _schema_differences(conn) == []
        with pytest.raises(Exception, match="(?i)unique"):
            conn.execute(text("INSERT INTO product_lines (name, active) VALUES "
                              "('rACE lINE', true)"))
    engine.dispose()


def test_the_migrate_command_says_what_it_did(tmp_path):
    """Issue #14: on a new database it said "database is at the latest migration"."""
    from db.migrate import upgrade_and_say

    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert upgrade_and_say(url).startswith("created the database schema (revision ")
    command.downgrade(alembic_config(url), "0009")
    assert upgrade_and_say(url).startswith("upgraded the database schema from revision 0009")
    assert upgrade_and_say(url).startswith("the database schema is already at the latest")


def test_upgrading_to_period_totals_keeps_the_facts_and_reads_them_until_kept(blank_url):
    """Migrations 0011 and 0012 on a populated database: the scorecard facts already kept
    stay, the new period totals start empty, and the KPIs are summed from the facts until
    the job has kept a period."""
    command.upgrade(alembic_config(blank_url), "0011")
    engine = make_engine(blank_url)
    with engine.begin() as conn:
        t, partner, _user = _partner_with_a_user(conn)
        conn.execute(insert(t["partner_month_facts"]).values(_row(
            t["partner_month_facts"], partner_id=partner, month=date(2026, 10, 1),
            registrations=3, pipeline=250_000, won=1, won_amount=120_000)))
        before = _row_counts(conn, ("partners", "users", "partner_month_facts"))

    upgrade(blank_url)
    with engine.connect() as conn:
        assert _row_counts(conn, before) == before
        assert _row_counts(conn, ("analytics_periods", "partner_period_totals")) == {
            "analytics_periods": 0, "partner_period_totals": 0}
        assert _schema_differences(conn) == []
    with Session(engine) as db:
        frame = totals_frame(db, Period(date(2026, 10, 1), date(2026, 10, 1)))
        assert frame.loc[partner, "registrations"] == 3
        assert frame.loc[partner, "won_amount"] == 1_200.00  # cents in the table
    engine.dispose()


def test_upgrading_to_training_facts_counts_the_completions_already_recorded(blank_url):
    """Migration 0014 on a populated database: the month facts gain the courses completed
    (a month with registrations keeps them; a month with only completions gets a row), and
    the kept periods are summed from the facts again until the job has kept them anew."""
    command.upgrade(alembic_config(blank_url), "0013")
    engine = make_engine(blank_url)
    october, november = date(2026, 10, 1), date(2026, 11, 1)
    with engine.begin() as conn:
        t, partner, user = _partner_with_a_user(conn)
        courses = [conn.execute(insert(t["courses"]).values(_row(
            t["courses"], family=f"course-{i}", product_line_id=None))).inserted_primary_key[0]
            for i in range(3)]
        for course, day in zip(courses, (datetime(2026, 10, 5, 9, tzinfo=NOW.tzinfo),
                                         datetime(2026, 10, 30, 23, tzinfo=NOW.tzinfo),
                                         datetime(2026, 11, 2, 8, tzinfo=NOW.tzinfo)),
                               strict=True):
            conn.execute(insert(t["course_completions"]).values(
                user_id=user, partner_id=partner, course_id=course, family="x",
                completed_at=day))
        conn.execute(insert(t["partner_month_facts"]).values(_row(
            t["partner_month_facts"], partner_id=partner, month=november, registrations=3,
            pipeline=250_000)))
        conn.execute(insert(t["analytics_periods"]).values(first=october, last=november,
                                                           state="ready"))
        before = _row_counts(conn, ("partners", "users", "course_completions"))

    upgrade(blank_url)
    with engine.connect() as conn:
        assert _row_counts(conn, before) == before
        assert _schema_differences(conn) == []
        facts = {row.month: row for row in conn.execute(text(
            "SELECT month, registrations, courses_completed FROM partner_month_facts"))}
        states = conn.execute(text("SELECT state FROM analytics_periods")).scalars().all()
    assert {_as_date(m): (r.registrations, r.courses_completed) for m, r in facts.items()} == {
        october: (0, 2), november: (3, 1)}
    assert states == ["building"]
    with Session(engine) as db:
        frame = totals_frame(db, Period(october, november))
        assert frame.loc[partner, "courses_completed"] == 3
        assert frame.loc[partner, "pipeline"] == 2_500.00
    engine.dispose()


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def test_upgrading_to_funds_keeps_deals_and_leads_and_refuses_ledger_edits(blank_url):
    """Migration 0017 on a populated database: registrations and leads keep every row and
    name no fund activity; the new ledger refuses an UPDATE and a DELETE in the database."""
    command.upgrade(alembic_config(blank_url), "0016")
    engine = make_engine(blank_url)
    with engine.begin() as conn:
        t, partner, user = _partner_with_a_user(conn)
        customer = conn.execute(insert(t["end_customers"]).values(_row(
            t["end_customers"], name="Acme", country="US"))).inserted_primary_key[0]
        conn.execute(insert(t["deal_registrations"]).values(_row(
            t["deal_registrations"], partner_id=partner, registered_by_user_id=user,
            owner_user_id=user, end_customer_id=customer, estimated_value=5_000_000,
            status="approved")))
        conn.execute(insert(t["leads"]).values(_row(t["leads"], country="DE", region="EMEA",
                                                    status="new")))
        before = _row_counts(conn, ("partners", "users", "deal_registrations", "leads"))

    upgrade(blank_url)
    with engine.connect() as conn:
        assert _row_counts(conn, before) == before
        assert _schema_differences(conn) == []
        assert conn.execute(text("SELECT fund_request_id FROM deal_registrations")).scalar() \
            is None
        assert conn.execute(text("SELECT estimated_value FROM deal_registrations")).scalar() \
            == 5_000_000
    with engine.begin() as conn:
        t = MetaData()
        t.reflect(conn)
        program = conn.execute(insert(t.tables["fund_programs"]).values(_row(
            t.tables["fund_programs"], budget=100, starts_on=NOW.date(),
            ends_on=NOW.date()))).inserted_primary_key[0]
        allocation = conn.execute(insert(t.tables["fund_allocations"]).values(
            program_id=program, partner_id=partner, created_at=NOW)).inserted_primary_key[0]
        conn.execute(insert(t.tables["fund_ledger"]).values(_row(
            t.tables["fund_ledger"], program_id=program, allocation_id=allocation,
            partner_id=partner, amount=100, at=NOW)))
    for statement in ("UPDATE fund_ledger SET amount = 1", "DELETE FROM fund_ledger"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    engine.dispose()


def test_upgrading_to_pos_cadence_keeps_partners_and_expects_them_monthly(blank_url):
    """Migration 0019 on a populated database: every partner is kept and expected to report
    monthly (once it is a reporting partner)."""
    command.upgrade(alembic_config(blank_url), "0018")
    engine = make_engine(blank_url)
    with engine.begin() as conn:
        _, partner, _ = _partner_with_a_user(conn)
        before = _row_counts(conn, ("partners", "users"))
    upgrade(blank_url)
    with engine.connect() as conn:
        assert _row_counts(conn, before) == before
        assert _schema_differences(conn) == []
        assert conn.execute(text("SELECT pos_cadence FROM partners WHERE id = :p"),
                            {"p": partner}).scalar() == "monthly"
    engine.dispose()


def test_upgrading_to_incentives_keeps_pos_lines_and_refuses_ledger_edits(blank_url):
    """Migration 0021 on a database holding POS lines: every line is kept; the new incentive
    ledger refuses an UPDATE and a DELETE in the database."""
    command.upgrade(alembic_config(blank_url), "0020")
    engine = make_engine(blank_url)
    with engine.begin() as conn:
        t, partner, user = _partner_with_a_user(conn)
        line_id = conn.execute(select(t["product_lines"].c.id).limit(1)).scalar_one()
        product = conn.execute(insert(t["products"]).values(_row(
            t["products"], sku="NX-1", sku_key="NX1", product_line_id=line_id,
            list_price=100))).inserted_primary_key[0]
        file = conn.execute(insert(t["pos_files"]).values(_row(
            t["pos_files"], partner_id=partner))).inserted_primary_key[0]
        conn.execute(insert(t["pos_lines"]).values(_row(
            t["pos_lines"], file_id=file, partner_id=partner, seller_id=partner,
            product_id=product, product_line_id=line_id, invoice_date=NOW.date(),
            amount=123_45)))
        before = _row_counts(conn, ("partners", "products", "pos_files", "pos_lines"))
    upgrade(blank_url)
    with engine.connect() as conn:
        assert _row_counts(conn, before) == before
        assert _schema_differences(conn) == []
        assert conn.execute(text("SELECT amount FROM pos_lines")).scalar() == 123_45
    with engine.begin() as conn:
        t = MetaData()
        t.reflect(conn)
        statement = conn.execute(insert(t.tables["incentive_statements"]).values(
            partner_id=partner, starts_on=NOW.date(), ends_on=NOW.date(),
            created_at=NOW)).inserted_primary_key[0]
        conn.execute(insert(t.tables["incentive_ledger"]).values(_row(
            t.tables["incentive_ledger"], statement_id=statement, partner_id=partner,
            kind="approve", amount=100, at=NOW)))
    for statement_text in ("UPDATE incentive_ledger SET amount = 1",
                           "DELETE FROM incentive_ledger"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement_text))
    engine.dispose()


def test_upgrading_to_webhooks_keeps_partners_and_users(blank_url):
    """Migration 0022 (new tables only) on a populated database: every row is kept."""
    command.upgrade(alembic_config(blank_url), "0021")
    engine = make_engine(blank_url)
    with engine.begin() as conn:
        _partner_with_a_user(conn)
        before = _row_counts(conn, ("partners", "users"))
    upgrade(blank_url)
    with engine.connect() as conn:
        assert _row_counts(conn, before) == before
        assert _schema_differences(conn) == []
        assert _row_counts(conn, ("webhook_events",)) == {"webhook_events": 0}
    engine.dispose()


def test_upgrading_to_api_keys_keeps_webhook_subscriptions(blank_url):
    """Migration 0023 (a new table) on a database with a webhook receiver: it is kept."""
    command.upgrade(alembic_config(blank_url), "0022")
    engine = make_engine(blank_url)
    with engine.begin() as conn:
        t, _, _ = _partner_with_a_user(conn)
        conn.execute(insert(t["webhook_subscriptions"]).values(_row(
            t["webhook_subscriptions"], name="CRM", url="https://crm.example/h")))
        before = _row_counts(conn, ("partners", "users", "webhook_subscriptions"))
    upgrade(blank_url)
    with engine.connect() as conn:
        assert _row_counts(conn, before) == before
        assert _schema_differences(conn) == []
    engine.dispose()


def test_upgrading_to_crm_mappings_keeps_direct_opportunities(blank_url):
    """Migration 0024 on a database with direct opportunities: SQLite copies the table to add
    the columns; every row and value is kept, and no row is taken to be any partner's."""
    command.upgrade(alembic_config(blank_url), "0023")
    engine = make_engine(blank_url)
    with engine.begin() as conn:
        t, _, _ = _partner_with_a_user(conn)
        customer = conn.execute(insert(t["end_customers"]).values(_row(
            t["end_customers"], name="Acme", normalized_name="acme", country="US"))
        ).inserted_primary_key[0]
        for n in range(3):
            conn.execute(insert(t["direct_opportunities"]).values(_row(
                t["direct_opportunities"], external_id=f"0061x0000{n}", account_name="Acme",
                end_customer_id=customer, amount=100_050 + n, country="US")))  # cents
        before = conn.execute(text("SELECT external_id, amount FROM direct_opportunities "
                                   "ORDER BY id")).all()
    upgrade(blank_url)
    with engine.connect() as conn:
        after = conn.execute(text("SELECT external_id, amount, partner_id, registration_id "
                                  "FROM direct_opportunities ORDER BY id")).all()
        assert [(e, a) for e, a, _, _ in after] == before
        assert {(p, r) for _, _, p, r in after} == {(None, None)}
        assert _schema_differences(conn) == []
    engine.dispose()


def test_upgrading_to_the_portal_keeps_users_and_gives_tiers_their_answer_hours(blank_url):
    """Migration 0025 on a populated database: users and tiers kept; the four tiers answer
    partners' requests within 48, 24, 12 and 8 hours, the higher the sooner."""
    command.upgrade(alembic_config(blank_url), "0024")
    engine = make_engine(blank_url)
    with engine.begin() as conn:
        _partner_with_a_user(conn)
        before = _row_counts(conn, ("partners", "users", "tiers"))
    upgrade(blank_url)
    with engine.connect() as conn:
        assert _row_counts(conn, before) == before
        hours = dict(conn.execute(text("SELECT name, request_response_hours FROM tiers")).all())
        assert hours == {"Registered": 48, "Silver": 24, "Gold": 12, "Platinum": 8}
        assert conn.execute(text("SELECT library_seen_at FROM users")).scalars().all() == [None]
        assert _schema_differences(conn) == []
    engine.dispose()


def test_upgrading_to_two_factor_sign_in_keeps_open_sessions_as_they_were(blank_url):
    """Migration 0026 on a populated database: sessions open before it owe no second factor
    and have no failed codes; users have no single sign-on window; nothing is lost."""
    command.upgrade(alembic_config(blank_url), "0025")
    engine = make_engine(blank_url)
    with engine.begin() as conn:
        t, _, user = _partner_with_a_user(conn)
        conn.execute(insert(t["user_sessions"]).values(
            token_hash="a" * 64, user_id=user, created_at=NOW, last_seen_at=NOW,
            expires_at=NOW + timedelta(days=7)))
        before = _row_counts(conn, ("users", "user_sessions", "partners"))
    upgrade(blank_url)
    with engine.connect() as conn:
        assert _row_counts(conn, before) == before
        session = conn.execute(text("SELECT second_factor, second_factor_failures, expires_at "
                                    "FROM user_sessions")).one()
        assert session[:2] == (None, 0)
        assert conn.execute(text("SELECT sso_link_until FROM users")).scalar() is None
        assert _schema_differences(conn) == []
    engine.dispose()
