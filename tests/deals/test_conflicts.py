"""Conflict matching wired into deal registration: every signal of a pair in words, candidate
retrieval through the key index, verdicts that route registrations, end-customer merges and
re-filing (audited, matched again), and a partner's own duplicates."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.audit import AuditFilter, list_events
from core.customers.matching import Claim, match_claims, name_key, retrieval_keys
from core.deals import (
    DealStatus,
    conflicts,
    desk_detail,
    get_deal,
    import_direct_opportunities,
    merge_deal,
    merge_end_customers,
    reassign_end_customer,
)
from core.errors import NotFound, PermissionDenied, RuleViolation
from db.models import DealRegistration, EndCustomer, EndCustomerKey
from tests.conftest import NOW, actor_for
from tests.deals.test_deals import register

S = DealStatus
DAY = date(2026, 11, 1)


def claim(name="Acme Widgets", *, domain=None, country="US", record=None, lines=(1,),
          starts=DAY, ends=DAY + timedelta(days=90)) -> Claim:
    return conflicts.claim_for(name=name, domain=domain, country=country, product_line_ids=lines,
                               starts=starts, ends=ends, end_customer_id=record)


def no_domain(**over) -> dict:
    """A registration with nothing but the name to go on: no website, free-mail contact."""
    return dict(website="", contact_email="buyer@gmail.com") | over


# ---------------------------------------------------------------- one pair, every signal


def test_same_domain_is_a_conflict_whatever_the_names():
    m = match_claims(claim("Acme Widgets", domain="acme.com"),
                     claim("Roadrunner Supply", domain="acme.com"))
    assert (m.verdict, m.score) == ("conflict", 100)
    assert m.reasons[0] == "same domain acme.com"


def test_same_record_is_a_conflict_once_the_desk_filed_them_together():
    m = match_claims(claim("Acme Widgets", record=7), claim("Roadrunner Supply", record=7))
    assert m.verdict == "conflict" and "filed under the same end-customer record" in m.reasons


def test_suffix_and_case_variants_are_a_conflict_with_the_reason():
    m = match_claims(claim("Acme Widgets"), claim("ACME Widgets, LLC"))
    assert (m.verdict, m.score) == ("conflict", 100)
    assert m.reasons == ("same name once legal suffixes are removed", "same country US",
                         "same product line #1", "time windows overlap")


def test_another_country_makes_a_name_match_only_possible():
    m = match_claims(claim("Acme Widgets", country="DE"), claim("Acme Widgets", country="FR"))
    assert (m.verdict, m.score) == ("possible", 85)
    assert "different countries DE / FR, same region EMEA" in m.reasons


def test_in_another_region_only_the_same_name_stays_possible():
    m = match_claims(claim("Acme Widgets"), claim("Acme Widgets", country="FR"))
    assert (m.verdict, m.score) == ("possible", 80)
    assert "different countries US / FR, in other regions" in m.reasons  # NA vs EMEA
    near = match_claims(claim("Acme Widget Works"), claim("Acme Widgets", country="FR"))
    assert near.verdict == "clear"
    same_domain = match_claims(claim("Acme Widgets", domain="acme.com"),
                               claim("Acme Widgets", country="FR", domain="acme.com"))
    assert (same_domain.verdict, same_domain.score) == ("conflict", 100)


def test_no_product_line_in_common_takes_points_off():
    m = match_claims(claim("Acme Widgets", lines=(1,)), claim("Acme Widgets", lines=(2,)))
    assert (m.verdict, m.score) == ("conflict", 90)
    assert "no product line in common" in m.reasons
    named = match_claims(claim(lines=(1, 2)), claim(lines=(2,)), product_names={2: "Analytics"})
    assert "same product line Analytics" in named.reasons


def test_time_windows_that_do_not_overlap_take_points_off():
    later = claim(starts=DAY + timedelta(days=200), ends=DAY + timedelta(days=300))
    m = match_claims(claim(), later)
    assert (m.verdict, m.score) == ("possible", 85)
    assert "time windows do not overlap" in m.reasons


def test_look_alikes_stay_clear_and_initials_are_possible():
    assert match_claims(claim("General Electric"), claim("General Motors")).verdict == "clear"
    assert match_claims(claim("Contoso Ltd"),
                        claim("Contoso Pharmaceuticals")).verdict != "conflict"
    ibm = match_claims(claim("IBM"), claim("International Business Machines Corp"))
    assert ibm.verdict == "possible" and "same initials (IBM)" in ibm.reasons


def test_variants_share_a_retrieval_key_and_look_alikes_share_only_words():
    assert retrieval_keys(name_key("ACME Widgets, LLC")) & retrieval_keys(name_key("acme widgets"))
    assert "n:acmewidgets" in retrieval_keys(name_key("Acme Widgets Inc."))
    assert "a:ibm" in retrieval_keys(name_key("International Business Machines"))
    assert "a:ibm" in retrieval_keys(name_key("IBM"))
    assert "n:muellerlogistik" in retrieval_keys(name_key("Müller Logistik GmbH"))
    assert "n:mullerlogistik" in retrieval_keys(name_key("Muller Logistik"))


# ---------------------------------------------------------------- routing registrations


def test_a_name_variant_without_a_shared_domain_goes_to_the_desk_with_reasons(seeded_db):
    first = register(seeded_db, "p01.rep1", company="ACME Widgets, LLC", **no_domain())
    second = register(seeded_db, "p02.rep1", company="Acme Widgets", now=NOW + timedelta(hours=1),
                      **no_domain(contact_email="ops@yahoo.com"))
    assert first.status == S.SUBMITTED and second.status == S.UNDER_REVIEW
    detail = desk_detail(seeded_db, actor_for(seeded_db, "channel"), second.id, now=NOW)
    assert (detail.match_verdict, detail.match_score) == ("conflict", 100)
    [m] = detail.matches
    assert (m.id, m.verdict, m.customer_name) == (first.id, "conflict", "ACME Widgets, LLC")
    assert m.reasons[:2] == ("same name once legal suffixes are removed", "same country US")
    # The partner learns it is under review, and nothing about the other claim.
    seen = get_deal(seeded_db, actor_for(seeded_db, "p02.rep1"), second.id)
    assert "ACME Widgets, LLC" not in " ".join(e.text for e in seen.timeline)


def test_a_typo_is_a_possible_conflict_and_not_auto_approved(seeded_db):
    register(seeded_db, "p01.rep1", company="Stark Industries", **no_domain())
    typo = register(seeded_db, "p27.rep1", company="Stark Indstries",  # Gold: auto-approves
                    now=NOW + timedelta(hours=1), **no_domain())
    assert typo.status == S.UNDER_REVIEW
    row = seeded_db.get(DealRegistration, typo.id)
    assert row.match_verdict in ("possible", "conflict")


def test_a_look_alike_company_is_clear_and_a_gold_partner_is_approved_at_once(seeded_db):
    register(seeded_db, "p01.rep1", company="General Electric", **no_domain())
    other = register(seeded_db, "p27.rep1", company="General Motors", **no_domain())
    assert other.status == S.APPROVED
    assert seeded_db.get(DealRegistration, other.id).match_verdict == "clear"


def test_a_direct_opportunity_under_a_name_variant_sends_the_registration_to_the_desk(seeded_db):
    deal = register(seeded_db, "p01.rep1", company="Fabrikam, Inc.", **no_domain())
    csv = (b"External ID,Account Name,Website,Country,Opportunity Name,Amount,Close Date\n"
           b"CRM-9,FABRIKAM INC,,US,Fabrikam expansion,90000,2027-02-28\n")
    report = import_direct_opportunities(seeded_db, actor_for(seeded_db, "channel"), csv, now=NOW)
    seeded_db.commit()
    assert report.sent_to_desk == (deal.id,)
    row = seeded_db.get(DealRegistration, deal.id)
    assert (row.status, row.match_verdict) == (S.UNDER_REVIEW, "conflict")


def test_words_shared_by_many_customers_are_not_used_to_find_candidates(seeded_db):
    for i in range(conflicts.COMMON_KEY_LIMIT + 1):
        seeded_db.add(EndCustomerKey(key="t:harbor", end_customer_id=_customer(seeded_db, i)))
    seeded_db.flush()
    only_word = conflicts.candidate_customers(seeded_db, claim("Harbor Quillon"))
    assert only_word == []
    target = _customer(seeded_db, 999, keys={"n:harborquillon"})
    assert conflicts.candidate_customers(seeded_db, claim("Harbor Quillon")) == [target]


def test_a_typo_finds_the_record_even_when_its_words_are_common(seeded_db):
    for i in range(conflicts.COMMON_KEY_LIMIT + 1):
        _customer(seeded_db, i, keys={"t:parkside", "t:logistic"})
    deal = register(seeded_db, "p01.rep1", company="Parkside Logistics", **no_domain())
    record = seeded_db.get(DealRegistration, deal.id).end_customer_id
    for typo in ("Parkside Lgistics", "Parksyde Logistics", "Parkside Logisticss"):
        assert conflicts.candidate_customers(seeded_db, claim(typo)) == [record], typo


def test_among_many_sharing_a_word_the_closest_names_are_scored(seeded_db):
    """Thirty Kalmar Plåt companies share both words: the one whose name reads closest is
    among the few scored, the rest are not."""
    for i in range(30):
        _customer(seeded_db, i, keys={"t:kalmar", "t:plat"}, name=f"Kalmar Plat och Bygg {i}")
    deal = register(seeded_db, "p01.rep1", company="Kalmar Plåt AB", **no_domain())
    record = seeded_db.get(DealRegistration, deal.id).end_customer_id
    found = conflicts.candidate_customers(seeded_db, claim("Kalmar Plåt Aktiebolag"))
    assert record in found
    assert len(found) <= conflicts.CROWDED


def test_a_typo_in_the_rare_word_is_found_through_two_common_keys(seeded_db):
    """'Ottawa Reataurants': the typo is in the word only the record has; its first word
    and its initials are each shared by too many companies, but by one together."""
    for i in range(conflicts.COMMON_KEY_LIMIT + 1):
        _customer(seeded_db, i, keys={"t:ottawa"}, name=f"Ottawa Trading {i}")
        _customer(seeded_db, 100 + i, keys={"a:or", "t:restaurant"},
                  name=f"Oakridge Restaurants {i}")
    deal = register(seeded_db, "p01.rep1", company="Ottawa Restaurants", **no_domain())
    record = seeded_db.get(DealRegistration, deal.id).end_customer_id
    assert conflicts.candidate_customers(seeded_db, claim("Ottawa Reataurants")) == [record]
    matches = conflicts.check(seeded_db, claim("Ottawa Reataurants"))
    assert [m.registration.id for m in matches] == [deal.id]
    assert "same words apart from a one-letter typo" in "; ".join(matches[0].match.reasons)


def _customer(db, i: int, keys: set[str] = frozenset(), name: str | None = None) -> int:
    name = name or f"Harbor {i}"
    c = EndCustomer(name=name, normalized_name=name.lower(), country="US")
    db.add(c)
    db.flush()
    db.add_all(EndCustomerKey(key=k, end_customer_id=c.id) for k in keys)
    db.flush()
    return c.id


# ---------------------------------------------------------------- merges and re-filing


def test_merging_two_records_moves_the_claims_audits_and_matches_again(seeded_db):
    """Two partners registered one company under names too different to match (a trading
    name and the legal name); the desk knows they are one company and merges the records."""
    first = register(seeded_db, "p01.rep1", company="Blue Yonder Airlines", **no_domain())
    second = register(seeded_db, "p02.rep1", company="Margie's Travel",
                      now=NOW + timedelta(hours=1), **no_domain())
    assert second.status == S.SUBMITTED  # nothing in common yet
    a, b = (seeded_db.get(DealRegistration, d.id).end_customer_id for d in (first, second))
    desk = actor_for(seeded_db, "channel")

    result = merge_end_customers(seeded_db, desk, a, b, now=NOW)
    seeded_db.commit()
    assert (result.registrations_moved, result.rechecked) == (1, 2)
    moved = seeded_db.get(DealRegistration, second.id)
    assert moved.end_customer_id == a and seeded_db.get(EndCustomer, b).merged_into_id == a
    assert (moved.status, moved.match_verdict) == (S.UNDER_REVIEW, "conflict")
    assert seeded_db.scalar(select(func.count()).select_from(EndCustomerKey)
                            .where(EndCustomerKey.end_customer_id == b)) == 0
    assert conflicts.candidate_customers(seeded_db, claim("Margies Travel")) == [a]
    detail = desk_detail(seeded_db, desk, second.id, now=NOW)
    assert "filed under the same end-customer record" in detail.matches[0].reasons
    admin = actor_for(seeded_db, "admin")
    events, _ = list_events(seeded_db, admin, AuditFilter(action="end_customer.merge"))
    assert [(e.entity_id, e.after["merged_id"]) for e in events] == [(str(a), b)]
    events, _ = list_events(seeded_db, admin, AuditFilter(action="end_customer.fold_into"))
    assert [(e.entity_id, e.after) for e in events] == [(str(b), {"merged_into_id": a})]
    # One event per registration moved, as for any bulk change.
    events, _ = list_events(seeded_db, admin, AuditFilter(action="deal.reassign_customer"))
    assert [(e.entity_id, e.before, e.after) for e in events] == [
        (str(second.id), {"end_customer_id": b}, {"end_customer_id": a})]


def test_a_merge_that_cannot_be_done_writes_nothing(seeded_db):
    one = register(seeded_db, "p01.rep1", company="Tailspin Toys", **no_domain())
    two = register(seeded_db, "p02.rep1", company="Wingtip Toys", **no_domain())
    a, b = (seeded_db.get(DealRegistration, d.id).end_customer_id for d in (one, two))
    desk = actor_for(seeded_db, "channel")
    with pytest.raises(RuleViolation) as e:
        merge_end_customers(seeded_db, desk, a, a, now=NOW)
    assert e.value.field == "merge_id"
    for username in ("p01.admin", "finance", "analyst"):
        with pytest.raises(PermissionDenied):
            merge_end_customers(seeded_db, actor_for(seeded_db, username), a, b, now=NOW)
    with pytest.raises(NotFound):
        merge_end_customers(seeded_db, desk, a, 99999, now=NOW)
    merge_end_customers(seeded_db, desk, a, b, now=NOW)
    with pytest.raises(RuleViolation, match="was merged into"):
        merge_end_customers(seeded_db, desk, b, a, now=NOW)


def test_refiling_a_registration_audits_it_and_matches_it_again(seeded_db):
    first = register(seeded_db, "p01.rep1", company="Coho Winery", **no_domain())
    second = register(seeded_db, "p02.rep1", company="Coho Vineyard & Winery Estates",
                      now=NOW + timedelta(hours=1), **no_domain())
    target = seeded_db.get(DealRegistration, first.id).end_customer_id
    before = seeded_db.get(DealRegistration, second.id)
    assert before.match_verdict != "conflict"
    desk = actor_for(seeded_db, "channel")

    reassign_end_customer(seeded_db, desk, second.id, target, now=NOW)
    seeded_db.commit()
    row = seeded_db.get(DealRegistration, second.id)
    assert row.end_customer_id == target and row.match_verdict == "conflict"
    assert row.status == S.UNDER_REVIEW
    events, _ = list_events(seeded_db, actor_for(seeded_db, "admin"),
                            AuditFilter(action="deal.reassign_customer"))
    assert [e.after["end_customer_id"] for e in events] == [target]
    internal = [e.text for e in desk_detail(seeded_db, desk, second.id).timeline if e.internal]
    assert any(t.startswith(f"Filed under end customer #{target} Coho Winery") for t in internal)
    # Its name now finds the record it was filed under.
    assert target in conflicts.candidate_customers(
        seeded_db, claim("Coho Vineyard and Winery Estates"))
    with pytest.raises(RuleViolation, match="already filed"):
        reassign_end_customer(seeded_db, desk, second.id, target, now=NOW)
    with pytest.raises(PermissionDenied):
        reassign_end_customer(seeded_db, actor_for(seeded_db, "p02.admin"), second.id, target)


def test_a_partners_own_duplicate_is_shown_as_such_and_merged_into_the_first(seeded_db):
    first = register(seeded_db, "p02.rep1", company="Litware Inc.", **no_domain())
    again = register(seeded_db, "p02.rep1", company="LITWARE", now=NOW + timedelta(hours=2),
                     **no_domain())
    assert again.status == S.UNDER_REVIEW
    desk = actor_for(seeded_db, "channel")
    [m] = desk_detail(seeded_db, desk, again.id).matches
    assert (m.id, m.same_partner, m.verdict) == (first.id, True, "conflict")
    merged = merge_deal(seeded_db, desk, again.id, first.id, now=NOW)
    assert merged.status == S.MERGED and merged.merged_into_id == first.id


def test_an_end_customers_record_lists_every_claim_for_the_desk_only(seeded_db):
    """Issue #14: an end customer has a page of its own, with every claim filed under it."""
    from core.deals import end_customer_record

    first = register(seeded_db, "p01.rep1", company="Margie's Travel", now=NOW, **no_domain())
    second = register(seeded_db, "p02.rep1", company="Margies Travel Agency",
                      now=NOW + timedelta(hours=1), **no_domain())
    a, b = (seeded_db.get(DealRegistration, d.id).end_customer_id for d in (first, second))
    desk = actor_for(seeded_db, "channel")
    merge_end_customers(seeded_db, desk, a, b, now=NOW)
    seeded_db.commit()

    record = end_customer_record(seeded_db, desk, a)
    assert [(c.kind, c.id, c.name) for c in record.claims] == [
        ("registration", second.id, "Margies Travel Agency"),
        ("registration", first.id, "Margie's Travel")]  # newest first
    assert (record.customer.registrations, record.customer.open_registrations) == (2, 2)
    assert record.merged_into_id is None
    assert end_customer_record(seeded_db, desk, b).merged_into_id == a
    for username in ("p01.admin", "p01.rep1", "exec", "finance"):
        with pytest.raises(PermissionDenied):
            end_customer_record(seeded_db, actor_for(seeded_db, username), a)
    with pytest.raises(NotFound):
        end_customer_record(seeded_db, desk, 10**8)
