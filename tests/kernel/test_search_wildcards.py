"""Issue #14: a search for "%" or "_" looks for that character, not for anything."""

import pytest

from core.accounts import UserFilter, list_users
from core.audit import AuditFilter, list_events
from core.deals import DealFilter, list_deals, list_direct_opportunities
from core.deals.end_customers import list_end_customers
from core.partners import PartnerFilter, list_partners
from tests.conftest import actor_for


def _count(result) -> int:
    return result[1] if isinstance(result, tuple) else len(result)


SEARCHES = {
    "users": lambda db, s: list_users(db, actor_for(db, "admin"), UserFilter(search=s)),
    "partners": lambda db, s: list_partners(db, actor_for(db, "channel"),
                                            PartnerFilter(search=s)),
    "deals": lambda db, s: list_deals(db, actor_for(db, "channel"), DealFilter(search=s)),
    "direct opportunities": lambda db, s: list_direct_opportunities(
        db, actor_for(db, "channel"), search=s),
    "end customers": lambda db, s: list_end_customers(db, actor_for(db, "channel"), s),
    "audit actor": lambda db, s: list_events(db, actor_for(db, "admin"), AuditFilter(actor=s)),
    "audit action": lambda db, s: list_events(db, actor_for(db, "admin"),
                                              AuditFilter(action=s)),
}


@pytest.mark.parametrize("which", sorted(SEARCHES))
def test_a_wildcard_character_is_searched_for_literally(demo_db, which):
    search = SEARCHES[which]
    assert _count(search(demo_db, "")) > 0  # there is something a wildcard would match
    for wildcard in ("%", "_", "%%"):  # no demo name, username or action holds them
        assert _count(search(demo_db, wildcard)) == 0, wildcard
