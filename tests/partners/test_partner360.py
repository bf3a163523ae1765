"""Partner 360: the vendor's whole view of one partner. Its figures equal what the rows add up
to, each section keeps its own area's rule, and partner users never get one."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core import audit, onboarding
from core.actor import Actor
from core.deals.revenue import won_revenue
from core.deals.status import OPEN
from core.errors import NotFound, PermissionDenied, RuleViolation
from core.partner360 import LATER_CAPABILITIES, parse_partner_id, partner_360
from core.tiers import set_partner_tier
from db.models import AuditEvent, DealRegistration, Partner, Tier, User
from tests.conftest import NOW, actor_for
from tests.partners.test_directory import TODAY, add_deal

VENDORS = ("admin", "channel", "marketing", "finance", "exec", "analyst")


def first_partner(db) -> Partner:
    return db.scalar(select(Partner).order_by(Partner.id))


def test_every_vendor_role_gets_the_whole_partner(seeded_db):
    partner = first_partner(seeded_db)
    for username in VENDORS:
        view = partner_360(seeded_db, actor_for(seeded_db, username), partner.id, now=NOW)
        assert (view.profile.id, view.profile.name) == (partner.id, partner.name)
        assert view.tier.tier.name == partner.tier.name
        assert view.users.total == len(seeded_db.scalars(
            select(User).where(User.partner_id == partner.id)).all())


@pytest.mark.parametrize("username", ["p01.admin", "p01.rep1"])
def test_partner_users_never_get_a_360_not_even_their_own(seeded_db, username):
    actor = actor_for(seeded_db, username)
    other = seeded_db.scalar(select(Partner.id).where(Partner.id != actor.partner_id))
    for partner_id in (other, actor.partner_id):
        with pytest.raises(PermissionDenied):
            partner_360(seeded_db, actor, partner_id)


def test_anonymous_is_refused_and_a_missing_partner_is_not_found(seeded_db):
    with pytest.raises(PermissionDenied):
        partner_360(seeded_db, Actor.anonymous("x"), first_partner(seeded_db).id)
    with pytest.raises(NotFound):
        partner_360(seeded_db, actor_for(seeded_db, "admin"), 999_999)


def test_deal_figures_equal_the_partners_rows(seeded_db):
    partner = first_partner(seeded_db)
    other = seeded_db.scalar(select(Partner).where(Partner.id != partner.id))
    add_deal(seeded_db, partner, "submitted", "1000.10", verdict="conflict")
    add_deal(seeded_db, partner, "under_review", "2000.20", verdict="possible")
    add_deal(seeded_db, partner, "approved", "3000.30")
    add_deal(seeded_db, partner, "more_info", "400.00", verdict="possible")
    add_deal(seeded_db, partner, "rejected", "9000", verdict="conflict")  # closed: not open
    add_deal(seeded_db, partner, "won", "100", final="0.10", closed_on=TODAY)
    add_deal(seeded_db, partner, "won", "100", final="0.20", closed_on=TODAY - timedelta(days=30))
    add_deal(seeded_db, partner, "won", "100", final="500", closed_on=TODAY - timedelta(days=400))
    add_deal(seeded_db, other, "approved", "7777", verdict="conflict")  # someone else's

    deals = partner_360(seeded_db, actor_for(seeded_db, "channel"), partner.id, now=NOW).deals

    rows = seeded_db.scalars(select(DealRegistration)
                             .where(DealRegistration.partner_id == partner.id)).all()
    open_rows = [d for d in rows if d.status in OPEN]
    assert deals.by_status["won"] == 3 and deals.by_status["rejected"] == 1
    assert sum(deals.by_status.values()) == len(rows)
    assert deals.open_count == len(open_rows) == 4
    assert deals.open_pipeline == sum(d.estimated_value for d in open_rows) == \
        Decimal("6400.60")
    assert deals.open_conflicts == 3
    assert deals.won_12m == won_revenue(seeded_db, partner.id, now=NOW) == Decimal("0.30")
    assert deals.won_12m_count == 2


def test_a_partner_without_deals_shows_zeros(seeded_db):
    deals = partner_360(seeded_db, actor_for(seeded_db, "exec"), first_partner(seeded_db).id,
                        now=NOW).deals
    assert (deals.open_count, deals.open_pipeline, deals.won_12m, deals.open_conflicts) == \
        (0, Decimal("0.00"), Decimal("0.00"), 0)
    assert set(deals.by_status.values()) == {0}


def test_contact_details_only_for_admin_and_channel_managers(seeded_db):
    partner = first_partner(seeded_db)
    usernames = {u.username for u in seeded_db.scalars(
        select(User).where(User.partner_id == partner.id))}
    for username in ("admin", "channel"):
        users = partner_360(seeded_db, actor_for(seeded_db, username), partner.id).users
        assert {c.username for c in users.contacts} == usernames
        assert all(c.email for c in users.contacts)
    for username in ("marketing", "finance", "exec", "analyst"):
        users = partner_360(seeded_db, actor_for(seeded_db, username), partner.id).users
        assert users.contacts is None and users.total == len(usernames)


def test_onboarding_shows_progress_to_all_and_the_checklist_to_its_readers(seeded_db):
    partner = first_partner(seeded_db)
    admin = actor_for(seeded_db, "admin")
    checklist = onboarding.checklist(seeded_db, admin, partner.id)
    first_open = next(s.title for s in checklist.steps if not s.done)
    for username in VENDORS:
        section = partner_360(seeded_db, actor_for(seeded_db, username), partner.id).onboarding
        assert (section.done, section.total, section.next_step) == \
            (checklist.done_count, checklist.total, first_open)
        if username in ("admin", "channel"):
            assert section.steps == checklist.steps
        else:
            assert section.steps is None


def test_audit_trail_holds_this_partners_events_for_the_admin_only(seeded_db):
    partner = first_partner(seeded_db)
    other = seeded_db.scalar(select(Partner).where(Partner.id != partner.id))
    admin = actor_for(seeded_db, "admin")
    audit.record(seeded_db, admin, "partner.note", "partner", partner.id,
                 after={"note": "mine"}, partner_id=partner.id, now=NOW)
    audit.record(seeded_db, admin, "partner.note", "partner", other.id,
                 after={"note": "theirs"}, partner_id=other.id, now=NOW)
    seeded_db.flush()

    trail = partner_360(seeded_db, admin, partner.id).audit
    expected = seeded_db.scalars(select(AuditEvent.id)
                                 .where(AuditEvent.partner_id == partner.id)).all()
    assert trail.total == len(expected) == len(trail.events)
    assert trail.events[0].after == {"note": "mine"}  # newest first
    assert {"note": "theirs"} not in [e.after for e in trail.events]
    for username in ("channel", "marketing", "finance", "exec", "analyst"):
        assert partner_360(seeded_db, actor_for(seeded_db, username), partner.id).audit is None


def test_tier_and_its_history_come_from_the_tier_service(seeded_db):
    partner = first_partner(seeded_db)
    was = partner.tier.name
    gold = seeded_db.scalar(select(Tier).where(Tier.name == ("Gold" if was != "Gold"
                                                             else "Silver")))
    channel = actor_for(seeded_db, "channel")
    set_partner_tier(seeded_db, channel, partner.id, gold.id, "Strong pipeline this year.",
                     now=NOW)
    view = partner_360(seeded_db, actor_for(seeded_db, "analyst"), partner.id, now=NOW)
    assert view.profile.tier == view.tier.tier.name == gold.name
    latest = view.tier_history[0]
    assert (latest.from_tier, latest.to_tier, latest.reason) == \
        (was, gold.name, "Strong pipeline this year.")


def test_no_capability_is_pending_any_more(seeded_db):
    view = partner_360(seeded_db, actor_for(seeded_db, "admin"), first_partner(seeded_db).id)
    assert view.later == LATER_CAPABILITIES == ()  # funds, the last, landed with issue #18


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "", "12; DROP TABLE partners"])
def test_a_partner_id_from_a_link_that_is_not_a_number_gets_a_message(value):
    with pytest.raises(RuleViolation, match="not a partner id"):
        parse_partner_id(value)


def test_a_partner_id_from_a_link():
    assert parse_partner_id(" 12 ") == 12


def _promote_by_evaluation(db) -> Partner:
    """A Registered partner wins enough to meet Silver; the evaluation proposes it."""
    from core.tiers import run_evaluation

    partner = db.scalar(select(Partner).join(Tier).where(Tier.name == "Registered")
                        .order_by(Partner.id))
    silver = db.scalar(select(Tier).where(Tier.name == "Silver"))
    add_deal(db, partner, "won", "1000", final=str(silver.min_won_revenue),
             closed_on=TODAY - timedelta(days=30))
    run_evaluation(db, Actor.system("tier-evaluation"), now=NOW)
    db.commit()
    return partner


def test_the_open_proposal_shows_for_those_who_decide_it(seeded_db):
    partner = _promote_by_evaluation(seeded_db)
    view = partner_360(seeded_db, actor_for(seeded_db, "channel"), partner.id, now=NOW)
    assert (view.proposal.from_tier, view.proposal.to_tier) == ("Registered", "Silver")
    assert view.proposal.promotion and "Silver" in view.proposal.reason
    for username in ("analyst", "finance", "exec"):
        assert partner_360(seeded_db, actor_for(seeded_db, username), partner.id,
                           now=NOW).proposal is None
