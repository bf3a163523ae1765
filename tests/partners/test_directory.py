"""The partner directory: filters narrow to exactly the partners a user would expect, counts
match, the deal figures equal what the rows add up to, the CSV holds what the directory shows,
and bad filter values get a message instead of a crash."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.actor import Actor
from core.deals.revenue import won_revenue
from core.directory import (
    CSV_HEADER,
    NO_OWNER,
    ONBOARDING_COMPLETE,
    DirectoryFilter,
    directory_options,
    export_directory_csv,
    search_directory,
)
from core.errors import PermissionDenied, RuleViolation
from core.partners import set_partner_territories
from db.models import (
    DealRegistration,
    EndCustomer,
    OnboardingProgress,
    OnboardingStep,
    Partner,
    User,
)
from seed.demo import PARTNER_COUNT
from tests.conftest import NOW, actor_for

VENDORS = ("admin", "channel", "marketing", "finance", "exec", "analyst")
TODAY = NOW.date()


def all_rows(db, actor, filt=DirectoryFilter()):
    page = search_directory(db, actor, filt, limit=500, now=NOW)
    assert page.total == len(page.rows)
    return page.rows


def add_deal(db, partner: Partner, status: str, value: str, *, final: str | None = None,
             closed_on: date | None = None, verdict: str = "clear") -> DealRegistration:
    """A registration row as the deal services leave it (the directory only reads them)."""
    owner = db.scalar(select(User).where(User.partner_id == partner.id).order_by(User.id))
    customer = EndCustomer(name="Umbrella Corp", normalized_name="umbrella",
                           domain="umbrella.example", country="US")
    db.add(customer)
    db.flush()
    deal = DealRegistration(
        partner_id=partner.id, registered_by_user_id=owner.id, owner_user_id=owner.id,
        end_customer_id=customer.id, customer_name="Umbrella Corp", customer_key="umbrella",
        customer_country="US", contact_name="Ann Buyer", contact_email="ann@umbrella.example",
        estimated_value=Decimal(value), final_amount=Decimal(final) if final else None,
        expected_close_date=TODAY + timedelta(days=60), closed_on=closed_on,
        stage="proposal", status=status, match_verdict=verdict, submitted_at=NOW)
    db.add(deal)
    db.flush()
    return deal


def partners_by_name(db) -> list[Partner]:
    return list(db.scalars(select(Partner).order_by(Partner.name, Partner.id)))


# ---------------------------------------------------------------- who


def test_every_vendor_role_gets_every_partner_by_name(seeded_db):
    expected = [p.name for p in partners_by_name(seeded_db)]
    for username in VENDORS:
        page = search_directory(seeded_db, actor_for(seeded_db, username), limit=10, now=NOW)
        assert page.total == PARTNER_COUNT
        assert [r.name for r in page.rows] == expected[:10]


@pytest.mark.parametrize("username", ["p01.admin", "p01.rep1"])
def test_partner_users_are_refused_the_directory_and_its_export(seeded_db, username):
    actor = actor_for(seeded_db, username)
    for call in (lambda: search_directory(seeded_db, actor),
                 lambda: export_directory_csv(seeded_db, actor),
                 lambda: directory_options(seeded_db, actor)):
        with pytest.raises(PermissionDenied):
            call()


def test_anonymous_is_refused(seeded_db):
    with pytest.raises(PermissionDenied):
        search_directory(seeded_db, Actor.anonymous("x"))


# ---------------------------------------------------------------- filters


def test_tier_and_region_narrow_to_exactly_those_partners(seeded_db):
    actor = actor_for(seeded_db, "channel")
    expected = {p.id for p in partners_by_name(seeded_db)
                if p.tier.name == "Gold" and "EMEA" in p.regions}
    rows = all_rows(seeded_db, actor, DirectoryFilter(tier="Gold", region="EMEA"))
    assert expected and {r.partner_id for r in rows} == expected
    assert all(r.tier == "Gold" and "EMEA" in r.regions for r in rows)


def test_region_filter_and_rows_follow_the_partners_region_rows(seeded_db):
    """Regions are rows of their own: a change shows in the filter and the row at once, in
    the profile's order."""
    actor = actor_for(seeded_db, "admin")
    partners = partners_by_name(seeded_db)
    joined, left = partners[0], next(p for p in partners[1:] if "EMEA" in p.regions)
    joined.regions = ["LATAM", "EMEA"]
    left.regions = ["APAC"]
    seeded_db.flush()
    expected = {p.id for p in partners if "EMEA" in p.regions}
    rows = all_rows(seeded_db, actor, DirectoryFilter(region="EMEA"))
    assert {r.partner_id for r in rows} == expected
    assert joined.id in expected and left.id not in expected
    assert next(r.regions for r in rows if r.partner_id == joined.id) == ["LATAM", "EMEA"]
    shown = {r.partner_id: r.regions for r in all_rows(seeded_db, actor)}
    assert shown == {p.id: list(p.regions) for p in partners}


def test_territory_filter_finds_the_partners_with_a_territory_in_that_country(seeded_db):
    actor = actor_for(seeded_db, "channel")
    partners = partners_by_name(seeded_db)
    set_partner_territories(seeded_db, actor, partners[2].id,
                            [{"country": "US", "state": "Texas"}, {"country": "IS"}], now=NOW)
    set_partner_territories(seeded_db, actor, partners[5].id, [{"country": "Iceland",
                                                                "postal_prefix": "101"}],
                            now=NOW)
    seeded_db.flush()
    for typed, code in (("IS", "IS"), ("Iceland", "IS"), ("us", "US")):
        expected = [p.name for p in partners if any(t.country == code for t in p.territories)]
        rows = all_rows(seeded_db, actor, DirectoryFilter(territory=typed))
        assert expected and [r.name for r in rows] == expected, typed
    region = partners[5].regions[0]
    both = [p.id for p in partners
            if region in p.regions and any(t.country == "IS" for t in p.territories)]
    assert partners[5].id in both
    assert [r.partner_id for r in all_rows(seeded_db, actor, DirectoryFilter(
        territory="IS", region=region))] == both
    options = directory_options(seeded_db, actor)
    assert "IS" in options.territory_countries and "US" in options.territory_countries
    assert options.territory_countries == sorted(set(options.territory_countries))


def test_type_status_and_owner_filters_count_what_the_table_holds(seeded_db):
    actor = actor_for(seeded_db, "channel")
    partners = partners_by_name(seeded_db)
    chris = seeded_db.scalar(select(User).where(User.username == "channel"))
    cases = [
        (DirectoryFilter(partner_type="msp"), lambda p: p.partner_type == "msp"),
        (DirectoryFilter(status="onboarding"), lambda p: p.status == "onboarding"),
        (DirectoryFilter(owner=chris.id), lambda p: p.channel_manager_id == chris.id),
        (DirectoryFilter(owner=str(chris.id), status="active"),
         lambda p: p.channel_manager_id == chris.id and p.status == "active"),
    ]
    for filt, keep in cases:
        expected = [p.name for p in partners if keep(p)]
        page = search_directory(seeded_db, actor, filt, limit=500, now=NOW)
        assert expected, filt
        assert page.total == len(expected), filt
        assert [r.name for r in page.rows] == expected, filt


def test_owner_none_finds_the_partners_nobody_manages(seeded_db):
    orphan = partners_by_name(seeded_db)[3]
    orphan.channel_manager_id = None
    seeded_db.flush()
    rows = all_rows(seeded_db, actor_for(seeded_db, "admin"), DirectoryFilter(owner=NO_OWNER))
    assert [(r.partner_id, r.channel_manager) for r in rows] == [(orphan.id, None)]


def test_search_matches_name_fragment_website_and_pasted_address(seeded_db):
    actor = actor_for(seeded_db, "marketing")
    partners = partners_by_name(seeded_db)
    target = partners[7]
    domain = target.website.removeprefix("https://www.")  # e.g. smithltd.example
    # (what the user types, what a name must hold, what a website must hold)
    cases = [(target.name[2:9].upper(), target.name[2:9].lower(), target.name[2:9].lower()),
             (domain, domain, domain),
             (f"https://www.{domain}/contact-us", "\x00", domain)]
    for needle, in_name, in_site in cases:
        expected = {p.id for p in partners
                    if in_name in p.name.lower() or in_site in (p.website or "").lower()}
        rows = all_rows(seeded_db, actor, DirectoryFilter(search=needle))
        assert target.id in expected
        assert {r.partner_id for r in rows} == expected, needle


def test_search_wildcards_are_plain_characters(seeded_db):
    actor = actor_for(seeded_db, "admin")
    assert search_directory(seeded_db, actor, DirectoryFilter(search="%")).total == 0
    assert search_directory(seeded_db, actor, DirectoryFilter(search="_")).total == 0
    assert search_directory(seeded_db, actor, DirectoryFilter(search="   ")).total == \
        PARTNER_COUNT


def test_onboarding_filter_finds_partners_waiting_at_a_step_or_complete(seeded_db):
    actor = actor_for(seeded_db, "channel")
    steps = list(seeded_db.scalars(select(OnboardingStep).where(OnboardingStep.active)
                                   .order_by(OnboardingStep.position, OnboardingStep.id)))
    partners = partners_by_name(seeded_db)
    # Move two partners along: one finishes every step, one is back at the first.
    finisher, starter = partners[0], partners[1]
    for step in steps:
        if not seeded_db.scalar(select(OnboardingProgress.id).where(
                OnboardingProgress.partner_id == finisher.id,
                OnboardingProgress.step_id == step.id)):
            seeded_db.add(OnboardingProgress(partner_id=finisher.id, step_id=step.id,
                                             completed_at=NOW))
    for progress in seeded_db.scalars(select(OnboardingProgress).where(
            OnboardingProgress.partner_id == starter.id)):
        seeded_db.delete(progress)
    seeded_db.flush()

    done = {(pid, sid) for pid, sid in seeded_db.execute(
        select(OnboardingProgress.partner_id, OnboardingProgress.step_id))}

    def next_step(p):
        return next((s.id for s in steps if (p.id, s.id) not in done), None)

    for step in steps:
        expected = [p.name for p in partners if next_step(p) == step.id]
        rows = all_rows(seeded_db, actor, DirectoryFilter(onboarding=step.id))
        assert [r.name for r in rows] == expected, step.title
        assert all(r.next_step == step.title for r in rows)
    complete = all_rows(seeded_db, actor, DirectoryFilter(onboarding=ONBOARDING_COMPLETE))
    assert [(r.partner_id, r.steps_done, r.next_step) for r in complete] == \
        [(finisher.id, len(steps), None)]
    first = all_rows(seeded_db, actor, DirectoryFilter(onboarding=steps[0].id))
    # The starter, and p10, whose agreement the demo leaves unaccepted (its second user
    # ticked the team step).
    p10 = actor_for(seeded_db, "p10.admin").partner_id
    assert sorted((r.partner_id, r.steps_done) for r in first) == \
        sorted([(starter.id, 0), (p10, 1)])
    assert complete[0].onboarding == f"{len(steps)} of {len(steps)}, complete"


def test_pages_add_up_to_the_whole_list_with_the_same_total(seeded_db):
    actor = actor_for(seeded_db, "analyst")
    seen = []
    for offset in range(0, PARTNER_COUNT, 15):
        page = search_directory(seeded_db, actor, limit=15, offset=offset, now=NOW)
        assert page.total == PARTNER_COUNT
        seen += [r.partner_id for r in page.rows]
    assert seen == [p.id for p in partners_by_name(seeded_db)]


# ---------------------------------------------------------------- figures


def test_open_deals_and_trailing_year_revenue_equal_the_rows(seeded_db):
    partners = partners_by_name(seeded_db)
    a, b = partners[0], partners[1]
    year_ago = date(TODAY.year - 1, TODAY.month, TODAY.day)
    for status in ("submitted", "under_review", "more_info", "approved"):
        add_deal(seeded_db, a, status, "1000")
    add_deal(seeded_db, a, "rejected", "5000")
    add_deal(seeded_db, a, "won", "100", final="0.10", closed_on=TODAY)  # today counts
    add_deal(seeded_db, a, "won", "100", final="0.20", closed_on=year_ago + timedelta(days=1))
    add_deal(seeded_db, a, "won", "100", final="999.00", closed_on=year_ago)  # 12 months ago
    add_deal(seeded_db, b, "won", "100", final="1234.56", closed_on=TODAY - timedelta(days=90))
    add_deal(seeded_db, b, "lost", "100")
    add_deal(seeded_db, b, "approved", "700", verdict="conflict")

    rows = {r.partner_id: r for r in all_rows(seeded_db, actor_for(seeded_db, "finance"))}
    assert (rows[a.id].open_deals, rows[a.id].won_12m) == (4, Decimal("0.30"))
    assert (rows[b.id].open_deals, rows[b.id].won_12m) == (1, Decimal("1234.56"))
    for pid, row in rows.items():  # and every partner agrees with the deals module's figure
        assert row.won_12m == won_revenue(seeded_db, pid, now=NOW)
        if pid not in (a.id, b.id):
            assert (row.open_deals, row.won_12m) == (0, Decimal("0.00"))


# ---------------------------------------------------------------- export


def test_csv_holds_every_matching_partner_as_the_directory_shows_it(seeded_db):
    actor = actor_for(seeded_db, "channel")
    partners = partners_by_name(seeded_db)
    add_deal(seeded_db, partners[0], "won", "100", final="250.50", closed_on=TODAY)
    filt = DirectoryFilter(region="NA")
    shown = all_rows(seeded_db, actor, filt)
    lines = list(csv.reader(io.StringIO(
        export_directory_csv(seeded_db, actor, filt, now=NOW).decode("utf-8-sig"))))
    assert lines[0] == CSV_HEADER
    assert len(lines) - 1 == len(shown) == search_directory(seeded_db, actor, filt).total
    for line, row in zip(lines[1:], shown, strict=True):
        assert line[0] == row.name and line[1] == row.tier and "NA" in line[4]
        assert line[10] == str(row.open_deals) and Decimal(line[11]) == row.won_12m


def test_csv_neutralises_a_partner_name_that_looks_like_a_formula(seeded_db):
    actor = actor_for(seeded_db, "admin")
    partner = partners_by_name(seeded_db)[0]
    partner.name = '=HYPERLINK("http://evil.example","x")'
    seeded_db.flush()
    text = export_directory_csv(seeded_db, actor, DirectoryFilter(search="hyperlink"),
                                now=NOW).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1][0] == "'" + partner.name


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(("filt", "field"), [
    (DirectoryFilter(tier="Diamond"), "tier"),
    (DirectoryFilter(region="Mars"), "region"),
    (DirectoryFilter(partner_type="wizard"), "partner_type"),
    (DirectoryFilter(status="sleeping"), "status"),
    (DirectoryFilter(owner="abc"), "owner"),
    (DirectoryFilter(owner=999_999), "owner"),
    (DirectoryFilter(onboarding="halfway"), "onboarding"),
    (DirectoryFilter(onboarding=999_999), "onboarding"),
    (DirectoryFilter(search="x" * 500), "search"),
    (DirectoryFilter(territory="Atlantis"), "territory"),
])
def test_a_filter_value_off_the_list_gets_a_message_naming_it(seeded_db, filt, field):
    with pytest.raises(RuleViolation) as err:
        search_directory(seeded_db, actor_for(seeded_db, "admin"), filt)
    assert err.value.field == field and str(err.value)


def test_a_customer_user_id_is_not_an_owner(seeded_db):
    rep = seeded_db.scalar(select(User).where(User.username == "p01.rep1"))
    with pytest.raises(RuleViolation, match="channel manager"):
        search_directory(seeded_db, actor_for(seeded_db, "admin"), DirectoryFilter(owner=rep.id))


@pytest.mark.parametrize(("limit", "offset", "field"), [
    (0, 0, "limit"), (10_000, 0, "limit"), ("ten", 0, "limit"), (50, -1, "offset"),
])
def test_paging_out_of_range_gets_a_message(seeded_db, limit, offset, field):
    with pytest.raises(RuleViolation) as err:
        search_directory(seeded_db, actor_for(seeded_db, "admin"), limit=limit, offset=offset)
    assert err.value.field == field


def test_options_list_the_choices_each_filter_accepts(seeded_db):
    options = directory_options(seeded_db, actor_for(seeded_db, "exec"))
    assert options.tiers == ["Registered", "Silver", "Gold", "Platinum"]
    assert {name for _, name in options.owners} == {"Chris Channel", "Casey Channel"}
    assert [title for _, title in options.steps][0] == "Accept the partner agreement"
    actor = actor_for(seeded_db, "exec")
    for tier in options.tiers:  # every offered choice is accepted
        search_directory(seeded_db, actor, DirectoryFilter(tier=tier))
    for owner_id, _ in options.owners:
        search_directory(seeded_db, actor, DirectoryFilter(owner=owner_id))
