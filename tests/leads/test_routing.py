"""Routing (issue #17): each eligibility filter, the score and its explanation in words, the
tie-break, capacity, the fair share, dry runs, hand assignment and who may route."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from core.errors import NotFound, PermissionDenied, RuleViolation
from core.leads import assign_lead, explain, offer_history, route_leads
from core.leads.status import LeadStatus
from db.models import (
    AuditEvent,
    Certification,
    CertificationTrack,
    Lead,
    LeadOffer,
    Notification,
    Partner,
    ProductLine,
    Tier,
    User,
)
from tests.conftest import NOW, actor_for
from tests.leads.helpers import (
    clear_network,
    cover,
    german_network,
    industries,
    new_lead,
    only,
    partner_of,
    set_capacity,
)

ROUTERS = ("admin", "marketing", "channel")


def route(db, ids, **kwargs):
    return route_leads(db, actor_for(db, "marketing"), ids, now=NOW, **kwargs)


def placed(report) -> dict[int, int | None]:
    return {p.lead_id: p.partner_id for p in report.placements}


@pytest.fixture
def network(seeded_db):
    return german_network(seeded_db)


def test_the_closest_territory_wins_postal_prefix_then_state_country_region(seeded_db,
                                                                            network):
    db = seeded_db
    munich = new_lead(db, state="BY", postal_code="80331")
    nuremberg = new_lead(db, state="bayern", postal_code="90402")
    berlin = new_lead(db, state="Berlin", postal_code="10115")
    vienna = new_lead(db, country="AT")
    report = route(db, [munich, nuremberg, berlin, vienna])
    assert placed(report) == {munich: network["postal"], nuremberg: network["state"],
                              berlin: network["country"], vienna: network["region"]}
    why = next(p for p in report.placements if p.lead_id == munich).explanation
    assert why["level"] == "postal"
    assert [r["partner_id"] for r in why["runners_up"]] == [network["state"],
                                                            network["country"]]
    # France's partner is never a candidate for a German lead.
    assert network["france"] not in {r["partner_id"] for p in report.placements
                                     for r in p.explanation["runners_up"]}


def test_a_lead_nobody_covers_stays_in_the_queue_with_the_reason(seeded_db, network):
    db = seeded_db
    lead = new_lead(db, country="BR")
    [p] = route(db, [lead]).placements
    assert p.partner_id is None and "territory" in p.why_not
    assert db.get(Lead, lead).status == LeadStatus.NEW.value


def test_a_lead_with_an_industry_goes_only_to_partners_serving_it(seeded_db, network):
    db = seeded_db
    industries(db, "p01.admin", "Retail")
    industries(db, "p02.admin", "Financial services")
    bank = new_lead(db, state="BY", postal_code="80331", industry="Banking")  # a bank
    unknown = new_lead(db, postal_code="80331", industry="Basket weaving")  # no group: any
    got = placed(route(db, [bank, unknown]))
    assert got == {bank: network["state"], unknown: network["postal"]}


def test_a_product_lead_needs_a_certified_user_where_the_tier_says_so(seeded_db, network):
    db = seeded_db
    line = db.scalar(select(ProductLine.id).where(ProductLine.active).order_by(ProductLine.id))
    tier_of_p01 = db.scalar(select(Partner.tier_id).where(Partner.id == network["postal"]))
    db.execute(update(Tier).where(Tier.id == tier_of_p01).values(leads_need_certification=True))
    db.flush()
    lead = new_lead(db, postal_code="80331", product_line=_line_name(db, line))
    # p01's tier asks for a certified user and p01 has none: Bavaria's partner gets it.
    assert placed(route(db, [lead], dry_run=True))[lead] != network["postal"]
    track = CertificationTrack(name="Certified on the line", validity_months=12,
                               course_families=[], product_line_ids=[line])
    db.add(track)
    db.flush()
    rep = db.scalar(select(User).where(User.username == "p01.rep1"))
    db.add(Certification(user_id=rep.id, partner_id=rep.partner_id, track_id=track.id,
                         code="T-1", issued_at=NOW - timedelta(days=10),
                         expires_at=NOW + timedelta(days=300)))
    db.flush()
    assert placed(route(db, [lead], dry_run=True))[lead] == network["postal"]


def _line_name(db, line_id: int) -> str:
    return db.get(ProductLine, line_id).name


def test_capacity_left_is_respected_and_the_next_partner_gets_the_rest(seeded_db, network):
    db = seeded_db
    set_capacity(db, "p01.admin", 2)
    leads = [new_lead(db, state="BY", postal_code="80331") for _ in range(4)]
    got = placed(route(db, leads))
    assert [got[x] for x in leads] == [network["postal"]] * 2 + [network["state"]] * 2
    # Its two offers wait for an answer: it has no capacity left for the next batch.
    another = new_lead(db, state="BY", postal_code="80331")
    assert placed(route(db, [another]))[another] == network["state"]


def test_inactive_partners_and_those_without_the_agreement_get_nothing(seeded_db, network):
    db = seeded_db
    db.execute(update(Partner).where(Partner.id == network["postal"]).values(status="suspended"))
    p10 = cover(db, "p10.admin", "DE", prefix="803")  # has not accepted the agreement
    db.execute(update(Partner).where(Partner.id == p10).values(status="active"))
    db.flush()
    lead = new_lead(db, state="BY", postal_code="80331")
    got = placed(route(db, [lead]))[lead]
    assert got not in (network["postal"], p10) and got == network["state"]


def test_the_score_is_the_weighted_factors_and_the_offer_says_why_in_words(seeded_db,
                                                                          network):
    db = seeded_db
    only(db, territory=60, tier=20, fairness=20)
    lead = new_lead(db, postal_code="80331")
    report = route(db, [lead])
    [p] = report.placements
    parts = p.explanation["parts"]
    assert set(parts) == {"territory", "tier", "win_rate", "acceptance", "response",
                          "conversion", "certified", "fairness"}
    assert parts["territory"] == 60.0  # a postal match: the whole weight
    assert parts["fairness"] == 20.0  # no offer in 30 days
    assert p.score == pytest.approx(sum(parts.values()), abs=0.2)
    offer = db.scalar(select(LeadOffer).where(LeadOffer.lead_id == lead))
    assert offer.explanation["weights"]["territory"] == 60 and offer.score == p.score
    words = explain(offer.explanation, "Flores PLC")
    assert words[0].startswith(f"Flores PLC scored {p.score:.1f} of 100")
    assert any("Territory precision: 60.0 of 60.0 points (its territory matches by postal)"
               in w for w in words)
    assert any(w.startswith("Runner-up:") for w in words)
    [history] = offer_history(db, actor_for(db, "channel"), lead)
    assert history.why == tuple(words)


def test_a_tie_goes_to_the_partner_whose_last_offer_is_oldest(seeded_db):
    db = seeded_db
    clear_network(db)
    first = cover(db, "p02.admin", "DE")
    second = cover(db, "p03.admin", "DE")
    only(db, territory=100)
    # Equal scores: neither was ever offered a lead, so the lower id goes first ...
    a = new_lead(db)
    assert placed(route(db, [a]))[a] == min(first, second)
    # ... and then the other, whose last offer is older (never).
    b = new_lead(db)
    assert placed(route(db, [b]))[b] == max(first, second)
    c = new_lead(db)
    assert placed(route(db, [c]))[c] == min(first, second)


def test_the_fair_share_spreads_a_batch_among_comparable_partners(seeded_db):
    db = seeded_db
    clear_network(db)
    partners = [cover(db, f"p0{i}.admin", "DE") for i in (2, 3, 4, 5)]
    only(db, territory=50, fairness=50)
    leads = [new_lead(db) for _ in range(12)]
    got = placed(route(db, leads))
    assert sorted(list(got.values()).count(p) for p in partners) == [3, 3, 3, 3]


def test_a_dry_run_plans_and_writes_nothing(seeded_db, network):
    db = seeded_db
    lead = new_lead(db, postal_code="80331")
    offers = db.scalar(select(func.count()).select_from(LeadOffer))
    report = route(db, [lead], dry_run=True)
    assert report.dry_run and placed(report)[lead] == network["postal"]
    assert "would go" in report.message
    assert db.scalar(select(func.count()).select_from(LeadOffer)) == offers
    assert db.get(Lead, lead).status == LeadStatus.NEW.value


def test_routing_everything_takes_the_waiting_leads_and_tells_each_partner_once(seeded_db,
                                                                              network):
    db = seeded_db
    waiting = [new_lead(db, postal_code="80331"), new_lead(db, postal_code="80999")]
    returned = new_lead(db, postal_code="80331")
    db.execute(update(Lead).where(Lead.id == returned).values(status="returned"))
    report = route(db, None)
    assert {p.lead_id for p in report.routed} >= set(waiting)
    assert returned not in {p.lead_id for p in report.placements}
    lead = db.get(Lead, waiting[0])
    db.refresh(lead)
    assert (lead.status, lead.partner_id, lead.offers) == ("offered", network["postal"], 1)
    told = db.scalars(select(Notification.subject).join(User, User.id == Notification.user_id)
                      .where(User.username == "p01.rep1",
                             Notification.subject.like("%new lead%"))).all()
    assert told == ["2 new leads offered to you"]
    assert db.scalar(select(func.count()).select_from(AuditEvent)
                     .where(AuditEvent.action == "lead.route")) == 1


def test_a_channel_manager_assigns_by_hand_with_a_reason_and_the_offer_waiting_is_withdrawn(
        seeded_db, network):
    db = seeded_db
    lead = new_lead(db, postal_code="80331")
    route(db, [lead])
    channel = actor_for(db, "channel")
    with pytest.raises(RuleViolation, match="Say why"):
        assign_lead(db, channel, lead, network["france"], "  ")
    out = assign_lead(db, channel, lead, network["france"], "Their account manager asked",
                      now=NOW)
    assert (out.status, out.partner_id, out.offers) == ("offered", network["france"], 2)
    offers = offer_history(db, channel, lead)
    assert [o.status for o in offers] == ["withdrawn", "pending"]
    assert offers[1].by_hand and "Their account manager asked" in offers[1].why[0]
    assert db.scalar(select(AuditEvent.after).where(AuditEvent.action == "lead.assign")
                     )["reason"] == "Their account manager asked"


def test_hand_assignment_refuses_a_partner_that_may_not_get_leads(seeded_db, network):
    db = seeded_db
    lead = new_lead(db)
    channel = actor_for(db, "channel")
    p10 = partner_of(db, "p10.admin")
    with pytest.raises(RuleViolation, match="is onboarding: only an active partner"):
        assign_lead(db, channel, lead, p10, "Try")
    db.execute(update(Partner).where(Partner.id == p10).values(status="active"))
    with pytest.raises(RuleViolation, match="has not accepted the partner agreement"):
        assign_lead(db, channel, lead, p10, "Try")
    with pytest.raises(NotFound):
        assign_lead(db, channel, lead, 999_999, "Try")
    with pytest.raises(PermissionDenied):
        assign_lead(db, actor_for(db, "marketing"), lead, network["france"], "Try")


@pytest.mark.parametrize("username", ["finance", "exec", "analyst", "p01.admin", "p01.rep1"])
def test_only_marketing_and_the_channel_team_route(seeded_db, username):
    with pytest.raises(PermissionDenied):
        route_leads(seeded_db, actor_for(seeded_db, username), None, now=NOW)


@pytest.mark.parametrize("username", ROUTERS)
def test_marketing_and_the_channel_team_route(seeded_db, network, username):
    lead = new_lead(seeded_db, postal_code="80331")
    report = route_leads(seeded_db, actor_for(seeded_db, username), [lead], now=NOW)
    assert placed(report) == {lead: network["postal"]}
