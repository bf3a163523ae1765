"""Partners answer their offers (issue #17): what a partner sees before and after accepting,
scoping on every read, rejection and lapse passing the lead on (with an injected clock), return
to the vendor queue after the set number of offers, conversion into a deal, disqualification,
hand-over, erasure, two answers at once, the scorecard facts and the Home queues."""

import threading
from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.analytics.facts import rebuild_partners
from core.errors import NotFound, PermissionDenied, RuleViolation
from core.home import waiting
from core.leads import (
    accept_lead,
    assign_lead,
    convert_lead,
    disqualify_lead,
    erase_contact,
    get_lead,
    hand_over,
    lead_stats,
    list_leads,
    offer_history,
    recycle_lapsed,
    reject_lead,
    route_leads,
    set_routing,
)
from core.leads.desk import set_lead_capacity
from db.models import (
    DealRegistration,
    Lead,
    LeadOffer,
    Notification,
    PartnerMonthFact,
    ProductLine,
    User,
)
from db.session import unit_of_work
from tests.conftest import NOW, actor_for
from tests.leads.helpers import german_network, new_lead, partner_of

LATER = NOW + timedelta(hours=2)


@pytest.fixture
def offered(seeded_db):
    """A lead in Munich offered to p01 (its postal prefix), with the contact's details."""
    db = seeded_db
    german_network(db)
    lead = new_lead(db, first_name="Greta", last_name="Huber", phone="+49 89 1234567",
                    title="CIO", email="greta.huber@brauhaus.example", company="Brauhaus AG",
                    state="BY", postal_code="80331", notes="Call after 10")
    route_leads(db, actor_for(db, "marketing"), [lead], now=NOW)
    return lead


def test_a_partner_sees_the_offer_without_the_contact_until_it_accepts(seeded_db, offered):
    db = seeded_db
    rep = actor_for(db, "p01.rep1")
    before = get_lead(db, rep, offered)
    assert (before.company, before.state, before.contact_shown) == ("Brauhaus AG", "BY", False)
    assert (before.first_name, before.last_name, before.email, before.phone, before.title,
            before.notes) == (None,) * 6
    [listed] = list_leads(db, rep, statuses=["offered"]).leads
    assert listed.email is None and listed.deadline_at == NOW + timedelta(hours=48)
    after = accept_lead(db, rep, offered, now=LATER)
    assert (after.status, after.contact_name, after.email, after.phone, after.owner_user_id) == (
        "accepted", "Greta Huber", "greta.huber@brauhaus.example", "+49 89 1234567",
        rep.user_id)


def test_another_partner_never_sees_the_lead_on_any_read(seeded_db, offered):
    db = seeded_db
    for username in ("p02.admin", "p02.rep1"):
        other = actor_for(db, username)
        with pytest.raises(NotFound):
            get_lead(db, other, offered)
        with pytest.raises(NotFound):
            offer_history(db, other, offered)
        assert offered not in {x.id for x in list_leads(db, other).leads}
        with pytest.raises(NotFound):
            accept_lead(db, other, offered, now=LATER)
    # The partner's own history holds its own offers and no scores or runners-up.
    [own] = offer_history(db, actor_for(db, "p01.admin"), offered)
    assert own.score is None and own.why == ()


def test_a_rep_sees_the_accepted_leads_it_owns_and_its_admin_all_of_them(seeded_db, offered):
    db = seeded_db
    accept_lead(db, actor_for(db, "p01.rep1"), offered, now=LATER)
    assert offered in {x.id for x in list_leads(db, actor_for(db, "p01.admin")).leads}
    with pytest.raises(NotFound):
        get_lead(db, actor_for(db, "p01.rep2"), offered)
    admin = actor_for(db, "p01.admin")
    rep2 = db.scalar(select(User.id).where(User.username == "p01.rep2"))
    out = hand_over(db, admin, offered, rep2, now=LATER)
    assert out.owner_user_id == rep2
    assert get_lead(db, actor_for(db, "p01.rep2"), offered).email is not None
    assert db.scalar(select(Notification.subject).where(Notification.user_id == rep2)
                     .order_by(Notification.id.desc()).limit(1)) == "A lead for you: Brauhaus AG"
    with pytest.raises(PermissionDenied):
        hand_over(db, actor_for(db, "p01.rep2"), offered, rep2)
    with pytest.raises(NotFound):  # another partner's user is no teammate
        hand_over(db, admin, offered, db.scalar(select(User.id).where(
            User.username == "p02.rep1")))


def test_an_offer_past_its_deadline_cannot_be_accepted(seeded_db, offered):
    db = seeded_db
    with pytest.raises(RuleViolation, match="lapsed at .* UTC"):
        accept_lead(db, actor_for(db, "p01.rep1"), offered, now=NOW + timedelta(hours=49))


def test_a_rejection_needs_a_reason_and_passes_the_lead_to_the_next_partner(seeded_db, offered):
    db = seeded_db
    rep = actor_for(db, "p01.rep1")
    with pytest.raises(RuleViolation, match="Choose why"):
        reject_lead(db, rep, offered, "because", now=LATER)
    with pytest.raises(RuleViolation, match="Say why"):
        reject_lead(db, rep, offered, "other", "", now=LATER)
    reject_lead(db, rep, offered, "capacity", now=LATER)
    lead = db.get(Lead, offered)
    db.refresh(lead)
    assert (lead.status, lead.partner_id, lead.offers) == (
        "offered", partner_of(db, "p02.admin"), 2)
    history = offer_history(db, actor_for(db, "channel"), offered)
    assert [(o.partner, o.status, o.reason) for o in history][0][1:] == (
        "rejected", "No capacity")
    with pytest.raises(NotFound):  # gone from the partner that passed on it
        get_lead(db, rep, offered)


def test_lapsed_offers_go_to_the_next_partner_and_both_are_told(seeded_db, offered):
    db = seeded_db
    assert recycle_lapsed(db, now=NOW + timedelta(hours=47)).lapsed == 0  # not yet
    report = recycle_lapsed(db, now=NOW + timedelta(hours=48, minutes=1))
    assert (report.lapsed, report.offered_again, report.returned) == (1, 1, 0)
    lead = db.get(Lead, offered)
    db.refresh(lead)
    assert lead.partner_id == partner_of(db, "p02.admin")
    subjects = dict(db.execute(select(User.username, Notification.subject)
                               .join(User, User.id == Notification.user_id)
                               .where(User.username.in_(["p01.rep1", "p02.rep1"]),
                                      Notification.subject.like("%ead%"))
                               .order_by(Notification.id)).tuples().all())
    assert subjects == {"p01.rep1": "Lead passed on: Brauhaus AG",
                        "p02.rep1": "1 new lead offered to you"}
    # Run twice (two runners): nothing lapses twice.
    assert recycle_lapsed(db, now=NOW + timedelta(hours=48, minutes=2)).lapsed == 0


def test_after_the_set_number_of_offers_the_lead_returns_with_its_history(seeded_db, offered):
    db = seeded_db
    set_routing(db, actor_for(db, "admin"), {}, {"max_offers": 2})
    recycle_lapsed(db, now=NOW + timedelta(hours=49))  # p01 lapses: to p02, its 2nd offer
    recycle_lapsed(db, now=NOW + timedelta(hours=98))  # p02 lapses: offered twice, back
    lead = db.get(Lead, offered)
    db.refresh(lead)
    assert (lead.status, lead.partner_id, lead.offers) == ("returned", None, 2)
    assert "offered 2 times" in lead.outcome_reason
    assert [o.status for o in offer_history(db, actor_for(db, "marketing"), offered)] == [
        "lapsed", "lapsed"]
    assert db.scalar(select(func.count()).select_from(Notification).join(
        User, User.id == Notification.user_id).where(
        User.username == "marketing", Notification.subject.like("Lead returned%"))) == 1


def test_an_accepted_lead_converts_into_a_deal_registration_filled_from_it(seeded_db, offered):
    db = seeded_db
    rep = actor_for(db, "p01.rep1")
    accept_lead(db, rep, offered, now=LATER)
    deal = {"estimated_value": "25000", "stage": "qualification",
            "expected_close_date": (NOW + timedelta(days=60)).date()}
    with pytest.raises(ValidationError, match="product line"):  # the lead names none
        convert_lead(db, rep, offered, deal, now=LATER)
    assert db.get(Lead, offered).status == "accepted"
    line = db.scalar(select(ProductLine.id).where(ProductLine.active).limit(1))
    out = convert_lead(db, rep, offered, {**deal, "product_line_ids": [line]}, now=LATER)
    deal = db.get(DealRegistration, out.deal_id)
    assert (out.status, deal.customer_name, deal.contact_email, deal.customer_country,
            deal.partner_id) == ("converted", "Brauhaus AG", "greta.huber@brauhaus.example",
                                 "DE", rep.partner_id)
    assert f"From lead #{offered}" in deal.description


def test_disqualifying_needs_a_reason_and_only_the_holder_may(seeded_db, offered):
    db = seeded_db
    rep = actor_for(db, "p01.rep1")
    with pytest.raises(RuleViolation, match="accepted"):
        disqualify_lead(db, rep, offered, "no_need", now=LATER)
    accept_lead(db, rep, offered, now=LATER)
    with pytest.raises(RuleViolation, match="Say why"):
        disqualify_lead(db, rep, offered, "other", now=LATER)
    out = disqualify_lead(db, rep, offered, "competitor", now=LATER)
    assert (out.status, out.outcome_reason) == ("disqualified", "Bought from a competitor")


def test_the_answers_join_the_scorecard_facts_as_a_rebuild_would_count_them(seeded_db,
                                                                          offered):
    db = seeded_db
    accept_lead(db, actor_for(db, "p01.rep1"), offered, now=LATER)
    p01 = partner_of(db, "p01.admin")
    month = NOW.date().replace(day=1)
    kept = db.execute(select(PartnerMonthFact.lead_offers, PartnerMonthFact.lead_accepted,
                             PartnerMonthFact.lead_ended, PartnerMonthFact.lead_answer_minutes)
                      .where(PartnerMonthFact.partner_id == p01,
                             PartnerMonthFact.month == month)).one()
    assert kept[1:] == (1, 1, 120) and kept[0] >= 1
    rebuild_partners(db, [p01])
    assert db.execute(select(PartnerMonthFact.lead_offers, PartnerMonthFact.lead_accepted,
                             PartnerMonthFact.lead_ended, PartnerMonthFact.lead_answer_minutes)
                      .where(PartnerMonthFact.partner_id == p01,
                             PartnerMonthFact.month == month)).one() == kept
    [stats] = lead_stats(db, actor_for(db, "channel"), partner_id=p01, now=LATER)
    assert (stats.accepted, stats.median_response_hours) == (1, 2.0)


def test_erasing_a_contact_keeps_the_company_and_outcome(seeded_db, offered):
    db = seeded_db
    accept_lead(db, actor_for(db, "p01.rep1"), offered, now=LATER)
    with pytest.raises(PermissionDenied):
        erase_contact(db, actor_for(db, "channel"), offered)
    out = erase_contact(db, actor_for(db, "marketing"), offered, now=LATER)
    assert (out.company, out.status, out.email, out.phone, out.erased) == (
        "Brauhaus AG", "accepted", None, None, True)
    row = db.get(Lead, offered)
    assert (row.email_key, row.person_key, row.last_name) == (None, None, "")
    with pytest.raises(RuleViolation, match="erased already"):
        erase_contact(db, actor_for(db, "admin"), offered)


def test_home_shows_partners_their_offers_and_marketing_its_queue(seeded_db, offered):
    db = seeded_db
    labels = {w.label: w for w in waiting(db, actor_for(db, "p01.rep1"), now=LATER)}
    offer = labels["Leads offered, waiting for your answer"]
    assert offer.count >= 1 and offer.route == "leads_inbox" and "answer the first" in \
        offer.detail
    new_lead(db, company="Still Waiting GmbH")
    queue = {w.label: w for w in waiting(db, actor_for(db, "marketing"), now=LATER)}
    assert queue["Leads waiting to be routed"].count >= 1


def test_a_partner_admin_sets_its_own_capacity_and_nobody_else_s(seeded_db):
    db = seeded_db
    admin = actor_for(db, "p01.admin")
    assert set_lead_capacity(db, admin, admin.partner_id, 3).effective == 3
    with pytest.raises(NotFound):
        set_lead_capacity(db, admin, partner_of(db, "p02.admin"), 3)
    with pytest.raises(RuleViolation, match="whole number"):
        set_lead_capacity(db, admin, admin.partner_id, -1)
    assert set_lead_capacity(db, admin, admin.partner_id, None).own is None


def _offered_committed(engine) -> tuple[int, int]:
    with Session(engine) as db:
        german_network(db)
        lead = new_lead(db, state="BY", postal_code="80331")
        route_leads(db, actor_for(db, "marketing"), [lead], now=NOW)
        db.commit()
        return lead, partner_of(db, "p02.admin")


def _at_once(*calls) -> tuple[list, list]:
    start = threading.Barrier(len(calls))
    done, refused = [], []

    def run(call):
        start.wait(timeout=30)
        try:
            done.append(call())
        except (RuleViolation, NotFound) as exc:
            refused.append(str(exc))

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return done, refused


def test_two_accepts_at_once_one_wins(seeded):
    lead, _ = _offered_committed(seeded)

    def accept(username):
        def call():
            with unit_of_work(seeded, immediate=True) as db:
                return accept_lead(db, actor_for(db, username), lead, now=LATER).owner_user_id
        return call

    done, refused = _at_once(accept("p01.rep1"), accept("p01.admin"))
    assert len(done) == 1 and len(refused) == 1, (done, refused)
    assert "no longer offered" in refused[0]
    with Session(seeded) as db:
        assert db.scalar(select(func.count()).select_from(LeadOffer).where(
            LeadOffer.lead_id == lead, LeadOffer.status == "accepted")) == 1


def test_an_accept_racing_a_hand_move_to_another_partner_one_wins(seeded):
    lead, p02 = _offered_committed(seeded)

    def accept():
        with unit_of_work(seeded, immediate=True) as db:
            return accept_lead(db, actor_for(db, "p01.rep1"), lead, now=LATER).status

    def move():
        with unit_of_work(seeded, immediate=True) as db:
            return assign_lead(db, actor_for(db, "channel"), lead, p02, "Their account",
                               now=LATER).status

    done, refused = _at_once(accept, move)
    assert len(done) == 1 and len(refused) == 1, (done, refused)
    with Session(seeded) as db:
        row = db.get(Lead, lead)
        pending = db.scalar(select(func.count()).select_from(LeadOffer).where(
            LeadOffer.lead_id == lead, LeadOffer.status.in_(["pending", "accepted"])))
    assert pending == 1
    assert (row.status, row.partner_id) in {("accepted", partner_of_engine(seeded, "p01")),
                                            ("offered", p02)}


def partner_of_engine(engine, stem: str) -> int:
    with Session(engine) as db:
        return partner_of(db, f"{stem}.admin")


def test_two_partners_accepting_the_same_lead_at_once_one_wins(seeded):
    """The lead was offered to p01, then moved by hand to p02; both press Accept at the same
    moment: p02's offer is the lead's, p01's is not, whoever comes first."""
    lead, p02 = _offered_committed(seeded)
    with Session(seeded) as db:
        assign_lead(db, actor_for(db, "channel"), lead, p02, "Their account", now=NOW)
        db.commit()

    def accept(username):
        def call():
            with unit_of_work(seeded, immediate=True) as db:
                return accept_lead(db, actor_for(db, username), lead, now=LATER).partner_id
        return call

    done, refused = _at_once(accept("p01.rep1"), accept("p02.rep1"))
    assert done == [p02] and len(refused) == 1 and "no longer offered" in refused[0]
    with Session(seeded) as db:
        row = db.get(Lead, lead)
        assert (row.status, row.partner_id) == ("accepted", p02)
        assert db.scalar(select(func.count()).select_from(LeadOffer).where(
            LeadOffer.lead_id == lead, LeadOffer.status == "accepted")) == 1
