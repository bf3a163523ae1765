"""The company profile: validation per field, who may edit which partner, the audit event, the
"profile_completed" onboarding event, and the light partner list for select boxes."""

import pytest
from pydantic import ValidationError
from sqlalchemy import func, insert, select

from core.audit import AuditFilter, list_events
from core.errors import NotFound, PermissionDenied, field_errors
from core.partners import (
    PartnerProfileIn,
    get_partner,
    list_partners,
    partner_choices,
    profile_complete,
    profile_missing,
    update_partner_profile,
)
from db.models import AuditEvent, OnboardingProgress, OnboardingStep, Partner, Tier
from seed.demo import PARTNER_COUNT
from tests.conftest import NOW, actor_for

GOOD = dict(name="Northwind Traders", website="https://www.northwind.example", country="DE",
            regions=["EMEA", "NA"], partner_type="var", industries=["Retail", "Healthcare"])


def own_id(db, username="p01.admin") -> int:
    return actor_for(db, username).partner_id


def test_partner_admin_updates_its_own_profile_and_it_is_audited(seeded_db):
    actor = actor_for(seeded_db, "p01.admin")
    before = get_partner(seeded_db, actor, actor.partner_id)
    out = update_partner_profile(seeded_db, actor, actor.partner_id,
                                 {**GOOD, "country": "germany", "website": " northwind.example "},
                                 now=NOW)
    seeded_db.commit()
    assert (out.name, out.website, out.country) == ("Northwind Traders", "northwind.example",
                                                     "DE")
    # Lists come back in the order of the choices, whatever order the form sent.
    assert out.regions == ["NA", "EMEA"] and out.industries == ["Healthcare", "Retail"]
    assert out.tier == before.tier and out.status == before.status
    events, _ = list_events(seeded_db, actor_for(seeded_db, "admin"),
                            AuditFilter(action="partner.profile_update"))
    assert len(events) == 1 and events[0].actor == "p01.admin"
    assert events[0].before["name"] == before.name
    assert events[0].after["regions"] == ["NA", "EMEA"]


def test_saving_an_unchanged_profile_writes_no_audit_event(seeded_db):
    actor = actor_for(seeded_db, "p01.admin")
    p = get_partner(seeded_db, actor, actor.partner_id)
    same = dict(name=p.name, website=p.website, country=p.country, regions=p.regions,
                partner_type=p.partner_type, industries=p.industries)
    update_partner_profile(seeded_db, actor, actor.partner_id, same, now=NOW)
    assert not seeded_db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "partner.profile_update"))


def test_every_bad_field_gets_its_own_message(seeded_db):
    actor = actor_for(seeded_db, "p01.admin")
    bad = dict(name="  ", website="not a website", country="Atlantis", regions=[],
               partner_type="pirate", industries=["Space travel"])
    with pytest.raises(ValidationError) as exc:
        update_partner_profile(seeded_db, actor, actor.partner_id, bad, now=NOW)
    errors = field_errors(exc.value)
    assert errors == {
        "name": "Enter the company name.",
        "website": "Enter the company's website, e.g. https://www.example.com.",
        "country": "Choose the company's country from the list.",
        "regions": "Choose at least one region the company serves.",
        "partner_type": "Choose a partner type from the list.",
        "industries": "Choose industries from the list.",
    }
    seeded_db.rollback()
    p = seeded_db.get(Partner, actor.partner_id)
    assert p.name != "" and p.regions  # nothing written


@pytest.mark.parametrize(("field", "value", "message"), [
    ("regions", ["EMEA", "Mars"], "Choose regions from the list"),
    ("country", "", "Choose the company's country."),
    ("partner_type", "", "Choose the partner type."),
    ("name", "x" * 201, "200 characters"),
])
def test_single_field_messages(field, value, message):
    with pytest.raises(ValidationError) as exc:
        PartnerProfileIn(**{**GOOD, field: value})
    errors = field_errors(exc.value)
    assert list(errors) == [field] and message in errors[field]


def test_website_and_industries_may_be_empty_but_then_the_profile_is_incomplete():
    data = PartnerProfileIn(**{**GOOD, "website": "", "industries": []})
    assert data.website == "" and data.industries == []
    assert profile_missing(data) == ["Website", "Industries"]
    assert profile_complete(PartnerProfileIn(**GOOD))


@pytest.mark.parametrize("username", ["p01.rep1", "finance", "marketing", "exec", "analyst"])
def test_who_may_not_edit(seeded_db, username):
    with pytest.raises(PermissionDenied):
        update_partner_profile(seeded_db, actor_for(seeded_db, username), own_id(seeded_db),
                               GOOD, now=NOW)


def test_a_partner_admin_cannot_edit_another_partner(seeded_db):
    with pytest.raises(NotFound):
        update_partner_profile(seeded_db, actor_for(seeded_db, "p01.admin"),
                               own_id(seeded_db, "p02.admin"), GOOD, now=NOW)
    assert seeded_db.get(Partner, own_id(seeded_db, "p02.admin")).name != GOOD["name"]


@pytest.mark.parametrize("username", ["admin", "channel"])
def test_the_vendor_side_edits_any_partner(seeded_db, username):
    out = update_partner_profile(seeded_db, actor_for(seeded_db, username),
                                 own_id(seeded_db, "p02.admin"), GOOD, now=NOW)
    assert out.name == GOOD["name"]
    with pytest.raises(NotFound):
        update_partner_profile(seeded_db, actor_for(seeded_db, username), 999_999, GOOD,
                               now=NOW)


def test_the_profile_step_ticks_when_the_profile_becomes_complete(seeded_db):
    tier = seeded_db.scalar(select(Tier.id).where(Tier.name == "Registered"))
    partner = Partner(name="Fresh Co", website=None, country="US", regions=["NA"],
                      partner_type="reseller", industries=[], tier_id=tier, status="onboarding")
    seeded_db.add(partner)
    seeded_db.flush()
    admin = actor_for(seeded_db, "admin")
    step = seeded_db.scalar(select(OnboardingStep.id).where(
        OnboardingStep.event == "profile_completed"))

    def done():
        return seeded_db.scalar(select(OnboardingProgress.completed_at).where(
            OnboardingProgress.partner_id == partner.id, OnboardingProgress.step_id == step))

    assert profile_missing(partner) == ["Website", "Industries"]
    update_partner_profile(seeded_db, admin, partner.id,
                           {**GOOD, "name": "Fresh Co", "industries": []}, now=NOW)
    assert done() is None
    update_partner_profile(seeded_db, admin, partner.id, {**GOOD, "name": "Fresh Co"}, now=NOW)
    assert done() == NOW
    # Later edits, even ones that empty a field again, never un-tick or re-tick it.
    update_partner_profile(seeded_db, admin, partner.id,
                           {**GOOD, "name": "Fresh Co", "website": ""}, now=NOW.replace(day=27))
    update_partner_profile(seeded_db, admin, partner.id, {**GOOD, "name": "Fresh Co"},
                           now=NOW.replace(day=28))
    assert done() == NOW


# ---------------------------------------------------------------- partner_choices


def test_choices_are_id_and_name_by_name_for_vendors(seeded_db):
    choices = partner_choices(seeded_db, actor_for(seeded_db, "channel"))
    assert len(choices) == PARTNER_COUNT
    assert [name for _, name in choices] == sorted(name for _, name in choices)
    full = {p.id: p.name for p in list_partners(seeded_db, actor_for(seeded_db, "channel"))}
    assert dict(choices) == full


@pytest.mark.parametrize("username", ["p01.admin", "p01.rep1"])
def test_choices_for_a_partner_hold_only_its_own(seeded_db, username):
    actor = actor_for(seeded_db, username)
    assert [pid for pid, _ in partner_choices(seeded_db, actor)] == [actor.partner_id]


def test_choices_have_no_cap(seeded_db):
    tier = seeded_db.scalar(select(Tier.id).where(Tier.name == "Registered"))
    seeded_db.execute(insert(Partner), [
        dict(name=f"Bulk Partner {i:04d}", country="US", partner_type="reseller",
             tier_id=tier, status="active", created_at=NOW) for i in range(1001)])
    choices = partner_choices(seeded_db, actor_for(seeded_db, "admin"))
    assert len(choices) == PARTNER_COUNT + 1001
    assert len(list_partners(seeded_db, actor_for(seeded_db, "admin"))) == 1000  # the capped one


def test_anonymous_gets_no_choices(seeded_db):
    from core.actor import Actor

    with pytest.raises(PermissionDenied):
        partner_choices(seeded_db, Actor.anonymous("x"))
