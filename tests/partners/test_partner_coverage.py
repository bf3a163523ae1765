"""What a partner covers: regions and industries (rows now, still read and assigned as lists of
strings), product lines and territories (read and set through core.partners, by role)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.errors import NotFound, PermissionDenied, RuleViolation
from core.partners import (
    TerritoryOut,
    get_partner,
    list_partners,
    partner_product_lines,
    partner_territories,
    set_partner_product_lines,
    set_partner_territories,
    update_partner_profile,
)
from core.recruitment import approve_application
from db.models import (
    AuditEvent,
    Partner,
    PartnerIndustry,
    PartnerRegion,
    PartnerTerritory,
    ProductLine,
    Tier,
)
from db.models import (
    partner_product_lines as link_table,
)
from tests.conftest import NOW, actor_for
from tests.recruitment.test_recruitment import app_id, form, submit

VENDORS = ("admin", "channel", "channel2", "marketing", "finance", "exec", "analyst")
EDITORS = ("admin", "channel", "channel2")  # any partner's; a partner admin only its own
LATER = NOW + timedelta(days=1)


def partner_of(db, username: str) -> Partner:
    return db.get(Partner, actor_for(db, username).partner_id)


def region_rows(db, partner_id: int) -> list[tuple[str, int]]:
    return db.execute(select(PartnerRegion.region, PartnerRegion.position)
                      .where(PartnerRegion.partner_id == partner_id)
                      .order_by(PartnerRegion.position)).tuples().all()


def events(db, action: str, partner_id: int) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                    AuditEvent.entity_id == str(partner_id))
                           .order_by(AuditEvent.id)))


def line_ids(db, *names: str) -> list[int]:
    found = dict(db.execute(select(ProductLine.name, ProductLine.id)).tuples().all())
    return [found[n] for n in names]


# ---------------------------------------------------------------- regions and industries


def test_regions_and_industries_assign_and_read_as_lists_of_strings(seeded_db):
    db = seeded_db
    tier = db.scalar(select(Tier.id).where(Tier.name == "Silver"))
    partner = Partner(name="Listwise Ltd", country="GB", regions=["EMEA", "NA"],
                      partner_type="var", industries=["Retail"], tier_id=tier)
    db.add(partner)
    db.commit()
    assert region_rows(db, partner.id) == [("EMEA", 0), ("NA", 1)]

    # Overlapping reassignments reorder, add and drop rows (no duplicate-key clash).
    partner.regions = ["NA", "APAC", "EMEA"]
    partner.industries = ["Healthcare", "Retail"]
    db.commit()
    db.expire_all()
    assert partner.regions == ["NA", "APAC", "EMEA"]
    assert list(partner.industries) == ["Healthcare", "Retail"]
    assert region_rows(db, partner.id) == [("NA", 0), ("APAC", 1), ("EMEA", 2)]

    partner.regions = ["APAC"]
    partner.industries = []
    db.commit()
    db.expire_all()
    assert (list(partner.regions), list(partner.industries)) == (["APAC"], [])
    assert db.scalar(select(func.count()).select_from(PartnerIndustry)
                     .where(PartnerIndustry.partner_id == partner.id)) == 0
    out = get_partner(db, actor_for(db, "admin"), partner.id)
    assert (out.regions, out.industries) == (["APAC"], [])


def test_approving_an_application_creates_the_partner_with_its_lists(seeded_db):
    """core.recruitment builds Partner(regions=[...], industries=[...]) as it always did."""
    db = seeded_db
    receipt = submit(db, form(regions=["NA", "EMEA"], industries=["Retail", "Healthcare"]))
    approver = actor_for(db, "channel")
    tier = db.scalar(select(Tier.id).where(Tier.name == "Registered"))
    result = approve_application(db, approver, app_id(db, receipt.reference), tier_id=tier,
                                 channel_manager_id=approver.user_id, now=LATER)
    db.commit()
    db.expire_all()
    partner = db.get(Partner, result.partner_id)
    assert set(partner.regions) == {"NA", "EMEA"}
    assert set(partner.industries) == {"Retail", "Healthcare"}
    assert {r for r, _ in region_rows(db, partner.id)} == {"NA", "EMEA"}
    created = events(db, "partner.create", partner.id)
    assert len(created) == 1
    assert created[0].after["regions"] == list(partner.regions)
    assert partner.updated_at == partner.created_at == LATER


def test_the_partner_list_shows_each_partners_lists(seeded_db):
    db = seeded_db
    rows = {p.id: p for p in list_partners(db, actor_for(db, "admin"))}
    for partner in db.scalars(select(Partner)):
        assert rows[partner.id].regions == list(partner.regions)
        assert rows[partner.id].industries == list(partner.industries)


def test_parent_partner_is_shown_read_only(seeded_db):
    db = seeded_db
    distributor, reseller = partner_of(db, "p05.admin"), partner_of(db, "p01.admin")
    reseller.parent_partner_id = distributor.id
    db.commit()
    out = get_partner(db, actor_for(db, "p01.admin"), reseller.id)
    assert out.parent_partner_id == distributor.id
    assert get_partner(db, actor_for(db, "admin"), distributor.id).parent_partner_id is None


# ---------------------------------------------------------------- product lines


@pytest.mark.parametrize("username", [*VENDORS, "p01.admin", "p01.rep1"])
def test_who_reads_a_partners_product_lines(seeded_db, username):
    db = seeded_db
    own = partner_of(db, "p01.admin")
    other = partner_of(db, "p02.admin")
    actor = actor_for(db, username)
    expected = sorted(line.name for line in own.product_lines)
    assert expected  # the demo gives p01 product lines
    assert [x.name for x in partner_product_lines(db, actor, own.id)] == expected
    if actor.is_partner:
        with pytest.raises(NotFound):
            partner_product_lines(db, actor, other.id)
    else:
        partner_product_lines(db, actor, other.id)


@pytest.mark.parametrize("username", [*VENDORS, "p03.admin", "p03.rep1"])
def test_who_sets_a_partners_product_lines(seeded_db, username):
    db = seeded_db
    own, other = partner_of(db, "p03.admin"), partner_of(db, "p04.admin")
    actor = actor_for(db, username)
    wanted = line_ids(db, "Security Suite", "Analytics")
    may_edit_own = username in EDITORS or username == "p03.admin"
    if not may_edit_own:
        with pytest.raises(PermissionDenied):
            set_partner_product_lines(db, actor, own.id, wanted, now=LATER)
        assert partner_product_lines(db, actor_for(db, "admin"), own.id) == []
        return
    out = set_partner_product_lines(db, actor, own.id, wanted, now=LATER)
    assert [x.name for x in out] == ["Analytics", "Security Suite"]
    db.commit()
    db.expire_all()
    assert [x.name for x in partner_product_lines(db, actor, own.id)] == \
        ["Analytics", "Security Suite"]
    if actor.is_partner:  # a partner admin, for another partner: refused, nothing written
        before = partner_product_lines(db, actor_for(db, "admin"), other.id)
        with pytest.raises(NotFound):
            set_partner_product_lines(db, actor, other.id, wanted, now=LATER)
        assert partner_product_lines(db, actor_for(db, "admin"), other.id) == before


def test_setting_product_lines_is_audited_once_and_moves_updated_at(seeded_db):
    db = seeded_db
    partner = partner_of(db, "p03.admin")
    before_update = partner.updated_at
    actor = actor_for(db, "channel")
    core, analytics = line_ids(db, "Core Platform", "Analytics")
    set_partner_product_lines(db, actor, partner.id, [core, analytics, core], now=LATER)
    db.commit()
    assert partner.updated_at == LATER != before_update
    [event] = events(db, "partner.product_lines_update", partner.id)
    assert event.before == {"product_line_ids": [], "product_lines": []}
    assert event.after == {"product_line_ids": [analytics, core],
                           "product_lines": ["Analytics", "Core Platform"]}
    assert (event.actor_label, event.partner_id, event.at) == ("channel", partner.id, LATER)
    # The same lines again (in another order, as text): no change, no event.
    set_partner_product_lines(db, actor, partner.id, [str(analytics), str(core)],
                              now=LATER + timedelta(hours=1))
    db.commit()
    assert len(events(db, "partner.product_lines_update", partner.id)) == 1
    assert partner.updated_at == LATER
    # Emptied.
    assert set_partner_product_lines(db, actor, partner.id, [], now=LATER) == []
    db.commit()
    assert db.scalar(select(func.count()).select_from(link_table)
                     .where(link_table.c.partner_id == partner.id)) == 0


def test_product_lines_must_be_in_the_catalog_and_active_unless_already_held(seeded_db):
    db = seeded_db
    partner = partner_of(db, "p03.admin")
    admin = actor_for(db, "admin")
    core, backup = line_ids(db, "Core Platform", "Cloud Backup")
    set_partner_product_lines(db, admin, partner.id, [core], now=NOW)
    for bad in ([999_999], ["abc"], [True], [core, -1]):
        with pytest.raises(RuleViolation) as err:
            set_partner_product_lines(db, admin, partner.id, bad, now=LATER)
        assert err.value.field == "product_line_ids"
    db.get(ProductLine, core).active = False
    db.get(ProductLine, backup).active = False
    db.flush()
    with pytest.raises(RuleViolation, match="No longer offered: Cloud Backup"):
        set_partner_product_lines(db, admin, partner.id, [core, backup], now=LATER)
    # A retired line the partner already sells stays; it is still listed.
    assert [x.name for x in set_partner_product_lines(db, admin, partner.id, [core],
                                                      now=LATER)] == ["Core Platform"]
    assert [(x.name, x.active) for x in partner_product_lines(db, admin, partner.id)] == \
        [("Core Platform", False)]
    with pytest.raises(NotFound):
        set_partner_product_lines(db, admin, 999_999, [core], now=LATER)


# ---------------------------------------------------------------- territories


@pytest.mark.parametrize("username", [*VENDORS, "p01.admin", "p01.rep1"])
def test_who_reads_a_partners_territories(seeded_db, username):
    db = seeded_db
    own, other = partner_of(db, "p01.admin"), partner_of(db, "p02.admin")
    actor = actor_for(db, username)
    shown = partner_territories(db, actor, own.id)
    assert shown and {t.country for t in shown} == {t.country for t in own.territories}
    if actor.is_partner:
        with pytest.raises(NotFound):
            partner_territories(db, actor, other.id)
    else:
        partner_territories(db, actor, other.id)


@pytest.mark.parametrize("username", [*VENDORS, "p03.admin", "p03.rep1"])
def test_who_sets_a_partners_territories(seeded_db, username):
    db = seeded_db
    own, other = partner_of(db, "p03.admin"), partner_of(db, "p04.admin")
    actor = actor_for(db, username)
    wanted = [{"country": "US", "state": "California"}]
    if not (username in EDITORS or username == "p03.admin"):
        with pytest.raises(PermissionDenied):
            set_partner_territories(db, actor, own.id, wanted, now=LATER)
        assert partner_territories(db, actor_for(db, "admin"), own.id) == []
        return
    assert set_partner_territories(db, actor, own.id, wanted, now=LATER) == \
        [TerritoryOut("US", "California")]
    if actor.is_partner:
        with pytest.raises(NotFound):
            set_partner_territories(db, actor, other.id, wanted, now=LATER)


def test_territories_are_read_the_way_people_type_them_and_repeats_count_once(seeded_db):
    db = seeded_db
    partner = partner_of(db, "p03.admin")
    admin = actor_for(db, "admin")
    out = set_partner_territories(db, admin, partner.id, [
        {"country": "Germany"},
        {"country": "gb", "state": "  England ", "postal_prefix": "sw1 a"},
        {"country": "US", "state": "California", "postal_prefix": "941"},
        {"country": "US", "state": "California", "postal_prefix": "941"},
        {"country": "US", "state": "California"},
    ], now=LATER)
    assert out == [TerritoryOut("DE"), TerritoryOut("GB", "England", "SW1A"),
                   TerritoryOut("US", "California"), TerritoryOut("US", "California", "941")]
    assert [t.label for t in out] == ["DE", "GB / England / SW1A\u2026", "US / California",
                                      "US / California / 941\u2026"]
    db.commit()
    assert partner_territories(db, admin, partner.id) == out
    assert db.scalar(select(func.count()).select_from(PartnerTerritory)
                     .where(PartnerTerritory.partner_id == partner.id)) == 4
    [event] = events(db, "partner.territories_update", partner.id)
    assert event.before == {"territories": []}
    assert event.after["territories"][1] == {"country": "GB", "state": "England",
                                             "postal_prefix": "SW1A"}
    assert partner.updated_at == LATER


def test_territories_that_stay_keep_their_rows_and_a_bad_line_writes_nothing(seeded_db):
    db = seeded_db
    partner = partner_of(db, "p03.admin")
    cm = actor_for(db, "channel2")
    set_partner_territories(db, cm, partner.id, [{"country": "US"}, {"country": "CA"}],
                            now=NOW)
    db.commit()
    kept = db.scalar(select(PartnerTerritory.id).where(PartnerTerritory.partner_id == partner.id,
                                                       PartnerTerritory.country == "CA"))
    set_partner_territories(db, cm, partner.id, [{"country": "CA"}, {"country": "MX"}],
                            now=LATER)
    db.commit()
    rows = db.execute(select(PartnerTerritory.id, PartnerTerritory.country)
                      .where(PartnerTerritory.partner_id == partner.id)
                      .order_by(PartnerTerritory.country)).tuples().all()
    assert rows[0] == (kept, "CA") and [c for _, c in rows] == ["CA", "MX"]
    assert len(events(db, "partner.territories_update", partner.id)) == 2

    for bad, message in [
        ([{"country": "CA"}, {"country": "Atlantis"}], "Territory 2: Choose the territory's "
                                                      "country from the list."),
        ([{"country": ""}], "Territory 1: Choose the territory's country."),
        ([{"country": "US", "postal_prefix": "94-1"}], "Territory 1: A postal-code prefix"),
        ([{"country": "US", "state": "x" * 101}], "Territory 1: Keep the state"),
        ([{"country": "US", "state": f"S{i}"} for i in range(201)], "at most 200"),
    ]:
        with pytest.raises(RuleViolation, match=message.replace("(", r"\(")) as err:
            set_partner_territories(db, cm, partner.id, bad, now=LATER)
        assert err.value.field == "territories"
    assert [t.country for t in partner_territories(db, cm, partner.id)] == ["CA", "MX"]
    assert len(events(db, "partner.territories_update", partner.id)) == 2


def test_the_profile_form_writes_region_rows_and_moves_updated_at(seeded_db):
    db = seeded_db
    partner = partner_of(db, "p03.admin")
    actor = actor_for(db, "p03.admin")
    data = dict(name=partner.name, website=partner.website, country=partner.country,
                regions=["APAC", "NA"], partner_type=partner.partner_type,
                industries=["Energy"])
    update_partner_profile(db, actor, partner.id, data, now=LATER)
    db.commit()
    assert region_rows(db, partner.id) == [("NA", 0), ("APAC", 1)]  # the form's order
    assert partner.updated_at == LATER
