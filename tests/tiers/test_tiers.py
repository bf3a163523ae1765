"""Tiers: the rules, the evaluation at the thresholds, proposals kept in line over re-runs,
the channel team's decisions with history, audit and notifications, the partner's progress,
and who may do what."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from core import tiers
from core.audit import AuditFilter, list_events
from core.deals.revenue import won_revenue
from core.deals.schemas import add_months
from core.errors import NotFound, PermissionDenied, RuleViolation, field_errors
from core.jobs import registered, run_due
from core.notifications import list_notifications
from core.tiers import (
    assess_partners,
    confirm_proposal,
    confirm_proposals,
    dismiss_proposal,
    list_proposals,
    list_tier_rules,
    override_proposal,
    run_evaluation,
    set_partner_tier,
    tier_history,
    tier_progress,
    trailing_won_revenue,
    update_tier_rules,
)
from db.models import DealRegistration, EndCustomer, Partner, Tier, TierChange, TierProposal
from db.session import unit_of_work
from tests.conftest import NOW, actor_for

# Demo partners (seed/demo.py): p01..p14 Registered, p15..p26 Silver, p27..p35 Gold,
# p36..p40 Platinum; p10, p20, p30, p40 are onboarding, the others active. The demo has no
# deals, so every partner above Registered starts below its tier's revenue minimum.
TODAY = NOW.date()


def partner_id(db: Session, index: int) -> int:
    return actor_for(db, f"p{index:02d}.admin").partner_id


def tier_id(db: Session, name: str) -> int:
    return db.scalar(select(Tier.id).where(Tier.name == name))


def tier_of(db: Session, index: int) -> str:
    db.expire_all()
    return db.get(Partner, partner_id(db, index)).tier.name


def add_deal(db: Session, index: int, amount: str, *, closed_on: date = TODAY,
             status: str = "won") -> None:
    """A closed registration written straight to the table: the tiers read only its partner,
    status, final amount and close date."""
    owner = actor_for(db, f"p{index:02d}.admin").user_id
    customer = EndCustomer(name="Tier Test Customer", normalized_name="tier test customer",
                           country="US")
    db.add(customer)
    db.flush()
    db.add(DealRegistration(
        partner_id=partner_id(db, index), registered_by_user_id=owner, owner_user_id=owner,
        end_customer_id=customer.id, customer_name="Tier Test Customer",
        customer_key="tier test customer", customer_country="US", contact_name="Pat Buyer",
        contact_email="pat@example.com", estimated_value=Decimal(amount),
        final_amount=Decimal(amount) if status == "won" else None,
        expected_close_date=closed_on, closed_on=closed_on, stage="commit", status=status,
        submitted_at=NOW - timedelta(days=500)))
    db.flush()


def evaluate(db: Session, username: str = "channel", *, now=NOW) -> tiers.EvaluationResult:
    result = run_evaluation(db, actor_for(db, username), now=now)
    db.commit()
    return result


def proposal_for(db: Session, index: int, status: str | None = "open") -> tiers.ProposalOut | None:
    rows, _ = list_proposals(db, actor_for(db, "channel"), status=status)
    found = [p for p in rows if p.partner_id == partner_id(db, index)]
    assert len(found) <= 1
    return found[0] if found else None


def events(db: Session, action: str) -> list:
    rows, _ = list_events(db, actor_for(db, "admin"), AuditFilter(action=action))
    return rows


def audit_total(db: Session) -> int:
    return list_events(db, actor_for(db, "admin"), limit=1)[1]


def subjects(db: Session, username: str) -> list[str]:
    return [n.subject for n in list_notifications(db, actor_for(db, username))]


def count(db: Session, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------- rules


def test_the_migration_seeds_the_rules(seeded_db):
    rules = list_tier_rules(seeded_db, actor_for(seeded_db, "p01.rep1"))
    assert [(t.name, t.min_won_revenue, t.min_certified_users) for t in rules] == [
        ("Registered", Decimal("0.00"), 0), ("Silver", Decimal("100000.00"), 0),
        ("Gold", Decimal("500000.00"), 0), ("Platinum", Decimal("1500000.00"), 0)]


def test_certified_users_are_none_until_training_exists(seeded_db):
    assert tiers.certified_user_counts(seeded_db) == {}


def test_admin_edits_a_tiers_rules_and_benefits_audited(seeded_db):
    admin = actor_for(seeded_db, "admin")
    gold = tier_id(seeded_db, "Gold")
    out = update_tier_rules(seeded_db, admin, gold, dict(
        min_won_revenue="600,000", min_certified_users=0, deal_protection_days=150,
        auto_approve_clear_deals=True, mdf_eligible=True, lead_weight=4, discount_percent=35))
    seeded_db.commit()
    assert (out.min_won_revenue, out.deal_protection_days, out.discount_percent) == (
        Decimal("600000.00"), 150, 35)
    [event_] = events(seeded_db, "tier.rules_update")
    assert event_.before["min_won_revenue"] == "500000.00"
    assert event_.after["min_won_revenue"] == "600000.00"
    assert event_.after["deal_protection_days"] == 150


def test_a_rule_left_out_keeps_its_value(seeded_db):
    out = update_tier_rules(seeded_db, actor_for(seeded_db, "admin"),
                            tier_id(seeded_db, "Gold"), {"discount_percent": 33})
    assert (out.discount_percent, out.deal_protection_days, out.min_won_revenue,
            out.auto_approve_clear_deals) == (33, 120, Decimal("500000.00"), True)


def rules_of(db: Session, name: str, **over) -> dict:
    tier = next(t for t in list_tier_rules(db, actor_for(db, "admin")) if t.name == name)
    values = {f: getattr(tier, f) for f in tiers.RULE_FIELDS}
    values.update(over)
    return values


@pytest.mark.parametrize("name, over, field, message", [
    ("Gold", dict(min_won_revenue="90000"), "min_won_revenue",
     "Gold cannot need less won revenue than Silver ($100,000.00)."),
    ("Silver", dict(min_won_revenue="600000"), "min_won_revenue",
     "Silver cannot need more won revenue than Gold ($500,000.00)."),
    ("Silver", dict(min_certified_users=2), "min_certified_users",
     "Silver cannot need more certified users than Gold (0)."),
])
def test_rules_out_of_tier_order_are_refused_beside_the_field(seeded_db, name, over, field,
                                                               message):
    admin = actor_for(seeded_db, "admin")
    before = rules_of(seeded_db, name)
    with pytest.raises(RuleViolation) as caught:
        update_tier_rules(seeded_db, admin, tier_id(seeded_db, name), rules_of(
            seeded_db, name, **over))
    seeded_db.commit()
    assert field_errors(caught.value) == {field: message}
    assert not events(seeded_db, "tier.rules_update")
    seeded_db.expire_all()
    assert rules_of(seeded_db, name) == before


@pytest.mark.parametrize("over, field", [
    (dict(min_won_revenue="lots"), "min_won_revenue"),
    (dict(min_won_revenue=0.1), "min_won_revenue"),  # money is never a float
    (dict(min_won_revenue="-5"), "min_won_revenue"),
    (dict(min_won_revenue="100000.001"), "min_won_revenue"),
    (dict(deal_protection_days=0), "deal_protection_days"),
    (dict(discount_percent=101), "discount_percent"),
    (dict(min_certified_users="two"), "min_certified_users"),
])
def test_bad_rule_input_names_its_field(seeded_db, over, field):
    with pytest.raises(ValidationError) as caught:
        update_tier_rules(seeded_db, actor_for(seeded_db, "admin"), tier_id(seeded_db, "Gold"),
                          rules_of(seeded_db, "Gold", **over))
    assert list(field_errors(caught.value)) == [field]


def test_two_rule_saves_at_once_never_invert_the_tier_order(seeded, backend, monkeypatch):
    """Silver up to 400,000 fits under Gold's 500,000; Gold down to 300,000 fits over Silver's
    100,000: each alone is fine, both together would put Silver above Gold."""
    with Session(seeded) as db:
        admin = actor_for(db, "admin")
        saves = [(tier_id(db, "Silver"), rules_of(db, "Silver", min_won_revenue="400000")),
                 (tier_id(db, "Gold"), rules_of(db, "Gold", min_won_revenue="300000"))]
    start = threading.Barrier(2)
    checked = threading.Condition()
    arrived = []
    real_check = tiers.rules._check_rule_order

    def check_then_wait(*args):
        real_check(*args)
        # On PostgreSQL nothing else holds the saves apart: wait until the other save has
        # checked too, or waits for a lock, so that without a lock both check the old rules.
        # (SQLite's BEGIN IMMEDIATE already queues the second save before it reads.)
        with checked:
            arrived.append(1)
            checked.notify_all()
            for _ in range(600 if backend == "postgresql" else 0):
                if len(arrived) == 2 or waiting_for_a_lock(seeded):
                    break
                checked.wait(timeout=0.05)

    monkeypatch.setattr(tiers.rules, "_check_rule_order", check_then_wait)
    saved, errors = [], []

    def save(tier, rules):
        try:
            start.wait()
            with unit_of_work(seeded, immediate=True) as db:
                saved.append(update_tier_rules(db, admin, tier, rules, now=NOW))
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=s) for s in saves]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(saved) == 1
    [refusal] = errors
    assert isinstance(refusal, RuleViolation) and refusal.field == "min_won_revenue"
    assert str(refusal) in ("Gold cannot need less won revenue than Silver ($400,000.00).",
                            "Silver cannot need more won revenue than Gold ($300,000.00).")
    with Session(seeded) as db:
        minimums = [t.min_won_revenue for t in list_tier_rules(db, admin)]
        assert minimums == sorted(minimums)
        assert len(events(db, "tier.rules_update")) == 1


def waiting_for_a_lock(engine) -> bool:
    """Whether a PostgreSQL session waits for an advisory lock (db.locks) right now."""
    with engine.connect() as conn:
        return bool(conn.scalar(text("SELECT count(*) FROM pg_locks "
                                     "WHERE locktype = 'advisory' AND NOT granted")))


@pytest.mark.parametrize("username", ["channel", "finance", "p01.admin"])
def test_only_the_admin_edits_rules(seeded_db, username):
    with pytest.raises(PermissionDenied):
        update_tier_rules(seeded_db, actor_for(seeded_db, username),
                          tier_id(seeded_db, "Gold"), rules_of(seeded_db, "Gold"))


# ---------------------------------------------------------------- measuring


def test_won_revenue_counts_won_deals_closed_in_the_trailing_12_months(seeded_db):
    add_deal(seeded_db, 1, "1000", closed_on=TODAY)
    add_deal(seeded_db, 1, "2000", closed_on=add_months(TODAY, -12) + timedelta(days=1))
    add_deal(seeded_db, 1, "4000", closed_on=add_months(TODAY, -12))  # 12 months ago: out
    add_deal(seeded_db, 1, "8000", status="lost")
    add_deal(seeded_db, 2, "0.10")
    add_deal(seeded_db, 2, "0.20")
    totals = trailing_won_revenue(seeded_db, now=NOW)
    assert totals == {partner_id(seeded_db, 1): Decimal("3000.00"),
                      partner_id(seeded_db, 2): Decimal("0.30")}
    # The same window and sum as the deals' own won_revenue, partner by partner.
    for index in (1, 2, 3):
        pid = partner_id(seeded_db, index)
        assert totals.get(pid, Decimal("0.00")) == won_revenue(seeded_db, pid, now=NOW)


def test_the_assessment_is_a_few_aggregate_queries_whatever_the_partner_count(seeded_db):
    for index in range(1, 30):
        add_deal(seeded_db, index, "1000")
    channel = actor_for(seeded_db, "channel")
    seeded_db.commit()
    statements: list[str] = []
    engine = seeded_db.get_bind()

    def _log(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", _log)
    try:
        assessed = assess_partners(seeded_db, channel, now=NOW)
    finally:
        event.remove(engine, "before_cursor_execute", _log)
    assert len(assessed) == 40
    deal_queries = [s for s in statements if "deal_registrations" in s]
    assert len(deal_queries) == 1 and "GROUP BY" in deal_queries[0]
    certified = [s for s in statements if "certifications" in s]
    assert len(certified) == 1 and "GROUP BY" in certified[0]
    assert len(statements) <= 5, statements


# ---------------------------------------------------------------- evaluation


@pytest.mark.parametrize("amount, proposed", [
    ("99999.99", None), ("100000.00", "Silver"), ("100000.01", "Silver"),
    ("499999.99", "Silver"), ("500000.00", "Gold"), ("1500000.00", "Platinum"),
])
def test_a_registered_partner_is_proposed_the_highest_tier_it_meets(seeded_db, amount,
                                                                    proposed):
    add_deal(seeded_db, 1, amount)
    evaluate(seeded_db)
    proposal = proposal_for(seeded_db, 1)
    if proposed is None:
        assert proposal is None
        return
    assert (proposal.from_tier, proposal.to_tier, proposal.direction) == (
        "Registered", proposed, "Promotion")
    minimum = {"Silver": "100,000.00", "Gold": "500,000.00", "Platinum": "1,500,000.00"}
    joint = " of " if Decimal(amount) < Decimal(minimum[proposed].replace(",", "")) else ", "
    assert proposal.reason == (f"Meets {proposed}: won ${Decimal(amount):,.2f}{joint}"
                               f"${minimum[proposed]} needed.")
    assert proposal.won_revenue == Decimal(amount)
    assert tier_of(seeded_db, 1) == "Registered"  # nothing moves until someone confirms


def test_a_demotion_is_proposed_with_what_falls_short(seeded_db):
    add_deal(seeded_db, 27, "412000")
    evaluate(seeded_db)
    proposal = proposal_for(seeded_db, 27)
    assert (proposal.from_tier, proposal.to_tier, proposal.direction) == (
        "Gold", "Silver", "Demotion")
    assert proposal.reason == ("Below Gold: won $412,000.00 of $500,000.00 needed. "
                               "Highest tier met: Silver.")
    # A partner exactly at its tier's minimum keeps it.
    add_deal(seeded_db, 15, "100000")
    evaluate(seeded_db)
    assert proposal_for(seeded_db, 15) is None


def require_certified_users(db: Session, needed: int) -> None:
    admin = actor_for(db, "admin")
    for name in ("Platinum", "Gold", "Silver"):  # from the top, so the order always holds
        update_tier_rules(db, admin, tier_id(db, name),
                          rules_of(db, name, min_certified_users=needed))
    db.commit()


@pytest.mark.parametrize("certified, proposed", [(2, None), (3, "Silver"), (4, "Silver")])
def test_certified_users_at_and_under_the_minimum(seeded_db, monkeypatch, certified,
                                                  proposed):
    require_certified_users(seeded_db, 3)
    add_deal(seeded_db, 1, "150000")
    pid = partner_id(seeded_db, 1)
    monkeypatch.setattr("core.tiers.evaluation.certified_user_counts", lambda db: {pid: certified})
    evaluate(seeded_db)
    proposal = proposal_for(seeded_db, 1)
    if proposed is None:
        assert proposal is None
    else:
        assert proposal.to_tier == proposed
        assert proposal.reason == (f"Meets Silver: won $150,000.00, $100,000.00 needed; "
                                   f"{certified} of 3 certified users.")


def test_a_demotion_for_too_few_certified_users_says_so(seeded_db, monkeypatch):
    require_certified_users(seeded_db, 3)
    add_deal(seeded_db, 27, "412000")
    pid = partner_id(seeded_db, 27)
    monkeypatch.setattr("core.tiers.evaluation.certified_user_counts", lambda db: {pid: 2})
    evaluate(seeded_db)
    assert proposal_for(seeded_db, 27).reason == (
        "Below Gold: won $412,000.00 of $500,000.00 needed; 2 of 3 certified users. "
        "Highest tier met: Registered.")


def test_re_running_keeps_one_proposal_per_partner_and_closes_what_no_longer_applies(
        seeded_db):
    add_deal(seeded_db, 1, "120000")
    first = evaluate(seeded_db)
    # 26 partners above Registered with no revenue, and p01's promotion.
    assert (first.partners, first.opened, first.kept, first.closed) == (40, 27, 0, 0)
    opened = proposal_for(seeded_db, 1)
    audit_count = len(events(seeded_db, "tier_proposal"))

    again = evaluate(seeded_db, now=NOW + timedelta(hours=1))
    assert (again.opened, again.retargeted, again.kept, again.closed) == (0, 0, 27, 0)
    assert count(seeded_db, TierProposal) == 27
    assert len(events(seeded_db, "tier_proposal")) == audit_count  # a refresh is no event

    add_deal(seeded_db, 1, "30000")  # now $150,000: same move, new figures
    evaluate(seeded_db)
    kept = proposal_for(seeded_db, 1)
    assert kept.id == opened.id and kept.won_revenue == Decimal("150000.00")
    assert kept.reason == "Meets Silver: won $150,000.00, $100,000.00 needed."

    add_deal(seeded_db, 1, "400000")  # now $550,000: Gold instead
    result = evaluate(seeded_db)
    retargeted = proposal_for(seeded_db, 1)
    assert result.retargeted == 1 and retargeted.id == opened.id
    assert retargeted.to_tier == "Gold"
    [event_] = events(seeded_db, "tier_proposal.retarget")
    assert (event_.before["to_tier_id"], event_.after["to_tier_id"]) == (
        tier_id(seeded_db, "Silver"), tier_id(seeded_db, "Gold"))

    # A year on, the deals fall out of the window: p01 belongs in Registered, where it is.
    result = evaluate(seeded_db, now=NOW + timedelta(days=366))
    assert proposal_for(seeded_db, 1) is None
    closed = proposal_for(seeded_db, 1, status="closed")
    assert closed.id == opened.id and closed.decision_note.startswith("No longer applies")
    assert result.closed == 1


def test_a_partner_no_longer_evaluated_has_its_proposal_closed(seeded_db):
    evaluate(seeded_db)
    assert proposal_for(seeded_db, 27) is not None
    seeded_db.get(Partner, partner_id(seeded_db, 27)).status = "suspended"
    seeded_db.commit()
    result = evaluate(seeded_db)
    assert result.partners == 39 and result.closed == 1
    assert proposal_for(seeded_db, 27, status="closed").decision_note == (
        "No longer applies: the partner is suspended.")


def test_the_evaluation_job_is_registered_and_runs(seeded):
    assert tiers.JOB_NAME in [j.name for j in registered()]
    [result] = run_due(seeded, now=NOW, only=[tiers.JOB_NAME])
    assert result.outcome == "ok"
    assert result.message.startswith("40 partners evaluated: 26 proposals opened")
    with Session(seeded) as db:
        assert count(db, TierProposal) == 26
        [opened, *_] = events(db, "tier_proposal.open")
        assert opened.actor == f"system:{tiers.JOB_NAME}"
    [later] = run_due(seeded, now=NOW + timedelta(days=1), only=[tiers.JOB_NAME])
    assert "0 proposals opened" in later.message and "26 kept" in later.message


def test_two_evaluations_at_once_open_each_proposal_once(seeded):
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run() -> None:
        try:
            barrier.wait()
            with unit_of_work(seeded, immediate=True) as db:
                results.append(run_evaluation(db, actor_for(db, "channel"), now=NOW))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted((r.opened, r.kept) for r in results) == [(0, 26), (26, 0)]
    with Session(seeded) as db:
        assert count(db, TierProposal) == 26


# ---------------------------------------------------------------- decisions


def test_confirming_moves_the_tier_with_history_audit_and_notification(seeded_db):
    add_deal(seeded_db, 1, "120000")
    evaluate(seeded_db)
    proposal = proposal_for(seeded_db, 1)
    change = confirm_proposal(seeded_db, actor_for(seeded_db, "channel2"), proposal.id,
                              now=NOW)
    seeded_db.commit()
    assert tier_of(seeded_db, 1) == "Silver"
    assert (change.from_tier, change.to_tier, change.source_label) == (
        "Registered", "Silver", "Proposal confirmed")

    [history] = tier_history(seeded_db, actor_for(seeded_db, "p01.rep1"), partner_id(
        seeded_db, 1))
    assert (history.from_tier, history.to_tier, history.source, history.changed_by,
            history.changed_at) == ("Registered", "Silver", "proposal", "Casey Channel", NOW)
    assert history.reason == "Meets Silver: won $120,000.00, $100,000.00 needed."

    [moved] = events(seeded_db, "partner.tier_change")
    assert (moved.actor, moved.before, moved.after["tier"], moved.after["source"]) == (
        "channel2", {"tier": "Registered"}, "Silver", "proposal")
    [decided] = events(seeded_db, "tier_proposal.confirmed")
    assert (decided.before["status"], decided.after["status"]) == ("open", "confirmed")

    for username in ("p01.admin", "p01.rep1", "p01.rep2"):
        assert subjects(seeded_db, username).count(
            f"{change.partner_name} is now Silver") == 1
    assert not any("is now" in s for s in subjects(seeded_db, "p02.admin"))
    assert proposal_for(seeded_db, 1, status="confirmed").decided_by == "Casey Channel"
    # Confirmed is final, and the next evaluation finds p01 where it belongs.
    with pytest.raises(RuleViolation, match="confirmed; it cannot be confirmed"):
        confirm_proposal(seeded_db, actor_for(seeded_db, "channel"), proposal.id, now=NOW)
    evaluate(seeded_db)
    assert proposal_for(seeded_db, 1) is None


def test_override_sets_another_tier_with_the_reason(seeded_db):
    add_deal(seeded_db, 1, "120000")
    evaluate(seeded_db)
    proposal = proposal_for(seeded_db, 1)
    change = override_proposal(seeded_db, actor_for(seeded_db, "admin"), proposal.id,
                               tier_id(seeded_db, "Gold"), " Strategic partner for 2027. ",
                               now=NOW)
    seeded_db.commit()
    assert tier_of(seeded_db, 1) == "Gold"
    assert (change.to_tier, change.source, change.reason) == (
        "Gold", "override", "Strategic partner for 2027.")
    decided = proposal_for(seeded_db, 1, status="overridden")
    assert decided.decision_note == "Strategic partner for 2027."
    assert len(events(seeded_db, "partner.tier_change")) == 1
    assert any("is now Gold" in s for s in subjects(seeded_db, "p01.rep1"))


@pytest.mark.parametrize("reason, tier, field, message", [
    ("  ", "Gold", "reason", "Say why you set a different tier."),
    ("x" * 501, "Gold", "reason", "Keep the reason to 500 characters or fewer."),
    ("Because", "Silver", "tier_id", "Silver is the proposed tier: confirm the proposal "
                                     "instead."),
    ("Because", "Registered", "tier_id", "is Registered already: dismiss the proposal "
                                         "instead."),
    ("Because", None, "tier_id", "Choose a tier from the list."),
])
def test_a_refused_override_writes_nothing(seeded_db, reason, tier, field, message):
    add_deal(seeded_db, 1, "120000")
    evaluate(seeded_db)
    proposal = proposal_for(seeded_db, 1)
    audit_count = audit_total(seeded_db)
    with pytest.raises(RuleViolation) as caught:
        override_proposal(seeded_db, actor_for(seeded_db, "channel"), proposal.id,
                          tier_id(seeded_db, tier) if tier else None, reason, now=NOW)
    seeded_db.commit()  # whatever the service had added would be kept now
    assert caught.value.field == field and message in str(caught.value)
    assert tier_of(seeded_db, 1) == "Registered"
    assert proposal_for(seeded_db, 1).id == proposal.id
    assert count(seeded_db, TierChange) == 0
    assert audit_total(seeded_db) == audit_count


def test_dismissed_proposals_stay_away_for_the_hold_then_come_back(seeded_db):
    add_deal(seeded_db, 1, "120000")
    evaluate(seeded_db)
    proposal = proposal_for(seeded_db, 1)
    dismiss_proposal(seeded_db, actor_for(seeded_db, "channel"), proposal.id,
                     "Waiting for their Q1 numbers", now=NOW)
    seeded_db.commit()
    assert tier_of(seeded_db, 1) == "Registered"
    dismissed = proposal_for(seeded_db, 1, status="dismissed")
    assert dismissed.decision_note == "Waiting for their Q1 numbers"
    assert not any("is now" in s for s in subjects(seeded_db, "p01.admin"))
    assert len(events(seeded_db, "tier_proposal.dismissed")) == 1

    result = evaluate(seeded_db, now=NOW + timedelta(days=1))
    assert result.held == 1 and proposal_for(seeded_db, 1) is None
    add_deal(seeded_db, 1, "400000")  # a different move (to Gold) is proposed at once
    evaluate(seeded_db, now=NOW + timedelta(days=2))
    assert proposal_for(seeded_db, 1).to_tier == "Gold"


def test_the_same_move_is_proposed_again_after_the_hold(seeded_db):
    add_deal(seeded_db, 1, "120000")
    evaluate(seeded_db)
    dismiss_proposal(seeded_db, actor_for(seeded_db, "channel"),
                     proposal_for(seeded_db, 1).id, now=NOW)
    seeded_db.commit()
    later = NOW + tiers.DISMISSAL_HOLD + timedelta(days=1)
    add_deal(seeded_db, 1, "1000", closed_on=later.date())
    evaluate(seeded_db, now=later)
    assert proposal_for(seeded_db, 1).to_tier == "Silver"


def test_bulk_confirm_confirms_the_open_ones_and_skips_the_rest(seeded_db):
    for index in (1, 2, 3):
        add_deal(seeded_db, index, "120000")
    evaluate(seeded_db)
    ids = [proposal_for(seeded_db, i).id for i in (1, 2, 3)]
    channel = actor_for(seeded_db, "channel")
    dismiss_proposal(seeded_db, channel, ids[1], now=NOW)
    result = confirm_proposals(seeded_db, channel, [*ids, ids[0], 999_999], now=NOW)
    seeded_db.commit()
    assert result.confirmed == (ids[0], ids[2])
    assert result.skipped == (
        (ids[1], "This proposal is dismissed; it cannot be confirmed."),
        (999_999, "The tier proposal was not found."))
    assert [tier_of(seeded_db, i) for i in (1, 2, 3)] == ["Silver", "Registered", "Silver"]
    assert count(seeded_db, TierChange) == 2
    assert len(events(seeded_db, "partner.tier_change")) == 2


def test_a_proposal_whose_partner_moved_meanwhile_is_refused(seeded_db):
    add_deal(seeded_db, 1, "120000")
    evaluate(seeded_db)
    proposal = proposal_for(seeded_db, 1)
    seeded_db.get(Partner, partner_id(seeded_db, 1)).tier_id = tier_id(seeded_db, "Gold")
    seeded_db.commit()
    with pytest.raises(RuleViolation, match="is Gold now, not Registered: run the evaluation"):
        confirm_proposal(seeded_db, actor_for(seeded_db, "channel"), proposal.id, now=NOW)


def test_a_proposal_retargeted_since_it_was_shown_is_not_confirmed_blind(seeded_db):
    add_deal(seeded_db, 1, "120000")
    evaluate(seeded_db)
    shown = proposal_for(seeded_db, 1)  # what the manager sees: Registered to Silver
    add_deal(seeded_db, 1, "400000")
    evaluate(seeded_db)  # the daily run retargets it to Gold meanwhile
    channel = actor_for(seeded_db, "channel")
    with pytest.raises(RuleViolation, match="now moves it to Gold .*review it again"):
        confirm_proposal(seeded_db, channel, shown.id, shown_to_tier_id=shown.to_tier_id,
                         now=NOW)
    result = confirm_proposals(seeded_db, channel, [shown.id],
                               shown_to_tier_ids={shown.id: shown.to_tier_id}, now=NOW)
    assert result.confirmed == () and "now moves it to Gold" in result.skipped[0][1]
    seeded_db.commit()
    assert tier_of(seeded_db, 1) == "Registered" and count(seeded_db, TierChange) == 0
    # Reviewed again, the Gold target is confirmed.
    current = proposal_for(seeded_db, 1)
    confirm_proposal(seeded_db, channel, current.id, shown_to_tier_id=current.to_tier_id,
                     now=NOW)
    seeded_db.commit()
    assert tier_of(seeded_db, 1) == "Gold"


def test_setting_a_tier_by_hand_is_history_and_closes_the_open_proposal(seeded_db):
    add_deal(seeded_db, 1, "120000")
    evaluate(seeded_db)
    proposal = proposal_for(seeded_db, 1)
    channel = actor_for(seeded_db, "channel")
    with pytest.raises(RuleViolation) as caught:
        set_partner_tier(seeded_db, channel, partner_id(seeded_db, 1),
                         tier_id(seeded_db, "Gold"), "")
    assert caught.value.field == "reason"
    with pytest.raises(RuleViolation, match="is Registered already"):
        set_partner_tier(seeded_db, channel, partner_id(seeded_db, 1),
                         tier_id(seeded_db, "Registered"), "No change")
    change = set_partner_tier(seeded_db, channel, partner_id(seeded_db, 1),
                              tier_id(seeded_db, "Gold"), "Signed the Gold program", now=NOW)
    seeded_db.commit()
    assert (change.source_label, change.to_tier, tier_of(seeded_db, 1)) == (
        "Set by hand", "Gold", "Gold")
    closed = proposal_for(seeded_db, 1, status="closed")
    assert closed.id == proposal.id
    assert closed.decision_note == "Closed: the tier was set by hand to Gold."
    assert [h.source for h in tier_history(seeded_db, channel, partner_id(seeded_db, 1))] == [
        "manual"]


def test_proposals_list_promotions_first_and_filters_to_my_partners(seeded_db):
    add_deal(seeded_db, 1, "120000")  # p01's manager is channel2
    add_deal(seeded_db, 2, "120000")  # p02's is channel
    evaluate(seeded_db)
    rows, total = list_proposals(seeded_db, actor_for(seeded_db, "channel"))
    assert total == 28 and len(rows) == 28
    assert [r.promotion for r in rows[:2]] == [True, True] and not rows[2].promotion
    mine, mine_total = list_proposals(seeded_db, actor_for(seeded_db, "channel"),
                                      mine_only=True)
    assert partner_id(seeded_db, 2) in {r.partner_id for r in mine}
    assert partner_id(seeded_db, 1) not in {r.partner_id for r in mine}
    assert mine_total == len(mine) < total


# ---------------------------------------------------------------- who may do what


@pytest.mark.parametrize("username", ["p01.admin", "p01.rep1", "finance", "exec", "analyst",
                                      "marketing"])
def test_only_the_channel_team_evaluates_and_decides(seeded_db, username):
    add_deal(seeded_db, 1, "120000")
    evaluate(seeded_db)
    proposal = proposal_for(seeded_db, 1)
    actor = actor_for(seeded_db, username)
    gold = tier_id(seeded_db, "Gold")
    calls = [
        lambda: run_evaluation(seeded_db, actor, now=NOW),
        lambda: assess_partners(seeded_db, actor, now=NOW),
        lambda: list_proposals(seeded_db, actor),
        lambda: confirm_proposal(seeded_db, actor, proposal.id, now=NOW),
        lambda: confirm_proposals(seeded_db, actor, [proposal.id], now=NOW),
        lambda: override_proposal(seeded_db, actor, proposal.id, gold, "Because", now=NOW),
        lambda: dismiss_proposal(seeded_db, actor, proposal.id, now=NOW),
        lambda: set_partner_tier(seeded_db, actor, partner_id(seeded_db, 1), gold, "Because"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert tier_of(seeded_db, 1) == "Registered"
    assert proposal_for(seeded_db, 1).id == proposal.id


def test_admin_may_evaluate_and_decide_too(seeded_db):
    add_deal(seeded_db, 1, "120000")
    evaluate(seeded_db, "admin")
    confirm_proposal(seeded_db, actor_for(seeded_db, "admin"), proposal_for(seeded_db, 1).id,
                     now=NOW)
    seeded_db.commit()
    assert tier_of(seeded_db, 1) == "Silver"


@pytest.mark.parametrize("username", ["p01.admin", "p01.rep1"])
def test_a_partner_sees_only_its_own_progress_and_history(seeded_db, username):
    actor = actor_for(seeded_db, username)
    assert tier_progress(seeded_db, actor, actor.partner_id, now=NOW).partner_id == (
        actor.partner_id)
    assert tier_history(seeded_db, actor, actor.partner_id) == []
    other = partner_id(seeded_db, 2)
    with pytest.raises(NotFound):
        tier_progress(seeded_db, actor, other, now=NOW)
    with pytest.raises(NotFound):
        tier_history(seeded_db, actor, other)
    with pytest.raises(NotFound):
        tier_progress(seeded_db, actor, 999_999, now=NOW)


# ---------------------------------------------------------------- progress


def test_progress_says_what_the_next_tier_still_needs(seeded_db):
    add_deal(seeded_db, 1, "12000")
    actor = actor_for(seeded_db, "p01.rep1")
    progress = tier_progress(seeded_db, actor, actor.partner_id, now=NOW)
    assert (progress.tier.name, progress.next_tier.name) == ("Registered", "Silver")
    assert progress.won_revenue == Decimal("12000.00") and progress.certified_users == 0
    assert progress.missing == ("$88,000.00 more won revenue in the trailing 12 months",)
    assert progress.keep_missing == ()
    assert progress.revenue_share == pytest.approx(0.12)
    assert dict(tiers.benefits(progress.tier))["Deal protection"] == "60 days"


def test_progress_counts_certified_users_too(seeded_db, monkeypatch):
    require_certified_users(seeded_db, 2)
    add_deal(seeded_db, 1, "150000")
    actor = actor_for(seeded_db, "p01.admin")
    monkeypatch.setattr("core.tiers.progress.certified_user_counts",
                        lambda db, **_: {actor.partner_id: 1})
    progress = tier_progress(seeded_db, actor, actor.partner_id, now=NOW)
    assert progress.missing == ("1 more certified user",)
    monkeypatch.setattr("core.tiers.progress.certified_user_counts", lambda db, **_: {})
    progress = tier_progress(seeded_db, actor, actor.partner_id, now=NOW)
    assert progress.missing == ("2 more certified users",)


def test_progress_at_the_top_and_below_the_own_tier(seeded_db):
    platinum = actor_for(seeded_db, "p36.admin")
    progress = tier_progress(seeded_db, platinum, platinum.partner_id, now=NOW)
    assert progress.next_tier is None and progress.missing == ()
    assert progress.keep_missing == (
        "$1,500,000.00 more won revenue in the trailing 12 months",)
