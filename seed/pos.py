"""Demo POS: a small product catalog (three SKUs a product line), EUR and GBP rates, and a
quarter of sell-through from two distributors (p03 and p09), each in its own shape: p03
writes European dates and decimal commas in EUR, p09 American dates in USD. Their resellers
are demo partners, named as distributors spell them; some lines are for end customers the
resellers registered deals for (the registrations get confirmed). A handful of rows cannot
be cleaned and wait in the exceptions: a SKU written loosely (a suggestion), an unknown SKU, a
date that is not one, a currency without a rate, a reseller nobody knows. Deterministic."""

import csv
import io
import random
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.pos import import_pos
from core.pos.products import save_product
from core.pos.rates import set_rate
from db.models import DealRegistration, EndCustomer, Partner, ProductLine, User

SEED = 1919
LINES_EACH = 90
P03_HEADER = ("Rechnung;Pos;Datum;Artikel;Menge;Einzelpreis;Waehrung;Betrag;Haendler;"
              "Endkunde;Land;PLZ")
P09_HEADER = ("Invoice Number,Line,Invoice Date,Part Number,Qty,Unit Price,Currency,"
              "Extended Price,Reseller,End User,Country,Zip")


def seed_pos(db: Session, *, now: datetime) -> dict[str, int]:
    rng = random.Random(SEED)
    admin = Actor.system("demo-seed")
    products = _catalog(db, admin, now)
    set_rate(db, admin, "EUR", (now - timedelta(days=400)).date(), "1.08", now=now)
    set_rate(db, admin, "GBP", (now - timedelta(days=400)).date(), "1.27", now=now)
    finance = db.scalar(select(User).where(User.username == "finance"))
    actor = Actor.user(finance.id, finance.role, None, finance.username)
    resellers = _resellers(db)
    counts = {}
    for username, header, fmt, european in (("p03.admin", P03_HEADER, "%d/%m/%Y", True),
                                            ("p09.admin", P09_HEADER, "%m/%d/%Y", False)):
        distributor = db.scalar(select(User.partner_id).where(User.username == username))
        rows = _rows(db, rng, products, resellers, distributor, fmt, european, now)
        sep = ";" if european else ","
        out = io.StringIO()
        writer = csv.writer(out, delimiter=sep, lineterminator="\n")
        writer.writerow(header.split(sep))
        writer.writerows(rows)
        data = out.getvalue().encode("utf-8")
        when = now - timedelta(days=3)
        report = import_pos(db, actor, distributor, f"sell-through-{username[:3]}.csv", data,
                            mapping=_mapping(header, sep), now=when)
        counts[username] = report.clean
    return counts


def _catalog(db: Session, admin: Actor, now: datetime) -> list[tuple[str, int, int]]:
    """(SKU, list price in whole dollars, product line id) of the demo's products."""
    out = []
    lines = db.execute(select(ProductLine.id, ProductLine.name).where(ProductLine.active)
                       .order_by(ProductLine.id)).all()
    for line_id, name in lines:
        stem = "".join(w[0] for w in name.upper().split())[:3].ljust(2, "X")
        for n, price in ((100, 1200), (200, 450), (300, 90)):
            sku = f"{stem}{line_id}-{n}"
            save_product(db, admin, {"sku": sku, "name": f"{name} {n}",
                                     "product_line_id": line_id, "list_price": str(price)},
                         now=now)
            out.append((sku, price, line_id))
    return out


def _resellers(db: Session) -> list[tuple[int, str, list[tuple[str, str]]]]:
    """(partner id, name, [(end customer, country) it registered]) of active non-distributors."""
    out = []
    for pid, name in db.execute(select(Partner.id, Partner.name).where(
            Partner.status == "active", Partner.partner_type != "distributor")
            .order_by(Partner.id)).all()[:12]:
        customers = db.execute(select(EndCustomer.name, EndCustomer.country).join(
            DealRegistration, DealRegistration.end_customer_id == EndCustomer.id).where(
            DealRegistration.partner_id == pid, DealRegistration.status.in_(
                ["approved", "won"])).order_by(EndCustomer.id).limit(3)).all()
        out.append((pid, name, [tuple(c) for c in customers]))
    return out


def _rows(db, rng, products, resellers, distributor, fmt, european, now) -> list[list[str]]:
    rows = []
    start = now.date() - timedelta(days=88)
    for i in range(LINES_EACH):
        sku, price, _ = rng.choice(products)
        pid, name, customers = rng.choice(resellers)
        customer, country = rng.choice(customers) if customers and rng.random() < 0.5 else (
            f"Customer {rng.randint(1, 40)}", "DE" if european else "US")
        qty = rng.choice((1, 1, 2, 3, 5, 10)) * (-1 if rng.random() < 0.04 else 1)
        unit = price * rng.choice((0.8, 0.9, 0.95, 1.0))
        day = start + timedelta(days=rng.randint(0, 85))
        spelled = name + (" Ltd" if rng.random() < 0.2 else "")
        rows.append(_cells(f"{'RE' if european else 'INV'}{10_000 + i}", "1", day, sku, qty,
                           unit, "EUR" if european else "USD", spelled, customer, country,
                           fmt, european))
    # A handful that cannot be cleaned, each for its reason.
    sku = products[0][0]
    bad = [("sku_suggestion", sku.lower().replace("-", " "), "EUR" if european else "USD"),
           ("unknown_sku", "ZZ-999", "EUR" if european else "USD"),
           ("no_rate", sku, "CAD"), ("bad_date", sku, "EUR" if european else "USD"),
           ("unknown_reseller", sku, "EUR" if european else "USD")]
    for j, (why, written, currency) in enumerate(bad):
        pid, name, _ = resellers[j % len(resellers)]
        day = start + timedelta(days=10 + j)
        cells = _cells(f"X{j}-{distributor}", "1", day, written, 2, products[0][1], currency,
                       "Unheard Of Trading" if why == "unknown_reseller" else name,
                       "Customer X", "DE" if european else "US", fmt, european)
        if why == "bad_date":
            cells[2] = "sometime in autumn"
        rows.append(cells)
    return rows


def _cells(invoice, line, day: date, sku, qty, unit, currency, reseller, customer, country,
           fmt, european) -> list[str]:
    def money(value: float) -> str:
        text = f"{value:,.2f}"
        return text.replace(",", "_").replace(".", ",").replace("_", ".") if european else text
    return [invoice, line, day.strftime(fmt), sku, str(qty), money(unit), currency,
            money(unit * qty), reseller, customer, country, ""]


def _mapping(header: str, sep: str) -> dict[str, str]:
    fields = ("invoice_number", "invoice_line", "invoice_date", "sku", "quantity",
              "unit_price", "currency", "extended_amount", "reseller", "end_customer_name",
              "end_customer_country", "postal_code")
    return dict(zip(fields, header.split(sep), strict=True))
