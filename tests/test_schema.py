"""The schema is made by Alembic only, and agrees with the models on both databases."""

from decimal import Decimal

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, inspect, select

from db.models import Base
from db.types import Money


def test_migrated_schema_matches_models(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


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
