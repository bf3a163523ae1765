"""The scale deal seed at a tiny size: rows as the services write them, so that the conflict
check finds them."""

import random
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.analytics import rebuild
from core.customers import company_domain, normalize_name, region_for
from core.customers.matching import name_form, name_key, retrieval_keys
from core.deals import conflicts
from core.deals.status import OPEN, DealStatus
from db.models import (
    AuditEvent,
    DealRegistration,
    DirectOpportunity,
    EndCustomer,
    EndCustomerKey,
    ProductLine,
    User,
)
from db.session import make_engine, unit_of_work
from seed.company_names import name_variant, split_suffix
from seed.scale import ScaleSizes, seed_scale
from tests.conftest import NOW

SIZES = ScaleSizes(partners=50, users=150, registrations=2_000, end_customers=600,
                   direct_opportunities=60)
OPEN_VALUES = {s.value for s in OPEN}


@pytest.fixture
def scale_db(db):
    seed_scale(db, SIZES, log=lambda _: None, now=NOW)
    db.commit()
    return db


def _count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_scale_deal_seed_writes_the_asked_sizes_as_the_services_would(scale_db):
    db = scale_db
    assert _count(db, DealRegistration) == SIZES.registrations
    assert _count(db, EndCustomer) == SIZES.end_customers
    assert _count(db, DirectOpportunity) == SIZES.direct_opportunities

    lines = set(db.scalars(select(ProductLine.id)))
    partner_of = dict(db.execute(select(User.id, User.partner_id)).all())
    for d in db.scalars(select(DealRegistration)):
        assert d.customer_name_form == name_form(name_key(d.customer_name))
        assert d.customer_key == normalize_name(d.customer_name)
        assert d.customer_domain == company_domain(d.customer_website, d.contact_email)
        assert d.region == region_for(d.customer_country)
        assert partner_of[d.registered_by_user_id] == partner_of[d.owner_user_id] == d.partner_id
        assert 1 <= len(d.product_line_ids) <= 2 and set(d.product_line_ids) <= lines
        assert d.estimated_value > 0
    for c in db.scalars(select(EndCustomer)):
        assert c.normalized_name == normalize_name(c.name)
        assert len(c.country) == 2
    externals = set()
    for o in db.scalars(select(DirectOpportunity)):
        assert o.account_name_form == name_form(name_key(o.account_name))
        assert o.customer_key == normalize_name(o.account_name)
        assert o.domain == company_domain(o.website)
        assert o.status in ("open", "won", "lost")
        externals.add(o.external_id)
    assert len(externals) == SIZES.direct_opportunities
    # One record per company: no two share a normalized name, or a domain, in a country.
    assert db.scalar(select(func.count()).select_from(
        select(EndCustomer.normalized_name, EndCustomer.country)
        .group_by(EndCustomer.normalized_name, EndCustomer.country)
        .having(func.count() > 1).subquery())) == 0
    assert db.scalar(select(func.count()).select_from(
        select(EndCustomer.domain).where(EndCustomer.domain.is_not(None))
        .group_by(EndCustomer.domain).having(func.count() > 1).subquery())) == 0


def test_every_name_a_customer_was_filed_under_is_in_the_key_index(scale_db):
    db = scale_db
    filed: dict[int, set[str]] = defaultdict(set)
    for cid, name in db.execute(select(EndCustomer.id, EndCustomer.name)):
        filed[cid].add(name)
    for cid, name in db.execute(select(DealRegistration.end_customer_id,
                                       DealRegistration.customer_name)):
        filed[cid].add(name)
    for cid, name in db.execute(select(DirectOpportunity.end_customer_id,
                                       DirectOpportunity.account_name)):
        filed[cid].add(name)
    stored: dict[int, set[str]] = defaultdict(set)
    for key, cid in db.execute(select(EndCustomerKey.key, EndCustomerKey.end_customer_id)):
        stored[cid].add(key)
    expected = {cid: set().union(*(retrieval_keys(name_key(n)) for n in names))
                for cid, names in filed.items()}
    assert stored == expected
    # Customers are typed otherwise now and then, and come back.
    variants = db.scalar(select(func.count()).select_from(DealRegistration)
                         .join(EndCustomer, EndCustomer.id == DealRegistration.end_customer_id)
                         .where(DealRegistration.customer_name != EndCustomer.name))
    assert 0.15 * SIZES.registrations < variants < 0.6 * SIZES.registrations
    per_customer = Counter(db.scalars(select(DealRegistration.end_customer_id)))
    assert max(per_customer.values()) >= 10
    partners = defaultdict(set)
    for cid, pid in db.execute(select(DealRegistration.end_customer_id,
                                      DealRegistration.partner_id)):
        partners[cid].add(pid)
    assert sum(1 for p in partners.values() if len(p) >= 3) >= 20


def test_statuses_are_spread_and_their_timelines_hold(scale_db):
    db = scale_db
    statuses = Counter(db.scalars(select(DealRegistration.status)))
    assert set(statuses) == {s.value for s in DealStatus}
    share = {s: n / SIZES.registrations for s, n in statuses.items()}
    assert 0.18 < share["won"] < 0.32 and 0.12 < share["approved"] < 0.28
    assert 0.1 < share["expired"] < 0.25 and share["merged"] < 0.03
    verdicts = Counter(db.scalars(select(DealRegistration.match_verdict)))
    assert verdicts["clear"] > 0.6 * SIZES.registrations
    assert verdicts["conflict"] > 0 and verdicts["possible"] > 0
    now, today = NOW, NOW.date()
    ids = {}
    for d in db.scalars(select(DealRegistration).order_by(DealRegistration.id)):
        ids[d.id] = d
        assert d.created_at == d.submitted_at <= d.updated_at <= now
        if d.decided_at is not None:
            assert d.submitted_at <= d.decided_at <= now
        if d.status == "approved":
            assert d.protection_ends_at > now and d.protection_days >= 60
            assert d.decided_at is not None
        if d.status == "expired":
            assert d.protection_ends_at <= now
        if d.status == "won":
            assert d.final_amount > 0 and d.submitted_at.date() <= d.closed_on <= today
        else:
            assert d.final_amount is None
        if d.status == "lost":
            assert d.closed_on <= today and d.lost_reason
        if d.status == "rejected":
            assert d.rejection_reason and d.decided_at is not None
        if d.status == "merged":
            target = ids[d.merged_into_id]  # an earlier registration of the same customer
            assert target.end_customer_id == d.end_customer_id
            assert target.submitted_at <= d.submitted_at
        else:
            assert d.merged_into_id is None
        if d.match_verdict == "clear":
            assert d.match_score == 0
        else:
            assert d.match_score >= 75
        assert d.expected_close_date > d.submitted_at.date()


def test_the_conflict_check_finds_a_customers_registrations_by_another_spelling(scale_db):
    db = scale_db
    rng = random.Random(5)
    open_regs = defaultdict(list)
    for d in db.scalars(select(DealRegistration)
                        .where(DealRegistration.status.in_(OPEN_VALUES))
                        .order_by(DealRegistration.id)):
        open_regs[d.end_customer_id].append(d.id)
    customers = [db.get(EndCustomer, cid) for cid in sorted(open_regs)[:40]]
    checked = 0
    for c in customers:
        filed = {c.name, *db.scalars(select(DealRegistration.customer_name)
                                     .where(DealRegistration.end_customer_id == c.id))}
        name = name_variant(c.name, rng, country=c.country,
                            kinds=("upper", "lower", "suffix_drop", "suffix_form"))
        if name in filed:
            continue
        claim = conflicts.claim_for(name=name, domain=None, country=c.country,
                                    product_line_ids=[], starts=NOW.date(),
                                    ends=NOW.date() + timedelta(days=90))
        found = conflicts.check(db, claim)
        ids = {f.registration.id for f in found if f.registration is not None}
        assert set(open_regs[c.id]) <= ids, (name, c.name)
        checked += 1
    assert checked >= 20


def test_the_scale_deal_seed_is_deterministic(sqlite_factory):
    sizes = ScaleSizes(partners=12, users=30, registrations=300, end_customers=100,
                       direct_opportunities=10)
    seen = []
    for _ in range(2):
        url = sqlite_factory.create()
        engine = make_engine(url)
        with unit_of_work(engine) as db:
            seed_scale(db, sizes, log=lambda _: None, now=NOW)
            seen.append(db.execute(select(
                DealRegistration.customer_name, DealRegistration.status,
                DealRegistration.submitted_at, DealRegistration.estimated_value,
                DealRegistration.end_customer_id, DealRegistration.partner_id)
                .order_by(DealRegistration.id)).all())
        engine.dispose()
        sqlite_factory.drop(url)
    assert seen[0] == seen[1]


def test_name_variants_keep_the_company_recognizable():
    assert split_suffix("Acme Widgets, Inc.") == ("Acme Widgets", ", ", "Inc.")
    assert split_suffix("Müller Logistik GmbH & Co. KG") == ("Müller Logistik", " ",
                                                              "GmbH & Co. KG")
    assert split_suffix("Riverside Dental") == ("Riverside Dental", "", "")
    rng = random.Random(1)
    name = "Northwind International Trading Corporation"
    kinds = {}
    for kind in ("upper", "suffix_drop", "abbreviate", "typo", "generic_add"):
        kinds[kind] = name_variant(name, rng, kinds=(kind,))
    assert kinds["upper"] == name.upper()
    assert kinds["suffix_drop"] == "Northwind International Trading"
    assert kinds["abbreviate"] in {name.replace("International", a) for a in
                                   ("Intl", "Intl.", "Int'l")} | {
        name.replace("Corporation", a) for a in ("Corp", "Corp.")}
    assert kinds["typo"] != name and len(kinds["typo"]) in (len(name) - 1, len(name),
                                                            len(name) + 1)
    assert all(v != name for v in kinds.values())
    assert name_variant("Acme & Sons Ltd", rng, kinds=("amp",)) == "Acme and Sons Ltd"


def test_scale_partner_users_sign_in_over_the_last_year_so_scorecards_have_active_users(
        scale_db):
    db = scale_db
    partner_of = dict(db.execute(select(User.id, User.partner_id)).all())
    sign_ins = db.execute(select(AuditEvent.actor_user_id, AuditEvent.partner_id,
                                 AuditEvent.at).where(AuditEvent.action == "auth.login")).all()
    assert len(sign_ins) > SIZES.users  # about four each
    assert all(partner_of[u] == p and NOW - timedelta(days=366) < at <= NOW
               for u, p, at in sign_ins)
    report = rebuild(db)
    assert report.user_months == len({(p, at.year, at.month, u) for u, p, at in sign_ins})


def test_scale_training_gives_every_partner_user_progress_and_certifies_track_completers(
        scale_db):
    from db.models import Certification, CertificationTrack, CourseCompletion

    db = scale_db
    users = db.scalar(select(func.count()).select_from(User).where(User.partner_id.is_not(None)))
    completions = db.execute(select(CourseCompletion.user_id, CourseCompletion.family)).all()
    done: dict[int, set[str]] = defaultdict(set)
    for user_id, family in completions:
        done[user_id].add(family)
    assert len(done) > users * 0.9 and len(completions) > users * 30 * 0.5
    tracks = db.execute(select(CertificationTrack.id, CertificationTrack.course_families)).all()
    expected = {(u, t) for u, families in done.items() for t, needed in tracks
                if set(needed) <= families}
    held = set(db.execute(select(Certification.user_id, Certification.track_id)).tuples())
    assert held == expected and held


def test_scale_funds_write_the_ledger_as_the_services_would(scale_db):
    """Every request's entries hold the ledger's invariants, balances read as the services
    read them, and every status is there."""
    from decimal import Decimal

    from core.actor import Actor
    from core.funds import check, list_allocations, list_requests
    from seed.scale_funds import seed_scale_funds

    db = scale_db
    counts = seed_scale_funds(db, 600, now=NOW)
    assert counts["requests"] == 600 and counts["claims"] > 200
    assert check(db).ok, check(db).problems[:5]
    finance = Actor.system("test")
    found, total = list_requests(db, finance, limit=600)
    assert total == 600
    assert {r.status for r in found} == {"submitted", "info_requested", "approved", "rejected",
                                         "withdrawn", "lapsed", "claimed"}
    assert {r.claim.status for r in found if r.claim} == {
        "submitted", "proof_requested", "approved", "rejected", "paid"}
    assert all(a.balance.available >= 0 for a in list_allocations(db, finance))
    # New rows go on from there (PostgreSQL's id sequences moved past the seed's ids).
    from db.models import FundClaim, FundRequest

    request = db.get(FundRequest, found[0].id)
    more = FundRequest(**{c.name: getattr(request, c.name) for c in FundRequest.__table__.columns
                          if c.name != "id"})
    db.add(more)
    db.flush()
    db.add(FundClaim(request_id=more.id, program_id=more.program_id,
                     partner_id=more.partner_id, actual_spend=Decimal("2"),
                     claimed_amount=Decimal("1")))
    db.flush()
    assert more.id > max(r.id for r in found)
