"""Partner reads are scoped: a partner user never gets another partner's row."""

import pytest
from sqlalchemy import select

from core.actor import Actor
from core.errors import NotFound, PermissionDenied
from core.onboarding import checklist
from core.partners import PartnerFilter, get_partner, list_partners, update_partner_profile
from core.tiers import tier_history, tier_progress
from db.models import Partner
from seed.demo import PARTNER_COUNT
from tests.conftest import NOW, actor_for


def test_vendor_roles_see_every_partner(seeded_db):
    for username in ("admin", "channel", "marketing", "finance", "exec", "analyst"):
        partners = list_partners(seeded_db, actor_for(seeded_db, username))
        assert len(partners) == PARTNER_COUNT


@pytest.mark.parametrize("username", ["p01.admin", "p01.rep1"])
def test_partner_list_holds_only_own_partner_whatever_the_filter(seeded_db, username):
    actor = actor_for(seeded_db, username)
    other = seeded_db.scalar(select(Partner).where(Partner.id != actor.partner_id).limit(1))
    for filt in (PartnerFilter(), PartnerFilter(search=other.name),
                 PartnerFilter(tier=other.tier.name)):
        ids = {p.id for p in list_partners(seeded_db, actor, filt)}
        assert ids <= {actor.partner_id}
    assert {p.id for p in list_partners(seeded_db, actor)} == {actor.partner_id}


def test_partner_cannot_open_another_partners_profile(seeded_db):
    actor = actor_for(seeded_db, "p01.rep1")
    other_id = seeded_db.scalar(select(Partner.id).where(Partner.id != actor.partner_id))
    with pytest.raises(NotFound):
        get_partner(seeded_db, actor, other_id)
    assert get_partner(seeded_db, actor, actor.partner_id).id == actor.partner_id


def test_filters_narrow_the_vendor_list(seeded_db):
    actor = actor_for(seeded_db, "channel")
    gold = list_partners(seeded_db, actor, PartnerFilter(tier="Gold"))
    assert gold and all(p.tier == "Gold" for p in gold)
    emea = list_partners(seeded_db, actor, PartnerFilter(region="EMEA"))
    assert emea and all("EMEA" in p.regions for p in emea)
    assert len(emea) < PARTNER_COUNT


def test_missing_partner_is_not_found(seeded_db):
    with pytest.raises(NotFound):
        get_partner(seeded_db, actor_for(seeded_db, "admin"), 999_999)


def test_anonymous_cannot_list_partners(seeded_db):
    with pytest.raises(PermissionDenied):
        list_partners(seeded_db, Actor.anonymous("x"))


def test_region_filter_applies_before_the_limit(seeded_db):
    actor = actor_for(seeded_db, "channel")
    page = list_partners(seeded_db, actor, PartnerFilter(region="APAC"), limit=5)
    assert len(page) == 5 and all("APAC" in p.regions for p in page)


def test_partner_choices_are_scoped_and_uncapped(seeded_db):
    from core.partners import partner_choices

    assert len(partner_choices(seeded_db, actor_for(seeded_db, "finance"))) == PARTNER_COUNT
    rep = actor_for(seeded_db, "p01.rep1")
    assert [pid for pid, _ in partner_choices(seeded_db, rep)] == [rep.partner_id]


# Every service a partner's user reaches with a partner id, called with one.
PARTNER_ID_SERVICES = {
    "get_partner": lambda db, actor, pid: get_partner(db, actor, pid),
    "tier_progress": lambda db, actor, pid: tier_progress(db, actor, pid, now=NOW),
    "tier_history": lambda db, actor, pid: tier_history(db, actor, pid),
    "update_partner_profile": lambda db, actor, pid: update_partner_profile(
        db, actor, pid, {"name": "Renamed"}, now=NOW),
    "checklist": lambda db, actor, pid: checklist(db, actor, pid),
}


@pytest.mark.parametrize("service", list(PARTNER_ID_SERVICES))
def test_another_partners_id_is_answered_like_a_missing_one(seeded_db, service):
    """Whether the id exists is none of the asking partner's business."""
    call = PARTNER_ID_SERVICES[service]
    actor = actor_for(seeded_db, "p01.admin")
    other = actor_for(seeded_db, "p02.admin").partner_id
    answers = []
    for pid in (other, 999_999):
        with pytest.raises(Exception) as exc:
            call(seeded_db, actor, pid)
        answers.append((type(exc.value), str(exc.value)))
    assert answers == [(NotFound, "The partner was not found.")] * 2
    assert seeded_db.get(Partner, other).name != "Renamed"
