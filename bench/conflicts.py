"""`python -m bench.conflicts [--database-url URL] [--probes 500] [--fresh]`: the conflict
check a submission runs, timed on the scale data (seed/scale_deals.py).

Probes: names of existing customers typed in a way none of their filings used (a typo, the
legal suffix dropped, added or spelled otherwise, case, an abbreviation, a generic word more
or less...), with the customer's domain and without one, and company names nobody
registered. Each probe is timed through core.deals.conflicts.check, beside the bare indexed
lookups of the same probe (its exact name key in end_customer_keys, its domain among the
registrations). Printed: p50 / p95 in ms, the mean number of candidates and matches, the
recall of existing customers (found among the candidates; matched as possible or conflict),
and how many new names were flagged: brand-new ones (no record anywhere has the name) apart
from those a record in another country has.

--fresh first recreates the database (a SQLite file, or a PostgreSQL database dropped and
created through the server's `postgres` database), migrates it and seeds the reference scale,
as `python -m seed --scale` does."""

import argparse
import random
import statistics
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from bench.common import fresh_database
from core.customers import normalize_name
from core.customers.matching import name_key, retrieval_keys
from core.deals import conflicts
from core.deals.status import OPEN
from core.settings import get_settings
from db.models import (
    DealRegistration,
    DirectOpportunity,
    EndCustomer,
    EndCustomerKey,
    ProductLine,
)
from db.session import make_engine, unit_of_work
from db.types import utcnow
from seed.company_names import NameMaker, name_variant
from seed.demo import is_empty
from seed.scale import add_size_arguments, seed_scale, sizes_from

SEED = 424_242
# How a person types a known company otherwise (no web addresses: too easy).
PROBE_KINDS = ("upper", "lower", "title", "suffix_drop", "suffix_form", "suffix_add", "amp",
               "abbreviate", "typo", "generic_add", "generic_drop", "the", "accents",
               "punctuation")
OPEN_STATUSES = [s.value for s in OPEN]


@dataclass(frozen=True)
class Probe:
    kind: str  # "variant+domain", "variant", "new"
    name: str
    domain: str | None
    country: str
    target: int | None  # the existing end customer it names
    known_abroad: bool = False  # a new name in its country that a record abroad has


@dataclass
class Outcome:
    check_ms: float
    bare_ms: float
    candidates: int
    rows: int
    matches: int
    retrieved: bool
    matched: bool


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.conflicts")
    parser.add_argument("--database-url", default=None,
                        help="default: PRM_DATABASE_URL (or the SQLite file under data/)")
    parser.add_argument("--probes", type=int, default=500)
    parser.add_argument("--fresh", action="store_true",
                        help="recreate the database, migrate and seed the scale data first")
    add_size_arguments(parser)
    args = parser.parse_args()
    url = args.database_url or get_settings().database_url
    if args.fresh:
        fresh(url, args)
    engine = make_engine(url)
    print(f"database: {engine.url.render_as_string(hide_password=True)}")
    with Session(engine) as db:
        if not db.scalar(select(func.count()).select_from(EndCustomer)):
            raise SystemExit("no end customers: seed the scale data first (--fresh, or "
                             "python -m seed --scale)")
        _describe(db)
        probes = make_probes(db, args.probes)
        lines = list(db.scalars(select(ProductLine.id).order_by(ProductLine.id)))[:2]
        for p in probes[:5]:  # warm the caches and the connection
            run(db, p, lines)
        outcomes = [run(db, p, lines) for p in probes]
    report(probes, outcomes)
    engine.dispose()


def fresh(url: str, args: argparse.Namespace) -> None:
    """A new empty database at `url`, migrated and seeded with the scale data."""
    started = time.perf_counter()
    fresh_database(url)
    engine = make_engine(url)
    print(f"seeding {engine.url.render_as_string(hide_password=True)}")
    with unit_of_work(engine) as db:
        assert is_empty(db)
        seed_scale(db, sizes_from(args))
    engine.dispose()
    print(f"fresh database seeded in {time.perf_counter() - started:.1f} s")


def _describe(db: Session) -> None:
    count = {m.__tablename__: db.scalar(select(func.count()).select_from(m))
             for m in (DealRegistration, EndCustomer, EndCustomerKey, DirectOpportunity)}
    print("data: " + ", ".join(f"{n:,} {t.replace('_', ' ')}" for t, n in count.items()))


# ---------------------------------------------------------------- probes


def make_probes(db: Session, count: int) -> list[Probe]:
    """40% variants with the customer's domain, 30% without a domain, 30% new names."""
    rng = random.Random(SEED)
    with_domain = count * 4 // 10
    without = count * 3 // 10
    probes = _variants(db, rng, with_domain, with_domain=True)
    probes += _variants(db, rng, without, with_domain=False)
    probes += _new_names(db, rng, count - len(probes))
    rng.shuffle(probes)
    return probes


def _variants(db: Session, rng: random.Random, count: int, *, with_domain: bool
              ) -> list[Probe]:
    """Existing customers with an open claim (registration or direct opportunity), typed in a
    way none of their filings used."""
    top = db.scalar(select(func.max(EndCustomer.id))) or 0
    out: list[Probe] = []
    tried: set[int] = set()
    while len(out) < count and len(tried) < top:
        ids = [i for i in (rng.randint(1, top) for _ in range(200)) if i not in tried]
        tried.update(ids)
        q = select(EndCustomer).where(EndCustomer.id.in_(ids), EndCustomer.merged_into_id
                                      .is_(None))
        if with_domain:
            q = q.where(EndCustomer.domain.is_not(None))
        for c in db.scalars(q.order_by(EndCustomer.id)):
            if len(out) >= count:
                break
            if not _has_open_claim(db, c.id):
                continue
            filed = _filed_names(db, c)
            name = next((v for v in (name_variant(c.name, rng, country=c.country,
                                                  domain=c.domain, kinds=PROBE_KINDS)
                                     for _ in range(10)) if v not in filed), None)
            if name is None:
                continue
            out.append(Probe("variant+domain" if with_domain else "variant", name,
                             c.domain if with_domain else None, c.country, c.id))
    db.expunge_all()
    return out


def _has_open_claim(db: Session, customer_id: int) -> bool:
    reg = db.scalar(select(DealRegistration.id).where(
        DealRegistration.end_customer_id == customer_id,
        DealRegistration.status.in_(OPEN_STATUSES)).limit(1))
    return reg is not None or db.scalar(select(DirectOpportunity.id).where(
        DirectOpportunity.end_customer_id == customer_id,
        DirectOpportunity.status == "open").limit(1)) is not None


def _filed_names(db: Session, c: EndCustomer) -> set[str]:
    regs = db.scalars(select(DealRegistration.customer_name)
                      .where(DealRegistration.end_customer_id == c.id))
    directs = db.scalars(select(DirectOpportunity.account_name)
                         .where(DirectOpportunity.end_customer_id == c.id))
    return {c.name, *regs, *directs}


def _new_names(db: Session, rng: random.Random, count: int) -> list[Probe]:
    """Company names no record has (normalized, in the country), half with a domain."""
    maker = NameMaker(random.Random(SEED + 1))
    countries = list(db.scalars(select(EndCustomer.country).distinct()
                                .order_by(EndCustomer.country)))
    out: list[Probe] = []
    while len(out) < count:
        country = rng.choice(countries)
        name, core = maker.name(country)
        normalized = normalize_name(name)
        known = db.scalar(select(EndCustomer.id).where(
            EndCustomer.normalized_name == normalized,
            EndCustomer.country == country).limit(1))
        if known is not None:
            continue
        domain = None
        if rng.random() < 0.5:
            domain = "".join(ch for ch in core.lower() if ch.isalnum())[:30] + "-new.com"
        abroad = db.scalar(select(EndCustomer.id).where(
            EndCustomer.normalized_name == normalized).limit(1)) is not None
        out.append(Probe("new", name, domain, country, None, abroad))
    return out


# ---------------------------------------------------------------- timing


def run(db: Session, probe: Probe, lines: list[int]) -> Outcome:
    today = utcnow().date()
    claim = conflicts.claim_for(name=probe.name, domain=probe.domain, country=probe.country,
                                product_line_ids=lines, starts=today,
                                ends=today + timedelta(days=120))
    start = time.perf_counter()
    found = conflicts.check(db, claim)
    check_ms = (time.perf_counter() - start) * 1000
    db.expunge_all()

    name_keys = sorted(k for k in retrieval_keys(name_key(probe.name)) if k.startswith("n:"))
    start = time.perf_counter()
    for key in name_keys:
        db.execute(text("SELECT end_customer_id FROM end_customer_keys WHERE key = :k"),
                   {"k": key}).all()
    if probe.domain:
        db.execute(text("SELECT id FROM deal_registrations WHERE customer_domain = :d"),
                   {"d": probe.domain}).all()
    bare_ms = (time.perf_counter() - start) * 1000

    candidates = conflicts.candidate_customers(db, claim)
    rows = _rows_scored(db, candidates, probe.domain)
    target = probe.target
    matched = target is not None and any(
        (f.registration or f.direct).end_customer_id == target for f in found)
    db.expunge_all()
    return Outcome(check_ms, bare_ms, len(candidates), rows, len(found),
                   target is not None and target in candidates, matched)


def _rows_scored(db: Session, customers: list[int], domain: str | None) -> int:
    """Open registrations and direct opportunities the check scores (each side at most
    conflicts.CANDIDATE_LIMIT)."""
    total = 0
    for model, customer_col, domain_col, open_cond in (
            (DealRegistration, DealRegistration.end_customer_id,
             DealRegistration.customer_domain, DealRegistration.status.in_(OPEN_STATUSES)),
            (DirectOpportunity, DirectOpportunity.end_customer_id, DirectOpportunity.domain,
             DirectOpportunity.status == "open")):
        same = [customer_col.in_(customers)] if customers else []
        if domain:
            same.append(domain_col == domain)
        if not same:
            continue
        sub = select(model.id).where(or_(*same), open_cond).limit(conflicts.CANDIDATE_LIMIT)
        total += db.scalar(select(func.count()).select_from(sub.subquery())) or 0
    return total


# ---------------------------------------------------------------- report


def _p(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        v = values[0] if values else 0.0
        return v, v
    return statistics.median(values), statistics.quantiles(values, n=20)[-1]


def report(probes: list[Probe], outcomes: list[Outcome]) -> None:
    kinds = {}
    for p in probes:
        kinds[p.kind] = kinds.get(p.kind, 0) + 1
    print(f"probes: {len(probes)} (" + ", ".join(f"{n} {k}" for k, n in kinds.items()) + ")")
    check50, check95 = _p([o.check_ms for o in outcomes])
    bare50, bare95 = _p([o.bare_ms for o in outcomes])
    print(f"  {'core.deals.conflicts.check':<52} p50 {check50:7.1f} ms   p95 {check95:7.1f} ms")
    print(f"  {'bare indexed lookup (name key, domain)':<52} p50 {bare50:7.1f} ms   "
          f"p95 {bare95:7.1f} ms")
    n = len(outcomes) or 1
    print(f"  candidates per check: {sum(o.candidates for o in outcomes) / n:.1f} end "
          f"customers, {sum(o.rows for o in outcomes) / n:.1f} open rows scored; matches "
          f"returned: {sum(o.matches for o in outcomes) / n:.1f}")
    for kind in ("variant+domain", "variant"):
        mine = [o for p, o in zip(probes, outcomes, strict=True) if p.kind == kind]
        if mine:
            got = sum(o.retrieved for o in mine)
            hit = sum(o.matched for o in mine)
            print(f"  recall, {kind:<15} retrieved {got}/{len(mine)} ({got / len(mine):.1%}),"
                  f" matched {hit}/{len(mine)} ({hit / len(mine):.1%})")
    existing = [o for p, o in zip(probes, outcomes, strict=True) if p.target is not None]
    if existing:
        got = sum(o.retrieved for o in existing)
        hit = sum(o.matched for o in existing)
        print(f"  recall, all existing      retrieved {got}/{len(existing)} "
              f"({got / len(existing):.1%}), matched {hit}/{len(existing)} "
              f"({hit / len(existing):.1%})")
    new = [(p, o) for p, o in zip(probes, outcomes, strict=True) if p.kind == "new"]
    if new:
        flagged = sum(1 for _, o in new if o.matches)
        print(f"  new names flagged (possible or conflict): {flagged}/{len(new)} "
              f"({flagged / len(new):.1%})")
        for label, abroad in (("brand-new (no record anywhere has the name)", False),
                              ("new in the country, a record abroad has it", True)):
            mine = [o for p, o in new if p.known_abroad == abroad]
            if mine:
                got = sum(1 for o in mine if o.matches)
                print(f"    {label}: {got}/{len(mine)} ({got / len(mine):.1%})")


if __name__ == "__main__":
    main()
