"""Importing the vendor's direct opportunities: all or nothing, upsert, conflicts; a file
in batches, with the registration lock free between them."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.deals import (
    DealStatus,
    desk_detail,
    direct,
    get_deal,
    import_direct_file,
    import_direct_opportunities,
    list_direct_opportunities,
    register_deal,
)
from core.errors import PermissionDenied, RuleViolation
from db.models import (
    AuditEvent,
    DealRegistration,
    DirectOpportunity,
    EndCustomer,
    EndCustomerKey,
)
from db.session import unit_of_work
from tests.conftest import NOW, actor_for
from tests.deals.test_deals import form, register

HEADER = "external_id,account_name,website,country,opportunity_name,amount,close_date,owner_email"
GOOD = [
    "CRM-1,Acme Corp,www.acme.com,US,Acme renewal,120000,2027-03-31,ae1@vendor.example",
    "CRM-2,Globex GmbH,globex.de,Germany,Globex expansion,\"1,500.50\",2027-01-15,",
]


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def do_import(db, content: bytes, username: str = "channel"):
    report = import_direct_opportunities(db, actor_for(db, username), content, now=NOW)
    db.commit()
    return report


def test_an_import_creates_then_upserts_by_external_id(seeded_db):
    report = do_import(seeded_db, csv_bytes(*GOOD))
    assert (report.ok, report.created, report.updated, report.unchanged) == (True, 2, 0, 0)
    rows, total = list_direct_opportunities(seeded_db, actor_for(seeded_db, "admin"))
    assert total == 2
    assert [(o.external_id, o.domain, o.country, o.amount, o.close_date, o.owner_email)
            for o in rows] == [
        ("CRM-2", "globex.de", "DE", Decimal("1500.50"), date(2027, 1, 15), None),
        ("CRM-1", "acme.com", "US", Decimal("120000.00"), date(2027, 3, 31),
         "ae1@vendor.example")]
    again = do_import(seeded_db, csv_bytes(GOOD[0].replace("120000", "125000"), GOOD[1]))
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    assert seeded_db.scalar(select(DirectOpportunity.amount).where(
        DirectOpportunity.external_id == "CRM-1")) == Decimal("125000.00")
    assert seeded_db.scalar(select(func.count()).select_from(DirectOpportunity)) == 2
    actions = seeded_db.scalars(select(AuditEvent.action).where(
        AuditEvent.entity == "direct_opportunity").order_by(AuditEvent.id)).all()
    assert actions == ["direct_opportunity.create"] * 2 + ["direct_opportunity.update"]


def test_a_file_with_a_bad_row_writes_nothing_and_reports_each_problem(seeded_db):
    content = csv_bytes(
        GOOD[0],
        "CRM-3,,acme.org,US,No account,100,2027-01-01,",
        "CRM-4,Initech,initech.com,Narnia,Bad country,-3,31/12/2027,not-an-email",
        GOOD[1],
        GOOD[0].replace("Acme renewal", "Acme again"),
    )
    report = do_import(seeded_db, content)
    assert not report.ok and report.created == 0
    assert [(e.line, e.field) for e in report.errors] == [
        (3, "account_name"), (4, "country"), (4, "amount"), (4, "close_date"),
        (4, "owner_email"), (6, "external_id")]
    assert report.errors[1].message == "Not a country; use a code such as US or DE."
    assert report.errors[3].message == "Enter the close date as YYYY-MM-DD."
    assert report.errors[5].message == "The same external id is on line 2 too."
    assert seeded_db.scalar(select(func.count()).select_from(DirectOpportunity)) == 0
    assert seeded_db.scalar(select(func.count()).select_from(EndCustomer)) == 0


def test_a_file_without_the_needed_columns_is_refused(seeded_db):
    with pytest.raises(RuleViolation, match="needs these columns: amount, close date") as exc:
        do_import(seeded_db, csv_bytes("X,Acme,US,Deal", header="id,account,country,name"))
    assert exc.value.field == "file"
    with pytest.raises(RuleViolation, match="UTF-8"):
        do_import(seeded_db, "Société".encode("latin-1"))


def test_partners_and_other_vendor_roles_cannot_import(seeded_db):
    for username in ("p01.admin", "finance", "marketing"):
        with pytest.raises(PermissionDenied):
            do_import(seeded_db, csv_bytes(*GOOD), username)


def test_a_new_direct_opportunity_sends_matching_pending_registrations_to_the_desk(seeded_db):
    pending = register(seeded_db, "p01.rep1")  # acme.com, submitted
    protected = register(seeded_db, "p27.rep1", company="Globex", website="globex.de",
                         country="DE", contact_email="a@globex.de")  # Gold: approved
    report = do_import(seeded_db, csv_bytes(*GOOD))
    assert report.sent_to_desk == (pending.id,)
    assert report.protected_matches == (protected.id,)
    partner_view = get_deal(seeded_db, actor_for(seeded_db, "p01.rep1"), pending.id).deal
    assert partner_view.status == DealStatus.UNDER_REVIEW
    timeline = get_deal(seeded_db, actor_for(seeded_db, "p01.rep1"), pending.id).timeline
    assert not any("CRM-1" in e.text or "direct" in e.text.lower() for e in timeline)
    desk = desk_detail(seeded_db, actor_for(seeded_db, "channel"), pending.id)
    assert [(m.kind, m.id) for m in desk.matches][0][0] == "direct"
    assert any("CRM-1" in e.text for e in desk.timeline if e.internal)
    # Importing the same file again changes nothing more.
    assert do_import(seeded_db, csv_bytes(*GOOD)).sent_to_desk == ()


def test_won_or_lost_direct_opportunities_do_not_conflict(seeded_db):
    do_import(seeded_db, csv_bytes(GOOD[0] + ",won",
                                   header=HEADER + ",status"))
    assert register(seeded_db, "p01.rep1").status == DealStatus.SUBMITTED


# ---------------------------------------------------------------- a file, in batches

MORE = [
    "CRM-5,Initech,initech.com,US,Initech rollout,9000,2027-05-01,",
    "CRM-6,Umbrella Corp,umbrella.example,US,Umbrella pilot,7000,2027-06-01,",
    "CRM-7,Hooli,hooli.example,US,Hooli platform,5000,2027-07-01,",
]


def import_file(engine, content: bytes, **kwargs):
    with Session(engine) as db:
        channel = actor_for(db, "channel")
    return import_direct_file(engine, channel, content, now=NOW, batch_rows=2, **kwargs)


def database_state(engine) -> dict[str, list]:
    """Every row the import may touch, as a user would compare them."""
    with Session(engine) as db:
        return {model.__tablename__: [tuple(row) for row in db.execute(
            select(*model.__table__.columns).order_by(*model.__table__.primary_key))]
            for model in (DirectOpportunity, EndCustomer, EndCustomerKey, DealRegistration)}


def test_a_file_with_a_bad_row_writes_nothing_and_takes_no_lock(seeded, monkeypatch):
    locks = []
    monkeypatch.setattr(direct, "serialize_registrations", lambda db: locks.append(db))
    before = database_state(seeded)
    report = import_file(seeded, csv_bytes(*GOOD, "CRM-3,Initech,initech.com,Narnia,X,1,"
                                                  "2027-01-01,", *MORE))
    assert not report.ok and (report.created, report.updated) == (0, 0)
    assert [(e.line, e.field, e.message) for e in report.errors] == [
        (4, "country", "Not a country; use a code such as US or DE.")]
    assert database_state(seeded) == before
    assert locks == []


def test_a_file_is_written_in_batches_with_the_lock_free_between_them(seeded):
    with unit_of_work(seeded) as db:
        pending = register(db, "p01.rep1")  # acme.com, submitted
    steps, registered = [], []

    def progress(stage, done, total):
        steps.append((stage, done, total))
        if len(steps) == 1:  # after the first batch: a partner registers a deal meanwhile
            worker = threading.Thread(target=lambda: registered.append(register_in_own_unit(
                seeded, "p02.rep1", company="Initech", website="initech.com",
                contact_email="a@initech.com")))
            worker.start()
            worker.join(timeout=60)
            assert not worker.is_alive(), "the registration waited for the import's lock"

    report = import_file(seeded, csv_bytes(*GOOD, *MORE), progress=progress)
    assert (report.ok, report.created, report.updated, report.unchanged) == (True, 5, 0, 0)
    assert steps == [("written", 2, 5), ("written", 4, 5), ("written", 5, 5),
                     ("matched", 2, 5), ("matched", 4, 5), ("matched", 5, 5)]
    # Both pending registrations meet an imported row: CRM-1 (acme.com) and CRM-5, written
    # after the partner registered Initech.
    assert report.sent_to_desk == (pending.id, registered[0].id)
    with Session(seeded) as db:
        tags = set(db.scalars(select(DirectOpportunity.import_id)))
        assert len(tags) == 1 and None not in tags
        assert db.get(DealRegistration, registered[0].id).status == "under_review"


def register_in_own_unit(engine, username: str, **over):
    with unit_of_work(engine, immediate=True) as db:
        return register_deal(db, actor_for(db, username), form(db, **over), now=NOW)


def test_a_batch_failing_part_way_leaves_the_database_as_before(seeded, monkeypatch):
    # Before: CRM-1 exists for Acme Corp, filed without a domain; a partner's deal is pending.
    with Session(seeded) as db:
        channel = actor_for(db, "channel")
    import_direct_file(seeded, channel, csv_bytes(GOOD[0].replace("www.acme.com", "")),
                       now=NOW)
    with unit_of_work(seeded) as db:
        register(db, "p02.rep1", company="Hooli", website="hooli.example",
                 contact_email="a@hooli.example")
    before = database_state(seeded)
    real_upsert = direct._upsert

    def upsert(db, actor, opp, row, *args):
        if row.external_id == "CRM-7":  # the fourth batch of two rows
            raise RuntimeError("the database went away")
        return real_upsert(db, actor, opp, row, *args)

    monkeypatch.setattr(direct, "_upsert", upsert)
    # CRM-1 updated (Acme's domain set, its names filed again), CRM-2, CRM-5 and CRM-6 new
    # with new end customers, in three batches that commit; then CRM-7 fails.
    content = csv_bytes(GOOD[0].replace("120000", "130000"), GOOD[1], MORE[0], MORE[1],
                        MORE[2].replace("Hooli platform", "Hooli renewal"))
    with pytest.raises(RuleViolation) as exc:
        import_direct_file(seeded, channel, content, now=NOW, batch_rows=2)
    assert exc.value.field == "file"
    assert "nothing was imported" in str(exc.value)
    assert database_state(seeded) == before
    with Session(seeded) as db:
        [took_back] = db.scalars(select(AuditEvent).where(
            AuditEvent.action == "direct_import.take_back")).all()
        assert took_back.after == {"removed": 3, "restored": 1, "end_customers_removed": 3}


def test_a_customer_a_partner_claimed_meanwhile_stays_when_the_import_is_taken_back(
        seeded, monkeypatch):
    real_upsert = direct._upsert

    def upsert(db, actor, opp, row, *args):
        if row.external_id == "CRM-6":  # the second batch
            raise RuntimeError("the database went away")
        return real_upsert(db, actor, opp, row, *args)

    monkeypatch.setattr(direct, "_upsert", upsert)
    registered = []

    def progress(stage, done, total):  # after the first batch created Initech's record
        registered.append(register_in_own_unit(seeded, "p02.rep1", company="Initech",
                                               website="initech.com",
                                               contact_email="a@initech.com"))

    with pytest.raises(RuleViolation, match="nothing was imported"):
        import_file(seeded, csv_bytes(GOOD[0], MORE[0], MORE[1]), progress=progress)
    with Session(seeded) as db:
        assert db.scalar(select(func.count()).select_from(DirectOpportunity)) == 0
        deal = db.get(DealRegistration, registered[0].id)
        initech = db.get(EndCustomer, deal.end_customer_id)
        assert (initech.name, initech.domain) == ("Initech", "initech.com")
        assert db.scalars(select(EndCustomer.name)).all() == ["Initech"]  # Acme's is gone


def test_when_sending_to_the_desk_stops_the_rows_stay_and_the_user_is_told_so(seeded,
                                                                              monkeypatch):
    with Session(seeded) as db:
        channel = actor_for(db, "channel")

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(direct, "_flag_in_batches", broken)
    with pytest.raises(RuleViolation) as exc:
        import_direct_file(seeded, channel, csv_bytes(GOOD[0], GOOD[1]), now=NOW)
    assert exc.value.field == "file"
    assert "All 2 rows were imported" in str(exc.value) and "again" in str(exc.value)
    with Session(seeded) as db:
        assert set(db.scalars(select(DirectOpportunity.external_id))) >= {"CRM-1", "CRM-2"}
    monkeypatch.undo()
    again = import_direct_file(seeded, channel, csv_bytes(GOOD[0], GOOD[1]), now=NOW)
    assert (again.created, again.unchanged) == (0, 2)


def test_a_rerun_between_batches_takes_the_import_back(seeded):
    """The page's progress bar is where Streamlit raises its rerun (a click elsewhere): the
    batches already written are taken back, and the rerun goes on."""

    class Rerun(BaseException):  # Streamlit's RerunException is no Exception either
        pass

    def progress(stage, done, total):
        if done >= 2:
            raise Rerun()

    with Session(seeded) as db:
        channel = actor_for(db, "channel")
    before = database_state(seeded)
    with pytest.raises(Rerun):
        import_direct_file(seeded, channel, csv_bytes(GOOD[0], GOOD[1], MORE[0], MORE[1]),
                           now=NOW, batch_rows=2, progress=progress)
    assert database_state(seeded) == before
