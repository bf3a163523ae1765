"""The product catalog: names unique whatever their case, also when two saves race."""

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import catalog
from core.catalog import ProductLineIn, create_product_line, update_product_line
from core.errors import RuleViolation
from db.models import ProductLine
from db.session import unit_of_work
from tests.conftest import NOW, actor_for

TAKEN = "A product line with that name already exists."


def lines_named(db: Session, name: str) -> list[str]:
    return list(db.scalars(select(ProductLine.name)
                           .where(func.lower(ProductLine.name) == name.lower())))


def line_id(db: Session, name: str) -> int:
    return db.scalar(select(ProductLine.id).where(ProductLine.name == name))


def refused(call) -> RuleViolation:
    with pytest.raises(RuleViolation) as exc:
        call()
    assert (str(exc.value), exc.value.field) == (TAKEN, "name")
    return exc.value


def test_a_name_differing_only_in_case_is_refused_on_create_and_rename(seeded_db):
    db, admin = seeded_db, actor_for(seeded_db, "admin")
    race = create_product_line(db, admin, ProductLineIn(name="Race Line"), now=NOW)
    refused(lambda: create_product_line(db, admin, ProductLineIn(name="race line"), now=NOW))
    analytics = line_id(db, "Analytics")
    refused(lambda: update_product_line(db, admin, analytics, ProductLineIn(name="RACE LINE"),
                                        now=NOW))
    # A line may change the case of its own name.
    assert update_product_line(db, admin, race.id, ProductLineIn(name="RACE LINE"),
                               now=NOW).name == "RACE LINE"
    db.commit()
    assert lines_named(db, "race line") == ["RACE LINE"]
    assert db.get(ProductLine, analytics).name == "Analytics"


def test_a_save_that_raced_past_the_check_gets_the_same_answer(seeded_db, monkeypatch):
    """What the loser of a race sees: the other save committed after this one's check, so
    only the database's unique index on lower(name) notices."""
    db, admin = seeded_db, actor_for(seeded_db, "admin")
    monkeypatch.setattr(catalog, "_refuse_duplicate", lambda *args: None)
    race = create_product_line(db, admin, ProductLineIn(name="Race Line"), now=NOW)
    refused(lambda: create_product_line(db, admin, ProductLineIn(name="race line"), now=NOW))
    analytics = line_id(db, "Analytics")
    refused(lambda: update_product_line(db, admin, analytics, ProductLineIn(name="RACE LINE"),
                                        now=NOW))
    # Only the refused write was undone: the session goes on, and the first line stays.
    update_product_line(db, admin, race.id, ProductLineIn(name="Race Line", active=False),
                        now=NOW)
    db.commit()
    assert lines_named(db, "race line") == ["Race Line"]
    assert db.get(ProductLine, analytics).name == "Analytics"


def test_two_admins_adding_the_same_name_at_once_store_one_line(seeded, backend,
                                                                 monkeypatch):
    with Session(seeded) as db:
        admins = [actor_for(db, "admin")] * 2
    start, checked = threading.Barrier(2), threading.Barrier(2)
    real_check = catalog._refuse_duplicate

    def check_then_wait(*args):
        real_check(*args)
        # On PostgreSQL nothing serializes the two saves: let both pass the check before
        # either writes, the race the unique index has to settle. (SQLite's BEGIN IMMEDIATE
        # queues the second save before its check: waiting here would wait for nothing.)
        if backend == "postgresql":
            checked.wait(timeout=30)

    monkeypatch.setattr(catalog, "_refuse_duplicate", check_then_wait)
    saved, errors = [], []

    def add(actor, name):
        try:
            start.wait()
            with unit_of_work(seeded, immediate=True) as db:
                saved.append(create_product_line(db, actor, ProductLineIn(name=name), now=NOW))
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(a, n))
               for a, n in zip(admins, ["Race Line", "race line"], strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(saved) == 1
    assert [(type(e), str(e), getattr(e, "field", None)) for e in errors] == [
        (RuleViolation, TAKEN, "name")]
    with Session(seeded) as db:
        assert lines_named(db, "race line") == [saved[0].name]
