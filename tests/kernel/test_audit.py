from datetime import timedelta

import pytest

from core import audit
from core.actor import Actor
from core.audit import AuditFilter, list_events
from core.errors import PermissionDenied
from core.exports import safe_cell, to_csv
from tests.conftest import NOW, actor_for


def test_audit_event_written_with_the_change_and_filtered(seeded_db):
    admin = actor_for(seeded_db, "admin")
    audit.record(seeded_db, admin, "partner.update", "partner", 3,
                 before={"tier": "Silver"}, after={"tier": "Gold"}, now=NOW)
    audit.record(seeded_db, Actor.system("expiry"), "deal.expire", "deal", 9,
                 now=NOW + timedelta(days=2))
    seeded_db.commit()
    events, total = list_events(seeded_db, admin, AuditFilter(action="partner.update"))
    assert total == 1 and events[0].after == {"tier": "Gold"} and events[0].actor == "admin"
    events, _ = list_events(seeded_db, admin, AuditFilter(actor="system"))
    assert [e.action for e in events] == ["deal.expire"]
    events, _ = list_events(seeded_db, admin,
                            AuditFilter(start=NOW + timedelta(days=1), end=NOW + timedelta(3)))
    assert [e.entity_id for e in events] == ["9"]


def test_audit_rolled_back_with_a_failed_change(engine):
    from db.session import unit_of_work

    with pytest.raises(RuntimeError), unit_of_work(engine) as db:
        audit.record(db, Actor.system("t"), "x.y", "thing", 1)
        raise RuntimeError("boom")
    with unit_of_work(engine) as db:
        _, total = list_events(db, Actor.system("t"))
    assert total == 0


def test_non_admin_cannot_read_the_audit_log(seeded_db):
    for username in ("channel", "finance", "p01.admin"):
        with pytest.raises(PermissionDenied):
            list_events(seeded_db, actor_for(seeded_db, username))


def test_csv_export_neutralises_formulas():
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_cell("Acme") == "Acme"
    text = to_csv(["a"], [["=1+1"], ["plain"]]).decode("utf-8-sig")
    assert text.splitlines() == ["a", "'=1+1", "plain"]


def test_an_event_reads_as_the_fields_it_changed():
    """Issue #14: the audit log showed before and after as two JSON blobs."""
    from core.audit import changes

    assert changes({"status": "submitted", "amount": "10.00", "note": "x"},
                   {"status": "approved", "amount": "10.00", "tier": None}) == [
        "status: submitted -> approved", "tier: —", "note: x (removed)"]
    assert changes(None, {"name": "Acme", "regions": ["EMEA", "NA"]}) == [
        "name: Acme", "regions: EMEA, NA"]
    assert changes({"is_active": True}, {"is_active": False}) == ["is_active: True -> False"]
    assert changes(None, None) == []
