"""Co-op accrual from POS sell-through (issue #19): a partner's clean POS lines in the period
join its won deals in the base, a line that confirmed a registration counts once (through the
deal), runs stay idempotent, and a return takes back nothing already accrued."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.funds import accrue_coop
from core.funds.ledger import balance
from db.models import FundAllocation, FundLedgerEntry, PosFile, PosLine, Product, Tier
from tests.conftest import NOW, actor_for
from tests.funds.helpers import D, admin_of_tier, new_program, tier_ids, won_deal
from tests.pos.helpers import pos_world

pytestmark = pytest.mark.usefixtures("backend")


def sold(db, partner_id: int, invoice: str, amount: str, *, days_ago: int = 1,
         deal_id: int | None = None) -> None:
    """A clean POS line the partner reported and sold, `amount` in the base currency."""
    product = db.scalars(select(Product).order_by(Product.id)).first()
    file = PosFile(partner_id=partner_id, file_name=f"{invoice}.csv", sha256=invoice.ljust(64,
                   "0"), size=1, rows=1, clean=1, clean_amount=D(amount), uploaded_at=NOW)
    db.add(file)
    db.flush()
    quantity = -1 if D(amount) < 0 else 1
    db.add(PosLine(file_id=file.id, row_number=2, partner_id=partner_id, seller_id=partner_id,
                   invoice_number=invoice, invoice_line="1",
                   invoice_date=NOW.date() - timedelta(days=days_ago), product_id=product.id,
                   product_line_id=product.product_line_id, quantity=quantity,
                   unit_price=abs(D(amount)), currency="USD", extended_amount=D(amount),
                   amount=D(amount), deal_id=deal_id, created_at=NOW))
    db.flush()


def test_coop_accrues_on_won_deals_and_untied_pos_lines_once_and_never_back(seeded_db):
    db = seeded_db
    db.execute(update(Tier).values(mdf_eligible=True))
    pos_world(db)
    admin = admin_of_tier(db, "Gold")
    partner = actor_for(db, admin).partner_id
    program = new_program(db, kind="coop", accrual_percent="2.5", budget="1000000",
                          eligible_tier_ids=tier_ids(db, "Gold"))
    deal = won_deal(db, admin, 1, "40000.10")  # X
    sold(db, partner, "INV-T", "1234.56", deal_id=deal)  # confirmed the deal: counted in X
    sold(db, partner, "INV-A", "789.01")
    sold(db, partner, "INV-B", "0.33")
    sold(db, partner, "INV-OLD", "9999.99", days_ago=40)  # before the program's period

    accrue_coop(db, now=NOW)
    allocation = db.scalar(select(FundAllocation.id).where(
        FundAllocation.program_id == program.id, FundAllocation.partner_id == partner))
    # 2.5% of (40,000.10 + 789.01 + 0.33) = 1,019.736 -> 1,019.74 (with the tied line counted
    # twice it would be 1,050.60).
    assert balance(db, allocation).allocated == D("1019.74")
    reasons = db.scalars(select(FundLedgerEntry.reason).where(
        FundLedgerEntry.allocation_id == allocation, FundLedgerEntry.kind == "accrue")).all()
    assert reasons == ["2.50% of won revenue and POS sales"]

    accrue_coop(db, now=NOW + timedelta(hours=1))  # nothing new: nothing more
    assert balance(db, allocation).allocated == D("1019.74")

    sold(db, partner, "INV-R", "-5000.00", days_ago=0)  # a return: the base falls
    accrue_coop(db, now=NOW + timedelta(hours=2))
    assert balance(db, allocation).allocated == D("1019.74")  # nothing taken back

    sold(db, partner, "INV-C", "5100.00", days_ago=0)  # the base passes its old height
    accrue_coop(db, now=NOW + timedelta(hours=3))
    # 2.5% of 40,889.44 = 1,022.236 -> 1,022.24: only the difference, 2.50, moves.
    assert balance(db, allocation).allocated == D("1022.24")
    moves = db.scalars(select(FundLedgerEntry.amount).where(
        FundLedgerEntry.allocation_id == allocation).order_by(FundLedgerEntry.id)).all()
    assert moves == [D("1019.74"), D("2.50")] and all(m > 0 for m in moves)
