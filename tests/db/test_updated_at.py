"""updated_at, what a CRM polls ("changed since"), moves with every way a partner, a deal
registration, an end customer or a direct opportunity is changed: the services (at their
clock), the protection job, end-customer merges, and a plain change of a row (at the wall
clock)."""

from datetime import timedelta

from sqlalchemy import select

from core.deals import (
    approve_deal,
    import_direct_opportunities,
    merge_end_customers,
    run_deal_protection,
)
from core.partners import set_partner_territories, update_partner_profile
from db.models import DealRegistration, DirectOpportunity, EndCustomer, Partner
from db.types import utcnow
from tests.conftest import NOW, actor_for
from tests.deals.test_conflicts import no_domain
from tests.deals.test_deals import register
from tests.deals.test_deals_direct import csv_bytes

DAY = timedelta(days=1)


def test_a_new_row_reads_updated_when_created(seeded_db):
    deal = register(seeded_db, "p01.rep1")
    row = seeded_db.get(DealRegistration, deal.id)
    customer = seeded_db.get(EndCustomer, row.end_customer_id)
    assert row.updated_at == row.created_at == NOW
    assert customer.updated_at == customer.created_at == NOW


def test_partner_updated_at_moves_with_the_profile_its_lists_and_any_change(seeded_db):
    db = seeded_db
    partner = db.get(Partner, actor_for(db, "p01.admin").partner_id)
    profile = dict(name=partner.name, website=partner.website, country=partner.country,
                   regions=list(partner.regions), partner_type=partner.partner_type,
                   industries=list(partner.industries))
    boss = actor_for(db, "p01.admin")

    # Only the regions change: rows of partner_regions, yet the partner is updated.
    other = next(r for r in ("NA", "EMEA", "APAC", "LATAM") if r not in partner.regions)
    update_partner_profile(db, boss, partner.id, profile | {"regions": [other]},
                           now=NOW + DAY)
    db.commit()
    assert partner.updated_at == NOW + DAY
    # The same profile again is no change.
    update_partner_profile(db, boss, partner.id, profile | {"regions": [other]},
                           now=NOW + 2 * DAY)
    db.commit()
    assert partner.updated_at == NOW + DAY

    set_partner_territories(db, actor_for(db, "channel2"), partner.id, [{"country": "IS"}],
                            now=NOW + 3 * DAY)
    db.commit()
    assert partner.updated_at == NOW + 3 * DAY

    # Without a service: a column, then only a list, each at the wall clock.
    started = utcnow()
    partner.status = "suspended"
    db.commit()
    assert partner.updated_at >= started
    touched = partner.updated_at
    partner.industries = ["Energy"]
    db.commit()
    assert partner.updated_at > touched


def test_deal_updated_at_moves_with_the_desk_and_the_protection_job(seeded_db):
    db = seeded_db
    deal = register(db, "p01.rep1")
    approve_deal(db, actor_for(db, "channel2"), deal.id, now=NOW + DAY)
    db.commit()
    row = db.get(DealRegistration, deal.id)
    assert row.updated_at == NOW + DAY
    ends = row.protection_ends_at
    run_deal_protection(db, ends)
    db.commit()
    db.refresh(row)
    assert (row.status, row.updated_at) == ("expired", ends)


def test_a_merge_moves_both_customers_and_every_claim_it_moves(seeded_db):
    db = seeded_db
    first = register(db, "p01.rep1", company="Blue Yonder Airlines", **no_domain())
    second = register(db, "p02.rep1", company="Margie's Travel", **no_domain())
    import_direct_opportunities(db, actor_for(db, "channel"), csv_bytes(
        "CRM-9,Margie's Travel,,US,Margie's renewal,1000,2027-03-31,"), now=NOW)
    db.commit()
    keep, gone = (db.get(DealRegistration, d.id).end_customer_id for d in (first, second))
    direct = db.scalar(select(DirectOpportunity).where(DirectOpportunity.external_id == "CRM-9"))
    assert direct.end_customer_id == gone and direct.updated_at == NOW

    merge_end_customers(db, actor_for(db, "channel"), keep, gone, now=NOW + DAY)
    db.commit()
    db.expire_all()
    assert db.get(EndCustomer, keep).updated_at == NOW + DAY
    assert db.get(EndCustomer, gone).updated_at == NOW + DAY
    moved = db.get(DealRegistration, second.id)
    assert (moved.end_customer_id, moved.updated_at) == (keep, NOW + DAY)
    direct = db.get(DirectOpportunity, direct.id)
    assert (direct.end_customer_id, direct.updated_at) == (keep, NOW + DAY)
    assert db.get(DealRegistration, first.id).updated_at >= NOW  # matched again: may move


def test_direct_opportunity_updated_at_moves_with_an_import_that_changes_it(seeded_db):
    db = seeded_db
    cm = actor_for(db, "channel")
    row = "CRM-7,Contoso Ltd,contoso.com,US,Contoso pilot,5000,2027-02-01,"
    import_direct_opportunities(db, cm, csv_bytes(row), now=NOW)
    db.commit()
    import_direct_opportunities(db, cm, csv_bytes(row), now=NOW + DAY)  # unchanged
    db.commit()
    opp = db.scalar(select(DirectOpportunity).where(DirectOpportunity.external_id == "CRM-7"))
    assert opp.updated_at == NOW
    import_direct_opportunities(db, cm, csv_bytes(row.replace("5000", "7000")),
                                now=NOW + 2 * DAY)
    db.commit()
    db.refresh(opp)
    assert opp.updated_at == NOW + 2 * DAY


def test_a_plain_change_of_a_customer_row_moves_it(seeded_db):
    db = seeded_db
    deal = register(db, "p01.rep1", company="Fabrikam", **no_domain())
    customer = db.get(EndCustomer, db.get(DealRegistration, deal.id).end_customer_id)
    started = utcnow()
    customer.domain = "fabrikam.example"
    db.commit()
    assert customer.updated_at >= started > NOW
