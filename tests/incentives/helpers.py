"""A small incentive world on the seeded demo: two products on two product lines, clean POS
lines written straight to the table (the importer has tests of its own), and programs made
and published as the program page makes them."""

from datetime import date
from decimal import Decimal
from itertools import count

from sqlalchemy import select, update

from core.actor import Actor
from core.incentives.programs import create_program, publish
from core.pos.products import save_product
from db.models import Partner, PosFile, PosLine, ProductLine, Tier
from tests.conftest import NOW
from tests.pos.helpers import partner_of

D = Decimal
SYSTEM = Actor.system("test")
_invoices = count(1)


def world(db) -> dict:
    lines = db.scalars(select(ProductLine.id).order_by(ProductLine.id)).all()
    a = save_product(db, SYSTEM, {"sku": "NX-100", "name": "Nexus 100",
                                  "product_line_id": lines[0], "list_price": "1000"}, now=NOW)
    b = save_product(db, SYSTEM, {"sku": "NX-200", "name": "Nexus 200",
                                  "product_line_id": lines[1], "list_price": "25"}, now=NOW)
    p02, p03, p04 = (partner_of(db, f"p0{i}.admin") for i in (2, 3, 4))
    tiers = dict(db.execute(select(Tier.name, Tier.id)).tuples().all())
    for partner, tier in ((p02, "Silver"), (p03, "Gold"), (p04, "Gold")):
        db.execute(update(Partner).where(Partner.id == partner).values(tier_id=tiers[tier]))
    file = PosFile(partner_id=p02, file_name="t.csv", sha256="0" * 64, size=1,
                   uploaded_by_label="test")
    db.add(file)
    db.flush()
    return {"lines": lines, "nx100": a.id, "nx200": b.id, "p02": p02, "p03": p03, "p04": p04,
            "tiers": tiers, "file": file.id}


def sale(db, w, seller: str, day: date, amount: str, *, product: str = "nx100", qty: int = 1,
         rep: str | None = None) -> PosLine:
    """One clean line sold by `seller` ("p02"...), `amount` in the base currency."""
    n = next(_invoices)
    product_id = w[product]
    line = PosLine(file_id=w["file"], row_number=n + 1, partner_id=w[seller], seller_id=w[seller],
                   invoice_number=f"T-{n}", invoice_line="1", invoice_date=day,
                   product_id=product_id,
                   product_line_id=w["lines"][0 if product == "nx100" else 1], quantity=qty,
                   unit_price=D(amount) / (abs(qty) or 1), currency="USD",
                   extended_amount=D(amount), amount=D(amount), end_customer_name="Acme",
                   rep_email=rep, outlier=False)
    db.add(line)
    db.flush()
    return line


def volume_program(**terms) -> dict:
    data = {"name": "Volume rebate", "kind": "volume", "starts_on": date(2025, 1, 1),
            "brackets": [{"threshold": "100000", "rate_percent": "2"},
                         {"threshold": "250000", "rate_percent": "3"}], "basis": "above"}
    data.update(terms)
    return data


def growth_program(**terms) -> dict:
    data = {"name": "Growth rebate", "kind": "growth", "starts_on": date(2025, 1, 1),
            "rate_percent": "5", "min_growth_percent": "10"}
    data.update(terms)
    return data


def spiff_program(w, **terms) -> dict:
    data = {"name": "August SPIFF", "kind": "spiff", "starts_on": date(2026, 8, 1),
            "ends_on": date(2026, 8, 31), "product_ids": [w["nx200"]],
            "amount_per_unit": "25", "payee": "rep"}
    data.update(terms)
    return data


def published(db, data: dict, effective_from: date = date(2025, 1, 1)) -> int:
    """A program created and published from a quarter (the clock set back so the quarter is
    not over yet when it is published)."""
    from datetime import UTC, datetime

    program = create_program(db, SYSTEM, data, now=NOW)
    publish(db, SYSTEM, program.id, effective_from,
            now=datetime.combine(effective_from, datetime.min.time(), UTC))
    return program.id
