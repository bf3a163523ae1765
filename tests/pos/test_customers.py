"""End customers for lines whose name did not match exactly: the job proposes the one the
company-name matcher finds in the same country; confirming it gives the lines their end
customer and confirms the registration they now match; a name with no candidate is looked
at once."""

import pytest
from sqlalchemy import select

from core.deals import approve_deal, register_deal
from core.errors import PermissionDenied
from core.pos.customers import decide_proposal, list_proposals, propose_customers
from db.models import DealRegistration, PosLine
from tests.conftest import NOW, actor_for
from tests.deals.test_deals import form
from tests.pos.helpers import SYSTEM, pos_world, row, send

pytestmark = pytest.mark.usefixtures("backend")


def test_a_misspelt_customer_is_proposed_then_confirmed(seeded_db):
    world = pos_world(seeded_db)
    rep = actor_for(seeded_db, "p02.admin")
    deal = register_deal(seeded_db, rep, form(seeded_db, company="Brightwater Analytics",
                                              country="DE", website="brightwater.example",
                                              product_line_ids=[world["lines"][0]]), now=NOW)
    if deal.status != "approved":
        approve_deal(seeded_db, actor_for(seeded_db, "channel"), deal.id, now=NOW)
    send(seeded_db, world, row(invoice="M1", customer="Brightwatter Analytics GmbH"),
         row(invoice="M2", customer="Nothing Like It Corp"))
    assert seeded_db.scalar(select(PosLine.end_customer_id).where(
        PosLine.invoice_number == "M1")) is None
    assert propose_customers(
        seeded_db, now=NOW) == "2 end-customer names looked at, 1 matches proposed"
    [proposal] = list_proposals(seeded_db, SYSTEM)
    assert (proposal.name, proposal.end_customer_name) == ("Brightwatter Analytics GmbH",
                                                           "Brightwater Analytics")
    assert proposal.score >= 75
    assert decide_proposal(seeded_db, SYSTEM, proposal.name, "DE", True, now=NOW) == 1
    customer = seeded_db.scalar(select(PosLine.end_customer_id).where(
        PosLine.invoice_number == "M1"))
    assert customer == seeded_db.get(DealRegistration, deal.id).end_customer_id
    assert seeded_db.get(DealRegistration, deal.id).pos_confirmed_at is not None
    assert propose_customers(seeded_db, now=NOW).startswith("0 end-customer names")
    with pytest.raises(PermissionDenied):
        list_proposals(seeded_db, actor_for(seeded_db, "exec"))
