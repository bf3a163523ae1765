"""Importing the vendor's direct opportunities: all or nothing, upsert, conflicts."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.deals import (
    DealStatus,
    desk_detail,
    get_deal,
    import_direct_opportunities,
    list_direct_opportunities,
)
from core.errors import PermissionDenied, RuleViolation
from db.models import AuditEvent, DirectOpportunity, EndCustomer
from tests.conftest import NOW, actor_for
from tests.deals.test_deals import register

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
