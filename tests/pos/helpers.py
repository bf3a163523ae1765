"""A small POS world on the seeded demo: two products, a EUR rate, a distributor that sells
through two demo partners, and files written as distributors write them."""

from datetime import date
from decimal import Decimal

from sqlalchemy import select, update

from core.actor import Actor
from core.pos import import_pos
from core.pos.products import save_product
from core.pos.rates import set_rate
from db.models import Partner, ProductLine, User
from tests.conftest import NOW

D = Decimal
SYSTEM = Actor.system("test")
HEADER = ("Invoice No;Line;Invoice Date;Part Number;Qty;Unit Price;Currency;Extended Amount;"
          "Reseller Name;End User;Country;Zip")


def pos_world(db) -> dict:
    """Products NX-100 (list 1,000.00) and NX-200 (250.50), EUR at 1.08 from 2026-01-01,
    p40 made a distributor; the ids a test needs."""
    lines = db.scalars(select(ProductLine.id).order_by(ProductLine.id)).all()
    save_product(db, SYSTEM, {"sku": "NX-100", "name": "Nexus 100", "product_line_id": lines[0],
                              "list_price": "1000"}, now=NOW)
    save_product(db, SYSTEM, {"sku": "NX-200", "name": "Nexus 200", "product_line_id": lines[1],
                              "list_price": "250.50"}, now=NOW)
    set_rate(db, SYSTEM, "EUR", date(2026, 1, 1), "1.08", now=NOW)
    distributor = partner_of(db, "p40.admin")
    db.execute(update(Partner).where(Partner.id == distributor)
               .values(partner_type="distributor"))
    db.flush()
    names = dict(db.execute(select(Partner.id, Partner.name)).all())
    return {"distributor": distributor, "lines": lines, "p02": partner_of(db, "p02.admin"),
            "p02_name": names[partner_of(db, "p02.admin")],
            "p03_name": names[partner_of(db, "p03.admin")]}


def partner_of(db, username: str) -> int:
    return db.scalar(select(User.partner_id).where(User.username == username))


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def row(invoice="INV-1", line="1", day="03/11/2026", sku="NX-100", qty="2",
        unit="1.000,00", currency="EUR", extended="2.000,00", reseller="Potter-Willis",
        customer="Acme GmbH", country="DE", zip_="80331") -> str:
    return ";".join((invoice, line, day, sku, qty, unit, currency, extended, reseller,
                     customer, country, zip_))


def send(db, world, *rows: str, dry_run=False, actor=SYSTEM, **kwargs):
    return import_pos(db, actor, world["distributor"], "report.csv", csv_file(*rows),
                      dry_run=dry_run, now=NOW, **kwargs)
