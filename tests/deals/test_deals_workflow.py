"""The lifecycle: every transition in the table, refused ones, and the partner's actions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from core.audit import AuditFilter, list_events
from core.deals import (
    TRANSITIONS,
    DealFilter,
    DealStatus,
    add_note,
    answer_info_request,
    approve_deal,
    assignable_users,
    change_final_amount,
    decide_extension,
    desk_detail,
    get_deal,
    list_deals,
    mark_lost,
    mark_won,
    merge_deal,
    reassign_deal,
    reject_deal,
    request_extension,
    request_more_info,
    run_deal_protection,
    start_review,
    update_deal,
    withdraw_deal,
)
from core.errors import NotFound, PermissionDenied, RuleViolation, field_errors
from db.models import AuditEvent, DealRegistration, User
from tests.conftest import NOW, actor_for
from tests.deals.test_deals import register, subjects

S = DealStatus
LATER = NOW + timedelta(days=1)


def reach(db, status: DealStatus) -> int:
    """A registration of p01.rep1 (Registered tier: nothing is automatic) in `status`."""
    deal = register(db, "p01.rep1")
    rep, desk = actor_for(db, "p01.rep1"), actor_for(db, "channel2")
    if status in (S.UNDER_REVIEW,):
        start_review(db, desk, deal.id, now=NOW)
    elif status == S.MORE_INFO:
        request_more_info(db, desk, deal.id, "Who signs the order?", now=NOW)
    elif status in (S.APPROVED, S.WON, S.LOST, S.EXPIRED):
        approve_deal(db, desk, deal.id, now=NOW)
        if status == S.WON:
            mark_won(db, rep, deal.id, "48000", now=NOW)
        elif status == S.LOST:
            mark_lost(db, rep, deal.id, "Budget cut", now=NOW)
        elif status == S.EXPIRED:
            run_deal_protection(db, NOW + timedelta(days=61))
    elif status == S.REJECTED:
        reject_deal(db, desk, deal.id, "Not a new opportunity", now=NOW)
    elif status == S.WITHDRAWN:
        withdraw_deal(db, rep, deal.id, now=NOW)
    elif status == S.MERGED:
        duplicate = register(db, "p01.rep1", contact_name="Someone Else")
        merge_deal(db, desk, duplicate.id, deal.id, now=NOW)
        deal = duplicate
    db.commit()
    assert db.get(DealRegistration, deal.id).status == status
    return deal.id


def merge_target(db) -> int:
    return register(db, "p01.rep2", company="Umbrella", website="umbrella.com",
                    contact_email="x@umbrella.com").id


def move(db, deal_id: int, to: DealStatus, *, now=LATER, target: int | None = None):
    """Ask for `to` the way the pages do: through the service that makes that move."""
    rep, desk = actor_for(db, "p01.rep1"), actor_for(db, "channel2")
    current = db.get(DealRegistration, deal_id).status
    if to == S.UNDER_REVIEW:
        if current == S.MORE_INFO:
            return answer_info_request(db, rep, deal_id, "The CFO signs.", now=now)
        return start_review(db, desk, deal_id, now=now)
    if to == S.APPROVED:
        return approve_deal(db, desk, deal_id, now=now)
    if to == S.REJECTED:
        return reject_deal(db, desk, deal_id, "Customer is under contract", now=now)
    if to == S.MORE_INFO:
        return request_more_info(db, desk, deal_id, "Who is the economic buyer?", now=now)
    if to == S.WON:
        return mark_won(db, rep, deal_id, Decimal("51000.50"), now=now)
    if to == S.LOST:
        return mark_lost(db, rep, deal_id, "Went with a competitor", now=now)
    if to == S.WITHDRAWN:
        return withdraw_deal(db, rep, deal_id, "Customer paused the project", now=now)
    if to == S.MERGED:
        return merge_deal(db, desk, deal_id, target or merge_target(db), now=now)
    if to == S.EXPIRED:
        run_deal_protection(db, now + timedelta(days=365))
        return None
    raise AssertionError(to)


EDGES = [(a, b) for a, targets in TRANSITIONS.items() for b in sorted(targets)]


@pytest.mark.parametrize(("start", "to"), EDGES, ids=[f"{a}->{b}" for a, b in EDGES])
def test_every_transition_in_the_table(seeded_db, start, to):
    deal_id = reach(seeded_db, start)
    move(seeded_db, deal_id, to)
    seeded_db.commit()
    assert seeded_db.get(DealRegistration, deal_id).status == to
    detail = get_deal(seeded_db, actor_for(seeded_db, "channel2"), deal_id, now=LATER)
    assert any(e.kind == "status" and e.text.startswith(detail.deal.status_label)
               for e in detail.timeline)


REFUSED = [
    (S.WITHDRAWN, S.APPROVED, "withdrawn; it cannot be approved"),
    (S.REJECTED, S.WON, "rejected; it cannot be marked won"),
    (S.SUBMITTED, S.WON, "submitted; it cannot be marked won"),
    (S.WON, S.WITHDRAWN, "won; it cannot be withdrawn"),
    (S.APPROVED, S.REJECTED, "approved; it cannot be rejected"),
    (S.APPROVED, S.MORE_INFO, "approved; it cannot be sent back"),
    (S.UNDER_REVIEW, S.UNDER_REVIEW, "under review; it cannot be put under review"),
    (S.APPROVED, S.MERGED, "approved; it cannot be merged"),
    (S.EXPIRED, S.LOST, "expired; it cannot be marked lost"),
    (S.MERGED, S.APPROVED, "merged; it cannot be approved"),
    (S.LOST, S.WON, "lost; it cannot be marked won"),
    (S.MORE_INFO, S.APPROVED, "more information requested; it cannot be approved"),
]


@pytest.mark.parametrize(("start", "to", "message"), REFUSED,
                         ids=[f"{a}->{b}" for a, b, _ in REFUSED])
def test_moves_outside_the_table_are_refused_and_change_nothing(seeded_db, start, to, message):
    assert to not in TRANSITIONS[start]
    deal_id = reach(seeded_db, start)
    target = merge_target(seeded_db) if to == S.MERGED else None
    audited = seeded_db.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(RuleViolation, match=message):
        move(seeded_db, deal_id, to, target=target)
    seeded_db.rollback()
    assert seeded_db.get(DealRegistration, deal_id).status == start
    assert seeded_db.scalar(select(func.count()).select_from(AuditEvent)) == audited


# ---------------------------------------------------------------- partner actions


def test_open_deals_can_be_updated_and_each_change_is_on_the_timeline(seeded_db):
    deal_id = reach(seeded_db, S.SUBMITTED)
    rep = actor_for(seeded_db, "p01.rep1")
    out = update_deal(seeded_db, rep, deal_id, {"stage": "negotiation",
                                                "estimated_value": "62500.00"}, now=LATER)
    assert (out.stage, out.estimated_value) == ("negotiation", Decimal("62500.00"))
    with pytest.raises(ValidationError) as exc:
        update_deal(seeded_db, rep, deal_id, {"expected_close_date": "2026-01-01"}, now=LATER)
    assert field_errors(exc.value) == {
        "expected_close_date": "The expected close date must be in the future."}
    seeded_db.commit()
    texts = [e.text for e in get_deal(seeded_db, rep, deal_id).timeline]
    assert "Changed stage Proposal → Negotiation; estimated value 50,000.00 → 62,500.00." in texts
    withdraw_deal(seeded_db, rep, deal_id, now=LATER)
    with pytest.raises(RuleViolation, match="Only an open registration"):
        update_deal(seeded_db, rep, deal_id, {"stage": "commit"}, now=LATER)


def test_only_the_owner_or_its_partner_admin_acts_on_a_deal(seeded_db):
    deal_id = reach(seeded_db, S.APPROVED)
    for username in ("p01.rep2", "p02.admin"):
        with pytest.raises(NotFound):
            withdraw_deal(seeded_db, actor_for(seeded_db, username), deal_id, now=LATER)
        with pytest.raises(NotFound):
            add_note(seeded_db, actor_for(seeded_db, username), deal_id, "mine now", now=LATER)
    with pytest.raises(PermissionDenied):
        mark_won(seeded_db, actor_for(seeded_db, "channel2"), deal_id, "1000", now=LATER)
    out = mark_lost(seeded_db, actor_for(seeded_db, "p01.admin"), deal_id, "No budget",
                    now=LATER)
    assert out.status == S.LOST and out.lost_reason == "No budget"


def test_more_information_round_trip(seeded_db):
    deal_id = reach(seeded_db, S.SUBMITTED)
    desk, rep = actor_for(seeded_db, "channel2"), actor_for(seeded_db, "p01.rep1")
    asked = request_more_info(seeded_db, desk, deal_id, "Who is the economic buyer?", now=NOW)
    assert asked.status == S.MORE_INFO
    assert "answer" in get_deal(seeded_db, rep, deal_id).deal.actions
    assert any("More information needed" in s for s in subjects(seeded_db, "p01.rep1"))
    with pytest.raises(RuleViolation) as exc:
        answer_info_request(seeded_db, rep, deal_id, "  ", now=LATER)
    assert exc.value.field == "answer"
    answered = answer_info_request(seeded_db, rep, deal_id, "The CFO, Pat Lee.", now=LATER)
    assert answered.status == S.UNDER_REVIEW
    seeded_db.commit()
    texts = [e.text for e in get_deal(seeded_db, rep, deal_id).timeline]
    assert texts[-3:] == ["More information requested. Who is the economic buyer?",
                          "Under review.", "The CFO, Pat Lee."]
    assert any("Answer on deal" in s for s in subjects(seeded_db, "channel2"))


def test_rejection_needs_a_reason_and_the_partner_is_told_it(seeded_db):
    deal_id = reach(seeded_db, S.UNDER_REVIEW)
    desk = actor_for(seeded_db, "channel2")
    with pytest.raises(RuleViolation) as exc:
        reject_deal(seeded_db, desk, deal_id, "", now=LATER)
    assert exc.value.field == "reason"
    out = reject_deal(seeded_db, desk, deal_id, "Existing customer of direct sales", now=LATER)
    seeded_db.commit()
    assert out.rejection_reason == "Existing customer of direct sales"
    from core.notifications import list_notifications

    notes = list_notifications(seeded_db, actor_for(seeded_db, "p01.rep1"))
    rejected = [n for n in notes if "rejected" in n.subject]
    assert len(rejected) == 1 and "Existing customer of direct sales" in rejected[0].body
    assert any("rejected" in s for s in subjects(seeded_db, "p01.admin"))
    assert not any("rejected" in s for s in subjects(seeded_db, "p01.rep2"))


def test_desk_notes_can_be_internal_partner_notes_never_are(seeded_db):
    deal_id = reach(seeded_db, S.SUBMITTED)
    desk, rep = actor_for(seeded_db, "channel2"), actor_for(seeded_db, "p01.rep1")
    add_note(seeded_db, desk, deal_id, "Checked with the AE: no direct activity.",
             internal=True, now=LATER)
    add_note(seeded_db, desk, deal_id, "Please add the customer's PO number.", now=LATER)
    own = add_note(seeded_db, rep, deal_id, "PO 4711 expected next week.", internal=True,
                   now=LATER)
    seeded_db.commit()
    assert own.internal is False
    partner_view = [e.text for e in get_deal(seeded_db, rep, deal_id).timeline]
    assert "Checked with the AE: no direct activity." not in partner_view
    assert partner_view[-2:] == ["Please add the customer's PO number.",
                                 "PO 4711 expected next week."]
    desk_view = [e.text for e in desk_detail(seeded_db, desk, deal_id).timeline if e.internal]
    assert desk_view == ["Checked with the AE: no direct activity."]
    with pytest.raises(RuleViolation):
        add_note(seeded_db, rep, deal_id, "   ")


def test_partner_admin_hands_a_deal_to_another_of_its_own_users(seeded_db):
    deal_id = reach(seeded_db, S.SUBMITTED)
    admin = actor_for(seeded_db, "p01.admin")
    rep1, rep2 = actor_for(seeded_db, "p01.rep1"), actor_for(seeded_db, "p01.rep2")
    assignable = [i for i, _ in assignable_users(seeded_db, admin)]
    assert rep2.user_id in assignable
    # Only its own partner's users, whatever the other partners have.
    partners = {seeded_db.get(User, i).partner_id for i in assignable}
    assert partners == {admin.partner_id}
    assert actor_for(seeded_db, "p02.rep1").user_id not in assignable
    with pytest.raises(RuleViolation) as exc:
        reassign_deal(seeded_db, admin, deal_id, actor_for(seeded_db, "p02.rep1").user_id,
                      now=LATER)
    assert exc.value.field == "owner"
    with pytest.raises(PermissionDenied):
        reassign_deal(seeded_db, rep1, deal_id, rep2.user_id, now=LATER)
    with pytest.raises(NotFound):
        reassign_deal(seeded_db, actor_for(seeded_db, "p02.admin"), deal_id,
                      actor_for(seeded_db, "p02.rep1").user_id, now=LATER)
    out = reassign_deal(seeded_db, admin, deal_id, rep2.user_id, now=LATER)
    seeded_db.commit()
    assert out.owner_user_id == rep2.user_id
    assert [d.id for d in list_deals(seeded_db, rep2, DealFilter())[0]] == [deal_id]
    assert list_deals(seeded_db, rep1, DealFilter())[0] == []
    assert any("handed to you" in s for s in subjects(seeded_db, "p01.rep2"))
    events, _ = list_events(seeded_db, actor_for(seeded_db, "admin"),
                            AuditFilter(action="deal.reassign"))
    assert [(e.before["owner_user_id"], e.after["owner_user_id"]) for e in events] == [
        (rep1.user_id, rep2.user_id)]


def test_only_a_channel_manager_changes_a_won_amount_and_it_is_audited(seeded_db):
    deal_id = reach(seeded_db, S.APPROVED)
    rep = actor_for(seeded_db, "p01.rep1")
    with pytest.raises(RuleViolation) as exc:
        mark_won(seeded_db, rep, deal_id, "0", now=LATER)
    assert exc.value.field == "final_amount"
    won = mark_won(seeded_db, rep, deal_id, "48000", now=LATER)
    assert (won.status, won.final_amount, won.closed_on) == (S.WON, Decimal("48000.00"),
                                                              LATER.date())
    for username in ("p01.rep1", "p01.admin", "admin", "finance"):
        with pytest.raises(PermissionDenied):
            change_final_amount(seeded_db, actor_for(seeded_db, username), deal_id, "1",
                                "typo", now=LATER)
    channel = actor_for(seeded_db, "channel2")
    with pytest.raises(RuleViolation, match="why"):
        change_final_amount(seeded_db, channel, deal_id, "47500", "", now=LATER)
    out = change_final_amount(seeded_db, channel, deal_id, "47500", "Discount on the PO",
                              now=LATER)
    seeded_db.commit()
    assert out.final_amount == Decimal("47500.00")
    events, _ = list_events(seeded_db, actor_for(seeded_db, "admin"),
                            AuditFilter(action="deal.final_amount"))
    assert [(e.actor, e.before["final_amount"], e.after["final_amount"], e.after["reason"])
            for e in events] == [("channel2", "48000.00", "47500.00", "Discount on the PO")]
    timeline = get_deal(seeded_db, rep, deal_id).timeline
    assert timeline[-1].text == ("Final amount changed from 48,000.00 to 47,500.00. "
                                 "Reason: Discount on the PO")


def test_won_close_date_cannot_be_in_the_future(seeded_db):
    deal_id = reach(seeded_db, S.APPROVED)
    with pytest.raises(RuleViolation) as exc:
        mark_won(seeded_db, actor_for(seeded_db, "p01.rep1"), deal_id, "100",
                 closed_on=(LATER + timedelta(days=1)).date(), now=LATER)
    assert exc.value.field == "closed_on"


def test_one_extension_request_which_the_desk_decides(seeded_db):
    deal_id = reach(seeded_db, S.APPROVED)
    rep, desk = actor_for(seeded_db, "p01.rep1"), actor_for(seeded_db, "channel2")
    ends = seeded_db.get(DealRegistration, deal_id).protection_ends_at
    assert ends == NOW + timedelta(days=60)  # Registered tier
    asked = request_extension(seeded_db, rep, deal_id, "Procurement slipped", now=LATER)
    assert asked.extension_status == "requested" and "extend" not in asked.actions
    assert any("Extension requested" in s for s in subjects(seeded_db, "channel2"))
    with pytest.raises(RuleViolation, match="only one"):
        request_extension(seeded_db, rep, deal_id, now=LATER)
    with pytest.raises(PermissionDenied):
        decide_extension(seeded_db, rep, deal_id, True, now=LATER)
    granted = decide_extension(seeded_db, desk, deal_id, True, now=LATER)
    assert granted.protection_ends_at == ends + timedelta(days=30)
    assert granted.extension_status == "granted"
    with pytest.raises(RuleViolation, match="only one"):
        request_extension(seeded_db, rep, deal_id, now=LATER)
    with pytest.raises(RuleViolation, match="no pending extension"):
        decide_extension(seeded_db, desk, deal_id, True, now=LATER)


def test_a_declined_extension_uses_up_the_request(seeded_db):
    deal_id = reach(seeded_db, S.APPROVED)
    rep, desk = actor_for(seeded_db, "p01.rep1"), actor_for(seeded_db, "channel2")
    request_extension(seeded_db, rep, deal_id, now=LATER)
    out = decide_extension(seeded_db, desk, deal_id, False, note="Close date unrealistic",
                           now=LATER)
    assert out.extension_status == "declined"
    assert out.protection_ends_at == NOW + timedelta(days=60)
    with pytest.raises(RuleViolation):
        request_extension(seeded_db, rep, deal_id, now=LATER)


def test_no_extension_after_protection_ended(seeded_db):
    deal_id = reach(seeded_db, S.APPROVED)
    with pytest.raises(RuleViolation, match="already ended"):
        request_extension(seeded_db, actor_for(seeded_db, "p01.rep1"), deal_id,
                          now=NOW + timedelta(days=61))


def test_the_actions_offered_follow_the_status_and_the_viewer(seeded_db):
    deal_id = reach(seeded_db, S.APPROVED)
    rep_view = get_deal(seeded_db, actor_for(seeded_db, "p01.rep1"), deal_id, now=LATER).deal
    admin_view = get_deal(seeded_db, actor_for(seeded_db, "p01.admin"), deal_id, now=LATER).deal
    desk_view = get_deal(seeded_db, actor_for(seeded_db, "channel2"), deal_id, now=LATER).deal
    assert rep_view.actions == {"note", "update", "withdraw", "won", "lost", "extend"}
    assert admin_view.actions == rep_view.actions | {"reassign"}
    assert desk_view.actions == {"note"}
    assert rep_view.days_left == 59
