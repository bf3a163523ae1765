"""POS at scale: a distributor's sell-through file of N lines (2,000,000 by default, about 290
MB), as a US distributor's ERP exports it, and the small world it is read against.

`pos_world()` is the world, deterministic and independent of any database: a distributor, the
resellers it sells through (company names of seed.company_names, each with its country), a
product catalog over the seven product lines of the migrations (SKUs like "SEC-2400-PRO", list
prices), the end customers the file names (END_CUSTOMERS, with country and postal code) and
the rates of EUR, GBP, CAD and JPY. `seed_pos_world(db, world, now=...)` writes it into a
migrated database (bulk inserts around the services, as the other scale seeds; what is there
already is kept): the partners, the products, a rate each weekday of the last three years,
and one end customer in KNOWN_CUSTOMERS as an end customer of ours (lines for it match it
exactly). `write_pos_csv(path, lines, world)` writes the file.

The file (its own random stream; numpy over whole columns, a Python loop only per customer,
reseller or distinct value, never per line): invoices of one to a dozen lines, each for one
end customer, a reseller of the customer's country (spelled as registered, in capitals, or
without its legal suffix), one rep and the currency of the customer's country; unit prices a
discount off the list price in that currency, extended amounts written with thousands
separators (quoted), American dates over the last year. About 2% of the lines are returns
(negative quantity and amount), 0.2% repeat an earlier line (the same invoice and line:
duplicates), and DIRTY (0.5%) carry one bad value each, in equal parts: a date that is none,
a date in the future, an unknown SKU, a SKU written loosely or with a typo (a suggestion), a
required field left blank, an amount that is none (or a quantity of 0), a reseller nobody
knows, a currency without a rate, a price far from the list price (an outlier).

`python -m seed.scale_pos FILE [--lines N]` writes a file alone."""

import argparse
import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from core.customers import normalize_name
from core.pos.cleanse import sku_key
from db.models import CurrencyRate, EndCustomer, Partner, Product, ProductLine, Tier
from seed.company_names import NameMaker, split_suffix
from seed.scale_leads import CATALOG

LINES = 2_000_000
RESELLERS = 1_500
END_CUSTOMERS = 60_000
KNOWN_CUSTOMERS = 3  # one end customer in three is one of ours already (an exact match)
REPS = 240
DAYS = 365  # the file's invoices: the last year
RATE_DAYS = 3 * 365  # the rates seeded: daily over the last three years
SEED = 1967
DISTRIBUTOR = "Bench Distribution Inc"
HEADER = ("Invoice Number", "Line", "Invoice Date", "Part Number", "Qty", "Unit Price",
          "Currency", "Extended Price", "Reseller", "End User", "Country", "Zip",
          "Sales Rep Email")
RETURNS = 0.02
DUPLICATES = 0.002
DIRTY = 0.005
DIRT = ("bad_date", "future_date", "unknown_sku", "sku_suggestion", "missing_field",
        "bad_amount", "unknown_reseller", "no_rate", "outlier")
# Country of the end customers (and resellers), its share, and its currency.
COUNTRIES = (("US", 0.58, "USD"), ("CA", 0.09, "CAD"), ("GB", 0.09, "GBP"),
             ("DE", 0.08, "EUR"), ("FR", 0.05, "EUR"), ("NL", 0.04, "EUR"),
             ("JP", 0.04, "JPY"), ("MX", 0.03, "USD"))
# Units of the base currency (USD) one unit buys, about: the rates wander around these.
RATES = {"EUR": 1.08, "GBP": 1.27, "CAD": 0.73, "JPY": 0.0067}
SERIES = ("STD", "PRO", "ENT", "XL")
MODELS_PER_LINE = 12  # x SERIES: 48 SKUs a product line, 336 in all
DATE_FORMAT = "%m/%d/%Y"


@dataclass(frozen=True)
class PosWorld:
    distributor: str
    resellers: tuple[tuple[str, str], ...]  # (name as registered, country)
    products: tuple[tuple[str, str, str, int], ...]  # (SKU, name, product line, list cents)
    customers: tuple[tuple[str, str, str], ...]  # end customers: (name, country, postal code)


def pos_world(resellers: int = RESELLERS) -> PosWorld:
    """The same world every time: reseller names unique once normalized (as POS matches
    them), SKUs whose loose spellings and one-letter typos name no other SKU."""
    rng = random.Random(SEED)
    maker = NameMaker(rng)
    countries = [c for c, _, _ in COUNTRIES]
    weights = [w for _, w, _ in COUNTRIES]
    names: list[tuple[str, str]] = []
    seen = {normalize_name(DISTRIBUTOR)}
    while len(names) < resellers:
        country = rng.choices(countries, weights)[0]
        name, _ = maker.name(country)
        key = normalize_name(name)
        if key and key not in seen and len(name) <= 120:
            seen.add(key)
            names.append((name, country))
    products = []
    for line in CATALOG:
        stem = line.split()[0].upper()[:3]
        for m in range(MODELS_PER_LINE):
            model = 1000 + 400 * m
            base = rng.choice((90, 150, 240, 450, 800, 1200, 2500, 4800, 9600))
            for s, series in enumerate(SERIES):
                cents = base * (10 + 6 * s) * 10
                products.append((f"{stem}-{model}-{series}", f"{line} {model} {series.title()}",
                                 line, cents))
    return PosWorld(DISTRIBUTOR, tuple(names), tuple(products), tuple(_customers(rng)))


def seed_pos_world(db: Session, world: PosWorld, *, now: datetime) -> dict[str, int]:
    """The distributor, its resellers, the products and the rates, where missing. Returns
    {"distributor": its partner id, "resellers", "products", "rates": how many there are}."""
    tier = db.scalar(select(Tier.id).order_by(Tier.rank).limit(1))
    existing = dict(db.execute(select(Partner.name, Partner.id)).all())
    distributor = existing.get(world.distributor)
    if distributor is None:
        distributor = db.scalar(insert(Partner).returning(Partner.id), [dict(
            name=world.distributor, website="https://benchdistribution.example", country="US",
            partner_type="distributor", tier_id=tier, status="active", created_at=now)])
    rows = [dict(name=name, website=None, country=country,
                 partner_type=("reseller", "var", "msp")[i % 3], tier_id=tier,
                 status="active", parent_partner_id=distributor, created_at=now)
            for i, (name, country) in enumerate(world.resellers) if name not in existing]
    for i in range(0, len(rows), 5_000):
        db.execute(insert(Partner), rows[i:i + 5_000])
    lines = dict(db.execute(select(ProductLine.name, ProductLine.id)).all())
    skus = set(db.scalars(select(Product.sku)))
    rows = [dict(sku=sku, sku_key=sku_key(sku), name=name, product_line_id=lines[line],
                 list_price=Decimal(cents) / 100, active=True, created_at=now)
            for sku, name, line, cents in world.products if sku not in skus and line in lines]
    if rows:
        db.execute(insert(Product), rows)
    known = set(db.execute(select(EndCustomer.name, EndCustomer.country)).all())
    rows = [dict(name=name, normalized_name=normalize_name(name), country=country,
                 created_at=now)
            for name, country, _ in world.customers[::KNOWN_CUSTOMERS]
            if (name, country) not in known]
    for i in range(0, len(rows), 5_000):
        db.execute(insert(EndCustomer), rows[i:i + 5_000])
    have = set(db.execute(select(CurrencyRate.currency, CurrencyRate.valid_on)).all())
    rows = [dict(currency=c, valid_on=d, rate=r, created_at=now)
            for c, d, r in _rates(now.date()) if (c, d) not in have]
    for i in range(0, len(rows), 5_000):
        db.execute(insert(CurrencyRate), rows[i:i + 5_000])
    db.flush()
    return {"distributor": distributor, "resellers": len(world.resellers),
            "products": len(world.products), "rates": len(have) + len(rows),
            "end_customers": db.scalar(select(func.count()).select_from(EndCustomer))}


def _rates(today: date) -> list[tuple[str, date, str]]:
    """Each weekday's rate over RATE_DAYS, a random walk around RATES (6 decimals)."""
    rng = np.random.default_rng(SEED)
    days = [today - timedelta(days=d) for d in range(RATE_DAYS, -1, -1)]
    days = [d for d in days if d.weekday() < 5]
    out = []
    for currency, level in RATES.items():
        walk = np.exp(np.cumsum(rng.normal(0, 0.003, len(days))))
        walk = walk / walk.mean()
        out += [(currency, d, f"{level * w:.8f}".rstrip("0"))
                for d, w in zip(days, walk, strict=True)]
    return out


# ---------------------------------------------------------------- the file


def write_pos_csv(path: Path, lines: int = LINES, world: PosWorld | None = None, *,
                  today: date | None = None) -> int:
    """Write the file (see above); returns its size in bytes."""
    world = world or pos_world()
    today = today or date.today()
    frame = pos_frame(lines, world, today)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    frame.to_csv(temporary, index=False, lineterminator="\n")
    temporary.replace(path)
    return path.stat().st_size


def pos_frame(n: int, world: PosWorld, today: date) -> pd.DataFrame:
    rng = np.random.default_rng(SEED + n)
    # Invoices: one to a dozen lines each (most have few); the last one cut to fit n.
    sizes = np.minimum(rng.geometric(0.45, n // 2 + 16), 12)
    sizes = sizes[:np.searchsorted(np.cumsum(sizes), n) + 1]
    sizes[-1] -= sizes.sum() - n
    invoices = len(sizes)
    inv = np.repeat(np.arange(invoices), sizes)
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    line_no = np.arange(n) - starts + 1

    # What an invoice is for: a customer (and so its country and currency), a reseller of
    # that country when there is one, a day, a rep; invoices come in date order.
    names, countries, postal = (np.array(v, dtype=object)
                                for v in zip(*world.customers, strict=True))
    cust = rng.integers(0, len(world.customers), invoices)
    country = countries[cust]
    by_country = {c: np.array([i for i, (_, rc) in enumerate(world.resellers) if rc == c])
                  for c, _, _ in COUNTRIES}
    seller = rng.integers(0, len(world.resellers), invoices)
    for c, pool in by_country.items():
        mask = country == c
        if len(pool) and mask.any():
            seller[mask] = pool[rng.integers(0, len(pool), int(mask.sum()))]
    spelled = _spellings(world)
    seller_text = spelled[seller, rng.choice(3, invoices, p=(0.8, 0.1, 0.1))]
    day_offset = np.sort(rng.integers(1, DAYS + 1, invoices))[::-1]
    paid_in = dict((c, cur) for c, _, cur in COUNTRIES)
    currency = np.array([paid_in[c] for c in countries], dtype=object)  # by customer
    reps = np.array([f"{f}.{s}@benchdist.com" for f, s in zip(
        rng.choice(FIRST, REPS), rng.choice(LAST, REPS), strict=True)], dtype=object)
    rep = rng.integers(0, REPS, invoices)

    # Lines: a SKU, a quantity, a discount off its list price in the invoice's currency.
    skus = np.array([p[0] for p in world.products], dtype=object)
    listed = np.array([p[3] for p in world.products], dtype=np.int64)
    product = rng.zipf(1.15, n) % len(skus)
    qty = np.where(rng.random(n) < 0.7, rng.integers(1, 6, n),
                   np.where(rng.random(n) < 0.83, rng.integers(6, 51, n),
                            rng.integers(51, 501, n)))
    qty = np.where(rng.random(n) < RETURNS, -qty, qty)
    cur = currency[cust][inv]
    rate = np.array([RATES.get(c, 1.0) for c in currency])[cust][inv]
    discount = 1 - 0.05 * rng.integers(0, 7, n)
    whole = cur == "JPY"
    unit = np.round(listed[product] * discount / rate / np.where(whole, 100, 1))
    unit = (unit * np.where(whole, 100, 1)).astype(np.int64)
    extended = unit * qty

    cols = {
        "Invoice Number": _text(10_000_000 + inv, lambda v: f"INV-{v}"),
        "Line": _text(line_no, str),
        "Invoice Date": _text(day_offset, lambda d: (today - timedelta(days=int(d)))
                              .strftime(DATE_FORMAT))[inv],
        "Part Number": skus[product],
        "Qty": _text(qty, str),
        "Unit Price": _text(unit, _money),
        "Currency": cur,
        "Extended Price": _text(extended, _money),
        "Reseller": seller_text[inv],
        "End User": names[cust][inv],
        "Country": country[inv],
        "Zip": postal[cust][inv],
        "Sales Rep Email": reps[rep][inv],
    }
    _dirty(rng, n, cols, skus, today)
    # Duplicates: an earlier line sent again, whole.
    again = np.flatnonzero(rng.random(n) < DUPLICATES)
    again = again[again > 0]
    source = (rng.random(len(again)) * again).astype(np.int64)
    for name in cols:
        cols[name][again] = cols[name][source]
    return pd.DataFrame(cols, columns=HEADER)


def _text(values: np.ndarray, fmt) -> np.ndarray:
    """`fmt` of each value, run once per distinct value."""
    distinct, back = np.unique(values, return_inverse=True)
    return np.array([fmt(v) for v in distinct.tolist()], dtype=object)[back.ravel()]


def _money(cents: int) -> str:
    return f"{cents / 100:,.2f}"


def _spellings(world: PosWorld) -> np.ndarray:
    """Each reseller as registered, in capitals, and without its legal suffix."""
    return np.array([(name, name.upper(), split_suffix(name)[0])
                     for name, _ in world.resellers], dtype=object)


def _customers(rng: random.Random) -> list[tuple[str, str, str]]:
    """END_CUSTOMERS (name, country, postal code), the countries weighted as COUNTRIES."""
    maker = NameMaker(rng)
    codes = [c for c, _, _ in COUNTRIES]
    weights = [w for _, w, _ in COUNTRIES]
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    out = []
    for c in rng.choices(codes, weights, k=END_CUSTOMERS):
        d = rng.randrange(100_000)
        a, b, x, y = rng.choices(letters, k=4)
        postal = {"CA": f"{a}{d % 10}{b} {d // 10 % 10}{x}{d // 100 % 10}",
                  "GB": f"{a}{b}{d % 10} {d // 10 % 10}{x}{y}",
                  "NL": f"{1000 + d % 9000} {a}{b}",
                  "JP": f"{100 + d % 900}-{d % 10_000:04d}"}.get(c, f"{d:05d}")
        out.append((maker.name(c)[0], c, postal))
    return out


def _dirty(rng: np.random.Generator, n: int, cols: dict[str, np.ndarray], skus: np.ndarray,
           today: date) -> None:
    """DIRTY of the lines get one bad value each, DIRT's kinds in equal parts."""
    rows = np.flatnonzero(rng.random(n) < DIRTY)
    kind = rng.integers(0, len(DIRT), len(rows))

    def at(name: str) -> np.ndarray:
        return rows[kind == DIRT.index(name)]

    r = at("bad_date")
    cols["Invoice Date"][r] = np.array(["TBD", "13/45/2025", "N/A", "2025-02-30", "Q3"],
                                       dtype=object)[rng.integers(0, 5, len(r))]
    r = at("future_date")
    cols["Invoice Date"][r] = (today + timedelta(days=300)).strftime(DATE_FORMAT)
    r = at("unknown_sku")
    cols["Part Number"][r] = _text(rng.integers(100, 999, len(r)), lambda v: f"ZZ-{v}-OLD")
    r = at("sku_suggestion")
    loose = np.array([s.lower().replace("-", " ") for s in skus], dtype=object)
    typo = np.array([s.replace("0", "", 1) for s in skus], dtype=object)  # 4-digit models
    pick = rng.integers(0, len(skus), len(r))
    cols["Part Number"][r] = np.where(rng.random(len(r)) < 0.5, loose[pick], typo[pick])
    r = at("missing_field")
    which = rng.integers(0, 4, len(r))
    for i, name in enumerate(("Part Number", "Qty", "Invoice Number", "Reseller")):
        cols[name][r[which == i]] = ""
    r = at("bad_amount")
    cols["Qty"][r[::2]] = "0"
    cols["Unit Price"][r[1::2]] = "12.3.4"
    r = at("unknown_reseller")
    cols["Reseller"][r] = _text(rng.integers(1, 200, len(r)), lambda v: f"Unheard Of Trading {v}")
    r = at("no_rate")
    cols["Currency"][r] = "CHF"
    r = at("outlier")
    cols["Unit Price"][r] = "0.01"
    cols["Extended Price"][r] = ""


FIRST = ("james", "mary", "robert", "patricia", "john", "jennifer", "michael", "linda",
         "david", "elizabeth", "william", "barbara", "richard", "susan", "joseph", "jessica",
         "thomas", "sarah", "carlos", "maria", "wei", "yuki", "ahmed", "fatima", "lukas",
         "sophie", "pierre", "emma", "raj", "priya")
LAST = ("smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis",
        "rodriguez", "martinez", "hernandez", "lopez", "gonzalez", "wilson", "anderson",
        "thomas", "taylor", "moore", "jackson", "martin", "lee", "perez", "thompson", "white",
        "harris", "sanchez", "clark", "ramirez", "lewis", "robinson", "mueller", "schmidt",
        "tanaka", "sato", "dubois", "bernard", "patel", "shah", "nguyen", "kim")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m seed.scale_pos")
    parser.add_argument("file", type=Path)
    parser.add_argument("--lines", type=int, default=LINES)
    args = parser.parse_args()
    began = time.perf_counter()
    size = write_pos_csv(args.file, args.lines)
    print(f"{args.file}: {args.lines:,} lines, {size / 1e6:.1f} MB in "
          f"{time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
