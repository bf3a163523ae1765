"""Scorecard facts are what a scan of the sources says, after any sequence of the services
that change deals and sign-ins, and a rebuild gives the same (issue #15)."""

import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from core.accounts import sign_in
from core.analytics import analytics_stamp, rebuild
from core.analytics.facts import MEASURES
from core.deals import (
    answer_info_request,
    approve_deal,
    change_final_amount,
    mark_lost,
    mark_won,
    register_deal,
    reject_deal,
    request_more_info,
    run_deal_protection,
    start_review,
    update_deal,
    withdraw_deal,
)
from core.errors import DomainError
from db.models import (
    AnalyticsVersion,
    AuditEvent,
    CourseCompletion,
    DealRegistration,
    Lead,
    LeadOffer,
    PartnerMonthFact,
    PartnerUserMonth,
)
from tests.conftest import actor_for
from tests.deals.test_deals import form

START = datetime(2025, 10, 3, 9, 0, tzinfo=UTC)
REPS = ["p01.rep1", "p01.rep2", "p02.rep1", "p15.rep1", "p27.rep1"]
DEMO_PASSWORD = "prm-demo-2026"


def first_of(value) -> date:
    return date(value.year, value.month, 1)


def scanned(db) -> dict:
    """The facts as a person would count them from the registrations, written out plainly
    (not through core.analytics): {(partner, month): {measure: value}}."""
    out: dict = defaultdict(Counter)
    for d in db.scalars(select(DealRegistration)):
        key = (d.partner_id, first_of(d.submitted_at))
        out[key]["registrations"] += 1
        out[key]["pipeline"] += d.estimated_value
        if d.protection_days is not None:  # approved once
            out[(d.partner_id, first_of(d.decided_at))]["approved"] += 1
        if d.status == "rejected":
            out[(d.partner_id, first_of(d.decided_at))]["rejected"] += 1
        if d.status == "won":
            won = out[(d.partner_id, first_of(d.closed_on))]
            won["won"] += 1
            won["won_amount"] += d.final_amount
            won["won_days"] += (d.closed_on - d.submitted_at.date()).days
        if d.status == "lost":
            out[(d.partner_id, first_of(d.closed_on))]["lost"] += 1
    for c in db.scalars(select(CourseCompletion).where(CourseCompletion.partner_id.is_not(None))):
        out[(c.partner_id, first_of(c.completed_at))]["courses_completed"] += 1
    for o in db.scalars(select(LeadOffer)):
        out[(o.partner_id, first_of(o.offered_at))]["lead_offers"] += 1
        if o.status in ("accepted", "rejected", "lapsed"):
            ended = out[(o.partner_id, first_of(o.answered_at))]
            ended["lead_ended"] += 1
            ended["lead_accepted"] += o.status == "accepted"
            ended["lead_lapsed"] += o.status == "lapsed"
            if o.status != "lapsed":
                ended["lead_answer_minutes"] += int(
                    (o.answered_at - o.offered_at).total_seconds() // 60)
    for x in db.scalars(select(Lead).where(Lead.closed_at.is_not(None))):
        out[(x.partner_id, first_of(x.closed_at))][f"lead_{x.status}"] += 1
    return {k: {m: v for m, v in c.items() if v} for k, c in out.items()}


def kept(db) -> dict:
    measures = MEASURES
    return {(f.partner_id, f.month): {m: getattr(f, m) for m in measures if getattr(f, m)}
            for f in db.scalars(select(PartnerMonthFact))}


def active_scanned(db) -> set:
    return {(p, first_of(at), u) for p, u, at in db.execute(
        select(AuditEvent.partner_id, AuditEvent.actor_user_id, AuditEvent.at)
        .where(AuditEvent.action == "auth.login", AuditEvent.partner_id.is_not(None)))}


def active_kept(db) -> set:
    return {(r.partner_id, r.month, r.user_id) for r in db.scalars(select(PartnerUserMonth))}


ACTIONS = ["register", "register", "approve", "approve", "approve", "reject", "review",
           "more_info", "answer", "won", "won", "won", "lost", "lost", "value", "withdraw",
           "final", "final", "expire", "sign_in"]


def act(db, rng: random.Random, action: str, step: int, now: datetime, rep: str,
        deal_id: int | None, owner: str) -> int | None:
    """One service call; the id of a registration it created."""
    desk = actor_for(db, "channel")
    by_owner = actor_for(db, owner)
    if action == "register":
        data = form(db, company=f"Customer {step}", website=f"c{step}.example",
                    contact_email=f"b@c{step}.example",
                    estimated_value=str(rng.randint(1, 900) * 500),
                    expected_close_date=(now + timedelta(days=90)).date())
        return register_deal(db, actor_for(db, rep), data, now=now).id
    if action == "expire":
        run_deal_protection(db, now + timedelta(days=rng.randint(0, 200)))
    elif action == "approve":
        approve_deal(db, desk, deal_id, override_conflict=True, now=now)
    elif action == "reject":
        reject_deal(db, desk, deal_id, "Not ours.", now=now)
    elif action == "review":
        start_review(db, desk, deal_id, now=now)
    elif action == "more_info":
        request_more_info(db, desk, deal_id, "Who decides?", now=now)
    elif action == "answer":
        answer_info_request(db, by_owner, deal_id, "The CIO.", now=now)
    elif action == "won":
        mark_won(db, by_owner, deal_id, str(rng.randint(1, 900) * 250),
                 closed_on=(now - timedelta(days=rng.randint(0, 40))).date(), now=now)
    elif action == "lost":
        mark_lost(db, by_owner, deal_id, "Budget cut.", now=now)
    elif action == "value":
        update_deal(db, by_owner, deal_id, {"estimated_value": str(rng.randint(1, 900) * 100)},
                    now=now)
    elif action == "withdraw":
        withdraw_deal(db, by_owner, deal_id, now=now)
    elif action == "final":
        change_final_amount(db, desk, deal_id, str(rng.randint(1, 900) * 300), "Invoice.",
                            now=now)
    return None


def random_work(db, rng: random.Random, steps: int) -> Counter:
    """`steps` service calls, each at a later moment, over about 14 months (across a year
    end); calls a rule refuses change nothing and are counted as refused."""
    done: Counter = Counter()
    now = START
    ids: list[int] = []
    users = {actor_for(db, u).user_id: u for u in REPS}
    for step in range(steps):
        now += timedelta(hours=rng.randint(1, 72))
        rep, action = rng.choice(REPS), rng.choice(ACTIONS)
        deal_id = rng.choice(ids) if ids else None
        if action not in ("register", "expire", "sign_in") and deal_id is None:
            continue
        if action == "sign_in":  # it commits its own steps
            sign_in(db, rep, DEMO_PASSWORD, now=now)
            done[action] += 1
            continue
        owner = users[db.get(DealRegistration, deal_id).owner_user_id] if deal_id else rep
        try:
            with db.begin_nested():
                if (new := act(db, rng, action, step, now, rep, deal_id, owner)) is not None:
                    ids.append(new)
            done[action] += 1
        except DomainError:
            done["refused"] += 1
    db.commit()
    return done


def test_facts_equal_a_scan_of_the_sources_after_a_long_random_sequence(seeded_db):
    done = random_work(seeded_db, random.Random(15), 260)
    # The sequence did each kind of thing, so each path that changes a fact was taken.
    assert all(done[a] for a in ("register", "approve", "reject", "won", "lost", "value",
                                 "withdraw", "final", "sign_in")), done
    expected = scanned(seeded_db)
    assert kept(seeded_db) == expected
    assert {m for _, m in expected} >= {date(2025, 12, 1), date(2026, 1, 1)}  # a year end
    assert active_kept(seeded_db) == active_scanned(seeded_db) != set()

    # Every partner whose facts moved has a version that moved with them.
    versions = {v.partner_id: v.version for v in seeded_db.scalars(select(AnalyticsVersion))}
    assert {p for p, _ in expected} <= {p for p, v in versions.items() if v > 0}

    seeded_db.execute(PartnerMonthFact.__table__.delete())  # lost, then rebuilt
    seeded_db.execute(PartnerUserMonth.__table__.delete())
    report = rebuild(seeded_db)
    assert kept(seeded_db) == expected
    assert active_kept(seeded_db) == active_scanned(seeded_db)
    assert report.fact_rows == len(expected)
    after = {v.partner_id: v.version for v in seeded_db.scalars(select(AnalyticsVersion))}
    assert all(after[p] > versions.get(p, 0) for p, _ in expected)


def test_a_won_deal_counts_in_the_month_of_its_close_day_with_its_days(seeded_db):
    """Hand-computed: registered 2025-12-20 for 10,000; approved 2026-01-05; won on
    2026-01-10 for 12,500 (21 days after registration)."""
    rep = actor_for(seeded_db, "p01.rep1")
    at = datetime(2025, 12, 20, 10, 0, tzinfo=UTC)
    stamps = [analytics_stamp(seeded_db)]
    deal = register_deal(seeded_db, rep, form(seeded_db, estimated_value="10000",
                                              expected_close_date=date(2026, 3, 1)), now=at)
    stamps.append(analytics_stamp(seeded_db))
    approve_deal(seeded_db, actor_for(seeded_db, "channel"), deal.id,
                 now=datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    stamps.append(analytics_stamp(seeded_db))
    mark_won(seeded_db, rep, deal.id, "12500", closed_on=date(2026, 1, 10),
             now=datetime(2026, 1, 11, 9, 0, tzinfo=UTC))
    seeded_db.commit()
    stamps.append(analytics_stamp(seeded_db))
    # The stamp the dashboards' cache keys hold moved with each write (and never back).
    assert stamps == sorted(set(stamps)) and len(stamps) == 4
    assert kept(seeded_db) == {
        (rep.partner_id, date(2025, 12, 1)): {"registrations": 1, "pipeline": Decimal("10000")},
        (rep.partner_id, date(2026, 1, 1)): {"approved": 1, "won": 1,
                                              "won_amount": Decimal("12500"), "won_days": 21},
    }


def test_the_demo_has_facts_and_active_users_that_a_rebuild_confirms(demo_db):
    """`make run`'s demo: every chart and scorecard has something to show, and what the
    services kept is what a rebuild from the sources gives."""
    facts, active = kept(demo_db), active_kept(demo_db)
    assert len({p for p, _ in facts}) >= 30 and len({p for p, _, _ in active}) >= 30
    assert facts == scanned(demo_db) and active == active_scanned(demo_db)
