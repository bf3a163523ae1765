"""The demo deals: made through the services, across the lifecycle, with conflicts to show."""

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from core.deals import DealStatus, DeskFilter, desk_queue, won_revenue
from db.models import DealRegistration, Lead, Partner
from seed.deals import DEAL_COUNT
from tests.conftest import NOW, actor_for

S = DealStatus


def test_demo_deals_cover_the_lifecycle_and_give_the_desk_real_conflicts(demo_db):
    # The demo every page test reads (seed_deals at NOW, then the other seeds): converted
    # leads added their own registrations after the deals seed.
    db = demo_db
    from_leads = set(db.scalars(select(Lead.deal_id).where(Lead.deal_id.is_not(None))))
    deals = [d for d in db.scalars(select(DealRegistration)) if d.id not in from_leads]
    assert len(deals) == DEAL_COUNT
    statuses = Counter(d.status for d in deals)
    assert set(statuses) == set(S)  # every status is there
    for d in deals:
        if d.status == S.APPROVED:
            assert d.protection_ends_at > NOW  # the expiry job ran at NOW
        if d.status == S.WON:
            assert d.final_amount > 0 and d.closed_on <= NOW.date()
        assert d.submitted_at <= NOW
    rows, total = desk_queue(db, actor_for(db, "channel"), DeskFilter(match="conflict"),
                             now=NOW)
    assert total >= 5 and all(r.match_verdict == "conflict" for r in rows)
    earning = [p.id for p in db.scalars(select(Partner))
               if won_revenue(db, p.id, now=NOW) > 0]
    assert len(earning) >= 10
    assert max(d.submitted_at for d in deals) > NOW - timedelta(days=14)
