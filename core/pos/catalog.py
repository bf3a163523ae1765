"""What cleansing reads from the database, once per import: the products by SKU, the
currency rates, the partners by normalized name, a submitter's template and the dedupe keys
it already has."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.customers import normalize_name
from core.pos.cleanse import Catalog, sku_key
from core.settings import get_settings
from db.models import CurrencyRate, Partner, PosException, PosLine, Product

CHUNK = 900


def load_catalog(db: Session, today: date) -> Catalog:
    products = {sku: (pid, line, int(price * 100)) for pid, sku, line, price in db.execute(
        select(Product.id, Product.sku, Product.product_line_id, Product.list_price)
        .where(Product.active))}
    rates: dict[str, list] = defaultdict(list)
    for currency, day, rate in db.execute(select(CurrencyRate.currency, CurrencyRate.valid_on,
                                                 CurrencyRate.rate)
                                          .order_by(CurrencyRate.currency,
                                                    CurrencyRate.valid_on)):
        rates[currency].append((day, Fraction(rate)))
    partners = {}
    for pid, name in db.execute(select(Partner.id, Partner.name).order_by(Partner.id)):
        partners.setdefault(normalize_name(name), pid)
    return Catalog(products, {sku_key(s): s for s in products}, dict(rates), partners,
                   get_settings().base_currency, today)


def existing_keys(db: Session, partner_id: int, keys: Iterable[str],
                  invoices: Iterable[str]) -> set[str]:
    """The dedupe keys among `keys` that the submitter's lines or exceptions already hold
    (read by its invoice numbers, in chunks: an index look-up each)."""
    wanted = set(keys)
    found: set[str] = set()
    numbers = sorted({i for i in invoices if i})
    for i in range(0, len(numbers), CHUNK):
        part = numbers[i:i + CHUNK]
        found.update(f"{n}|{line}" for n, line in db.execute(
            select(PosLine.invoice_number, PosLine.invoice_line).where(
                PosLine.partner_id == partner_id, PosLine.invoice_number.in_(part))))
    # A submitter's exceptions are few beside its lines: read their keys at once.
    found.update(db.scalars(select(PosException.dedupe_key).where(
        PosException.partner_id == partner_id)))
    return found & wanted
