"""The deal desk: the queue and its filters, approvals with conflicts, bulk approval, merging."""

from datetime import timedelta
from decimal import Decimal

import pytest

from core.audit import AuditFilter, list_events
from core.deals import (
    DealStatus,
    DeskFilter,
    approve_deal,
    bulk_approve,
    desk_detail,
    desk_queue,
    get_deal,
    merge_deal,
    request_extension,
    withdraw_deal,
)
from core.errors import NotFound, PermissionDenied, RuleViolation
from db.models import DealRegistration, Partner
from tests.conftest import NOW, actor_for
from tests.deals.test_deals import partner_id, register, subjects

S = DealStatus


def other(n: int, **over) -> dict:
    """A customer of its own, so that it matches nothing."""
    values = dict(company=f"Customer {n}", website=f"customer{n}.com",
                  contact_email=f"buyer@customer{n}.com")
    values.update(over)
    return values


def queue_ids(db, username="channel", **filt):
    rows, total = desk_queue(db, actor_for(db, username), DeskFilter(**filt),
                             now=NOW + timedelta(days=30))
    assert total == len(rows)
    return [r.deal.id for r in rows]


def test_only_the_desk_opens_the_desk(seeded_db):
    deal = register(seeded_db, "p01.rep1")
    for username in ("p01.admin", "p01.rep1", "finance", "exec"):
        with pytest.raises(PermissionDenied):
            desk_queue(seeded_db, actor_for(seeded_db, username))
        with pytest.raises(PermissionDenied):
            desk_detail(seeded_db, actor_for(seeded_db, username), deal.id)
        with pytest.raises(PermissionDenied):
            approve_deal(seeded_db, actor_for(seeded_db, username), deal.id, now=NOW)
    assert queue_ids(seeded_db, "admin") == [deal.id]


def test_the_queue_is_oldest_first_with_age_and_filters(seeded_db):
    old = register(seeded_db, "p01.rep1", now=NOW - timedelta(days=20),
                   **other(1, estimated_value="5000", country="DE",
                           expected_close_date=(NOW + timedelta(days=60)).date()))
    mid = register(seeded_db, "p02.rep1", now=NOW - timedelta(days=5),
                   **other(2, estimated_value="80000"))
    new = register(seeded_db, "p15.rep1", **other(3, estimated_value="250000", country="JP"))
    conflict = register(seeded_db, "p15.rep2", **other(2, company="Other name"))
    approved = register(seeded_db, "p27.rep1", **other(4))  # Gold: approved at once
    rows, _ = desk_queue(seeded_db, actor_for(seeded_db, "channel"), now=NOW)
    assert [(r.deal.id, r.age_days, r.match_verdict) for r in rows] == [
        (old.id, 20, "clear"), (mid.id, 5, "clear"), (new.id, 0, "clear"),
        (conflict.id, 0, "conflict")]
    assert rows[0].tier == "Registered" and rows[0].deal.region == "EMEA"

    assert queue_ids(seeded_db, partner_id=partner_id(seeded_db, 2)) == [mid.id]
    assert queue_ids(seeded_db, region="APAC") == [new.id]
    assert queue_ids(seeded_db, min_age_days=40) == [old.id]  # 50 days old on the queue's day
    assert queue_ids(seeded_db, max_age_days=30) == [new.id, conflict.id]
    assert queue_ids(seeded_db, min_value=Decimal("50000"),
                     max_value=Decimal("100000")) == [mid.id, conflict.id]
    assert queue_ids(seeded_db, match="conflict") == [conflict.id]
    assert queue_ids(seeded_db, match="possible") == [conflict.id]
    assert queue_ids(seeded_db, match="clear") == [old.id, mid.id, new.id]
    assert queue_ids(seeded_db, statuses=("approved",)) == [approved.id]
    # p01 and p15 belong to channel2, p02 to channel.
    assert queue_ids(seeded_db, "channel", mine_only=True) == [mid.id]
    assert queue_ids(seeded_db, "channel2", mine_only=True) == [old.id, new.id, conflict.id]


def test_the_queue_sorts_and_finds_by_customer_partner_or_number(seeded_db):
    """Issue #14: the desk queue sorts (newest, oldest, value, untouched) and searches by
    customer, partner or number."""
    old = register(seeded_db, "p01.rep1", now=NOW - timedelta(days=20),
                   **other(1, company="Fabrikam 100% Ltd", estimated_value="500000"))
    mid = register(seeded_db, "p02.rep1", now=NOW - timedelta(days=5),
                   **other(2, estimated_value="80000"))
    new = register(seeded_db, "p15.rep1", **other(3, estimated_value="250000"))
    # The oldest was answered yesterday: no longer the one nobody has touched longest.
    seeded_db.get(DealRegistration, old.id).updated_at = NOW - timedelta(days=1)
    seeded_db.commit()
    assert queue_ids(seeded_db) == [old.id, mid.id, new.id]  # first come, first served
    assert queue_ids(seeded_db, sort="newest") == [new.id, mid.id, old.id]
    assert queue_ids(seeded_db, sort="value") == [old.id, new.id, mid.id]
    assert queue_ids(seeded_db, sort="untouched") == [mid.id, old.id, new.id]
    with pytest.raises(RuleViolation):
        queue_ids(seeded_db, sort="random")

    assert queue_ids(seeded_db, search="FABRIKAM") == [old.id]
    assert queue_ids(seeded_db, search="100%") == [old.id]  # % is a character, not a pattern
    assert queue_ids(seeded_db, search=f"#{mid.id}") == [mid.id]
    assert queue_ids(seeded_db, search=str(new.id)) == [new.id]
    p02 = seeded_db.get(Partner, partner_id(seeded_db, 2)).name
    assert queue_ids(seeded_db, search=p02.upper()) == [mid.id]
    assert queue_ids(seeded_db, search="9" * 30) == []  # no number that long: no error


def test_pending_extension_requests_wait_in_the_queue(seeded_db):
    gold = register(seeded_db, "p27.rep1")
    assert queue_ids(seeded_db) == []
    request_extension(seeded_db, actor_for(seeded_db, "p27.rep1"), gold.id, now=NOW)
    rows, _ = desk_queue(seeded_db, actor_for(seeded_db, "channel"), now=NOW)
    assert [(r.deal.id, "extension" in r.deal.actions) for r in rows] == [(gold.id, True)]


def test_approval_takes_the_tier_days_or_the_days_given(seeded_db):
    registered = register(seeded_db, "p01.rep1", **other(1))
    silver = register(seeded_db, "p15.rep1", **other(2))
    desk = actor_for(seeded_db, "channel")
    a = approve_deal(seeded_db, desk, registered.id, now=NOW)
    b = approve_deal(seeded_db, desk, silver.id, protection_days=100, note="Strategic account",
                     now=NOW)
    assert (a.protection_days, a.protection_ends_at) == (60, NOW + timedelta(days=60))
    assert (b.protection_days, b.protection_ends_at) == (100, NOW + timedelta(days=100))
    with pytest.raises(RuleViolation) as exc:
        approve_deal(seeded_db, desk, register(seeded_db, "p02.rep1", **other(3)).id,
                     protection_days=0, now=NOW)
    assert exc.value.field == "protection_days"
    seeded_db.commit()
    assert any("approved" in s for s in subjects(seeded_db, "p15.rep1"))
    timeline = get_deal(seeded_db, actor_for(seeded_db, "p15.rep1"), silver.id).timeline
    assert timeline[-1].text == ("Approved. Protected for 100 days, until 2027-03-06. "
                                 "Strategic account")
    events, _ = list_events(seeded_db, actor_for(seeded_db, "admin"),
                            AuditFilter(action="deal.approve"))
    assert sorted((e.before["status"], e.after["status"]) for e in events) == [
        ("submitted", "approved")] * 2


def test_a_later_conflicting_registration_needs_the_conflict_acknowledged(seeded_db):
    first = register(seeded_db, "p01.rep1")
    later = register(seeded_db, "p02.rep1", now=NOW + timedelta(minutes=5))
    desk = actor_for(seeded_db, "channel")
    soon = NOW + timedelta(minutes=10)
    with pytest.raises(RuleViolation, match=f"registration #{first.id} of .* came first") as e:
        approve_deal(seeded_db, desk, later.id, now=soon)
    assert e.value.field == "override_conflict"
    # The first come is approved without ceremony, even though a later one matches it.
    assert approve_deal(seeded_db, desk, first.id, now=soon).status == S.APPROVED
    out = approve_deal(seeded_db, desk, later.id, override_conflict=True, now=soon)
    assert out.status == S.APPROVED
    internal = [x.text for x in desk_detail(seeded_db, desk, later.id).timeline if x.internal]
    assert internal[-1].startswith("Approved despite: registration #")


def test_bulk_approve_takes_only_the_registrations_that_match_nothing(seeded_db):
    clear_one = register(seeded_db, "p01.rep1", **other(1))
    clear_two = register(seeded_db, "p02.rep1", **other(2))
    first = register(seeded_db, "p01.rep2", **other(3))
    duplicate = register(seeded_db, "p15.rep1", **other(3, company="Third Co"))
    withdrawn = register(seeded_db, "p02.admin", **other(4))
    withdraw_deal(seeded_db, actor_for(seeded_db, "p02.admin"), withdrawn.id, now=NOW)
    seeded_db.commit()
    result = bulk_approve(seeded_db, actor_for(seeded_db, "channel"),
                          [clear_one.id, clear_two.id, first.id, duplicate.id, withdrawn.id,
                           99999], now=NOW)
    seeded_db.commit()
    assert result.approved == (clear_one.id, clear_two.id)
    assert set(result.skipped) == {first.id, duplicate.id, withdrawn.id, 99999}
    assert "may be for the same company" in result.skipped[first.id]
    assert "withdrawn; it cannot be approved" in result.skipped[withdrawn.id]
    assert "not found" in result.skipped[99999]
    events, _ = list_events(seeded_db, actor_for(seeded_db, "admin"),
                            AuditFilter(action="deal.approve"))
    assert sorted(int(e.entity_id) for e in events) == [clear_one.id, clear_two.id]


def test_merging_a_duplicate_into_another_partners_registration_hides_the_target(seeded_db):
    first = register(seeded_db, "p01.rep1")
    mine_twice = register(seeded_db, "p02.rep1", now=NOW + timedelta(minutes=1))
    same_partner = register(seeded_db, "p02.rep1", now=NOW + timedelta(minutes=2),
                            contact_name="Second rep contact")
    desk = actor_for(seeded_db, "channel")
    merged = merge_deal(seeded_db, desk, same_partner.id, mine_twice.id, now=NOW)
    assert merged.status == S.MERGED and merged.merged_into_id == mine_twice.id
    merge_deal(seeded_db, desk, mine_twice.id, first.id, now=NOW)
    seeded_db.commit()
    rep = actor_for(seeded_db, "p02.rep1")
    seen = get_deal(seeded_db, rep, mine_twice.id).deal
    assert seen.status == S.MERGED and seen.merged_into_id is None
    assert get_deal(seeded_db, rep, same_partner.id).deal.merged_into_id == mine_twice.id
    texts = [e.text for e in get_deal(seeded_db, rep, mine_twice.id).timeline]
    assert "Merged. Merged into another registration of the same customer." in texts
    assert not any(f"#{first.id}" in t for t in texts)
    with pytest.raises(RuleViolation, match="open registration"):
        merge_deal(seeded_db, desk, register(seeded_db, "p15.rep1").id, same_partner.id,
                   now=NOW)
    with pytest.raises(NotFound):
        merge_deal(seeded_db, desk, 99999, first.id, now=NOW)
