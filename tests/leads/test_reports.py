"""What the channel team and partners read about leads (issue #17), on the demo: the queue in
each status, per-partner figures and who may read them, the CSV export and the routing
settings page's service."""

import csv
import io

import pytest

from core.errors import NotFound, PermissionDenied, RuleViolation
from core.leads import (
    DEFAULT_WEIGHTS,
    LeadStatus,
    create_lead,
    lead_stats,
    list_leads,
    queue_counts,
    routing_weights,
    set_routing,
)
from core.leads.records import export_leads
from tests.conftest import NOW, actor_for

VENDOR = ["admin", "channel", "marketing", "finance", "exec", "analyst"]


def test_the_demo_has_leads_in_every_status_and_offers_waiting_on_p01(demo_db):
    counts = queue_counts(demo_db, actor_for(demo_db, "marketing"))
    assert all(getattr(counts, s) > 0 for s in ("new", "offered", "rejected", "returned",
                                                  "accepted", "converted", "disqualified"))
    mine = list_leads(demo_db, actor_for(demo_db, "p01.rep1"),
                      statuses=[LeadStatus.OFFERED.value])
    assert mine.total >= 3 and all(not x.contact_shown for x in mine.leads)


@pytest.mark.parametrize("username", VENDOR)
def test_the_vendor_reads_every_partners_lead_figures(demo_db, username):
    stats = lead_stats(demo_db, actor_for(demo_db, username), days=365, now=NOW)
    assert len(stats) >= 10
    busiest = max(stats, key=lambda s: s.offers)
    # Every offer waits, was answered, lapsed, or (moved by hand) was withdrawn.
    assert busiest.offers >= busiest.accepted + busiest.rejected + busiest.lapsed + \
        busiest.waiting > 0
    assert busiest.acceptance == busiest.accepted / (busiest.accepted + busiest.rejected +
                                                      busiest.lapsed)
    assert sum(s.converted for s in stats) > 0 and sum(s.lapsed for s in stats) > 0


def test_a_partner_admin_reads_its_own_figures_only(demo_db):
    admin = actor_for(demo_db, "p01.admin")
    [own] = lead_stats(demo_db, admin, days=365, now=NOW)
    assert own.partner_id == admin.partner_id
    with pytest.raises(NotFound):
        lead_stats(demo_db, admin, partner_id=actor_for(demo_db, "p02.admin").partner_id)
    with pytest.raises(PermissionDenied):
        lead_stats(demo_db, actor_for(demo_db, "p01.rep1"))
    with pytest.raises(PermissionDenied):
        queue_counts(demo_db, admin)


def test_the_export_has_every_matching_lead_with_formulas_neutralised(seeded_db):
    db = seeded_db
    marketing = actor_for(db, "marketing")
    create_lead(db, marketing, {"company": '=HYPERLINK("http://x.example","click")',
                                "email": "f@formula.example", "country": "US"}, now=NOW)
    rows = list(csv.reader(io.StringIO(export_leads(db, marketing).decode("utf-8-sig"))))
    assert rows[0][:3] == ["id", "company", "website"]
    [row] = [r for r in rows if r[5] == "f@formula.example"]
    assert row[1] == "'=HYPERLINK(\"http://x.example\",\"click\")"
    with pytest.raises(PermissionDenied):
        export_leads(db, actor_for(db, "finance"))


def test_the_admin_sets_the_weights_and_the_offers_before_return(seeded_db):
    db = seeded_db
    admin = actor_for(db, "admin")
    assert routing_weights(db) == DEFAULT_WEIGHTS
    after = set_routing(db, admin, {"fairness": 0, "territory": 80}, {"max_offers": 5})
    assert (after["fairness"], after["territory"], after["max_offers"]) == (0, 80, 5)
    with pytest.raises(RuleViolation, match="whole number from 0 to 100"):
        set_routing(db, admin, {"tier": 101})
    with pytest.raises(RuleViolation, match="at least one factor"):
        set_routing(db, admin, dict.fromkeys(DEFAULT_WEIGHTS, 0))
    with pytest.raises(RuleViolation, match="no setting"):
        set_routing(db, admin, {"luck": 5})
    with pytest.raises(PermissionDenied):
        set_routing(db, actor_for(db, "channel"), {"tier": 5})
    assert routing_weights(db)["territory"] == 80
