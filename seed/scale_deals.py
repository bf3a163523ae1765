"""Scale deal data: end customers, deal registrations and direct opportunities in bulk.

Made for the conflict-check bench and the revenue and tier benches: by default 300,000 end
customers with realistic company names (surnames, places, industry words and legal suffixes
that fit the country, accents and umlauts included), 1,000,000 registrations of them typed the
way partners type (case, legal suffix dropped, added or spelled otherwise, "&" / "and",
abbreviations, one-letter typos, a generic word more or less, now and then a web address) and
20,000 direct opportunities imported from the CRM. Customers repeat with a skewed (Zipf-like)
number of registrations, by several partners, over the last three years; partners differ as
much (log-normal activity), so their trailing-12-month won revenue runs from nothing to
several millions.

Every row is what the services would have written (register_deal, the desk, the jobs, the
direct import), with these shortcuts:

- No deal events, audit events or notifications are written: only the rows the conflict
  check, the desk lists and the revenue reads touch.
- The first filing of a customer (registration or direct opportunity) carries its name exactly
  as the end-customer record does; later filings typed otherwise are filed under the same
  record, as they are once the desk has merged duplicate records. The index of names
  (end_customer_keys) holds core.customers.matching.retrieval_keys of every name a customer
  was filed under.
- Statuses are drawn from a fixed mix first and their timeline second (open ones recent,
  closed ones over three years, more of them lately). Partners mostly register customers no
  open filing claims; the match verdict of a registration says whether another filing of its
  customer was open when it came in: "conflict" (score 90-100) for the same domain, the same
  normalized name or a name score of 90 or more, "possible" (80) otherwise.

Rows go in by bulk load (COPY on PostgreSQL, the driver's executemany on SQLite) with the
secondary indexes dropped and built again afterwards, then ANALYZE. Deterministic for a given
`now`: random.Random with fixed seeds, and word lists from the installed Faker version.

The company names and the ways partners type them come from seed/company_names.py, the keys
of each typed name from seed/name_keys.py, the plan (companies, filings, timelines, verdicts)
from seed/scale_plan.py and the bulk load from seed/bulk.py; this module turns the plan into
rows and writes them."""

import math
import random
import re
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from anyascii import anyascii
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from core.customers import region_for
from core.deals.schemas import add_months
from db.models import DealRegistration, DirectOpportunity, EndCustomer, EndCustomerKey, Partner
from seed.bulk import BulkWriter
from seed.deals import CONFLICT_REJECTION, LOSSES, REJECTIONS
from seed.name_keys import key_names
from seed.scale_plan import SEED, Direct, Planner, Reg, check_domains, unclash

STAGES = ("prospecting", "qualification", "proposal", "negotiation", "commit")
TITLES = ("IT Director", "CIO", "CTO", "Head of IT", "IT Manager", "Procurement Manager",
          "VP Operations", "Security Lead", "Infrastructure Architect", "CFO", "Owner",
          "Operations Manager", "Data Platform Lead", "Purchasing Officer")
NEEDS = ("Replacing a legacy system", "Expansion to a second site", "New greenfield project",
         "Consolidating three vendors", "Compliance project", "Migration to the cloud",
         "Renewal with an upgrade", "Pilot for one department")
OWNERS = tuple(f"ae{i:02d}@vendor.example" for i in range(1, 61))
STATES = {
    "US": ("California", "Texas", "New York", "Florida", "Illinois", "Pennsylvania", "Ohio",
           "Georgia", "North Carolina", "Michigan", "New Jersey", "Virginia", "Washington",
           "Arizona", "Massachusetts", "Tennessee", "Indiana", "Colorado", "Minnesota",
           "Oregon"),
    "CA": ("Ontario", "Quebec", "British Columbia", "Alberta", "Manitoba", "Nova Scotia"),
    "AU": ("New South Wales", "Victoria", "Queensland", "Western Australia",
           "South Australia"),
    "DE": ("Bayern", "Baden-Württemberg", "Nordrhein-Westfalen", "Hessen", "Niedersachsen",
           "Berlin", "Hamburg", "Sachsen"),
    "IN": ("Maharashtra", "Karnataka", "Tamil Nadu", "Delhi", "Telangana", "Gujarat"),
    "BR": ("São Paulo", "Rio de Janeiro", "Minas Gerais", "Paraná", "Rio Grande do Sul"),
    "MX": ("Ciudad de México", "Jalisco", "Nuevo León", "Puebla", "Querétaro"),
}


# ---------------------------------------------------------------- rows


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(int(ts), UTC)


def _cents(rng: random.Random, median: float, sigma: float) -> int:
    dollars = min(max(rng.lognormvariate(math.log(median), sigma), 1_000), 5_000_000)
    return int(round(dollars, -2)) * 100


REG_COLUMNS = [
    "id", "partner_id", "registered_by_user_id", "owner_user_id", "end_customer_id",
    "customer_name", "customer_name_form", "customer_website", "customer_domain",
    "customer_key", "customer_country", "customer_state", "region", "contact_name",
    "contact_email", "contact_title", "product_line_ids", "estimated_value", "final_amount",
    "expected_close_date", "closed_on", "stage", "description", "status", "match_verdict",
    "match_score", "submitted_at", "decided_at", "decided_by_user_id", "protection_days",
    "protection_ends_at", "extension_status", "extension_requested_at", "lost_reason",
    "rejection_reason", "merged_into_id", "created_at", "updated_at",
]
DIRECT_COLUMNS = [
    "id", "external_id", "end_customer_id", "account_name", "account_name_form", "website",
    "domain", "customer_key", "country", "name", "amount", "close_date", "owner_email",
    "status", "imported_at", "updated_at",
]


def seed_scale_deals(db: Session, *, registrations: int, end_customers: int,
                     direct_opportunities: int, now: datetime, log=print,
                     workers: int = 2) -> None:
    """End customers, their key index, registrations and direct opportunities, after the
    scale partners and users. Nothing is committed here; ANALYZE runs at the end."""
    if end_customers <= 0:
        return
    clock = _Clock(log)
    sqlite = db.get_bind().dialect.name == "sqlite"
    if sqlite:  # a big page cache for the bulk load and the index builds
        db.execute(text("PRAGMA cache_size = -400000"))
    plan = Planner(db, now)
    companies, keyed = plan.companies(end_customers, workers)
    clock.lap(f"named {len(companies):,} end customers")
    direct_only = min(direct_opportunities * 3 // 20, len(companies) // 50)
    if registrations < len(companies) - direct_only:
        direct_only = len(companies) - max(registrations, 0)
    directs = plan.directs(companies, direct_opportunities, direct_only)
    regs = plan.registrations(companies, registrations, direct_only)
    for f in (*regs, *directs):
        f.company.filings.append(f)
    plan.type_names(companies)
    clock.lap(f"planned {len(regs):,} registrations, {len(directs):,} direct opportunities")

    typed = [f.name for f in (*regs, *directs) if f.name not in keyed]
    keyed.update(key_names(typed, workers=workers))
    clock.lap(f"keyed {len(keyed):,} distinct names")
    unclash(companies, keyed)
    check_domains(companies)
    plan.resolve(companies, keyed)
    regs.sort(key=lambda r: r.sub)
    directs.sort(key=lambda d: d.sub)
    clock.lap("resolved verdicts and merges")

    writer = BulkWriter(db)
    base = {m: db.scalar(select(func.coalesce(func.max(m.id), 0)))
            for m in (EndCustomer, DealRegistration, DirectOpportunity)}
    rebuild = writer.drop_indexes([m.__tablename__ for m in (
        EndCustomer, EndCustomerKey, DealRegistration, DirectOpportunity)])
    cids = {id(c): base[EndCustomer] + n for n, c in enumerate(companies, 1)}
    # A customer record was first written with its first filing, and not changed since.
    writer.write(EndCustomer, ["id", "name", "normalized_name", "domain", "country",
                               "created_at", "updated_at"],
                 ((cids[id(c)], c.name, keyed[c.name].normalized, c.domain, c.country,
                   first, first) for c in companies
                  for first in [_dt(min((f.sub for f in c.filings), default=plan.now))]))
    key_rows = _key_rows(companies, cids, keyed)
    writer.write(EndCustomerKey, ["key", "end_customer_id"], key_rows)
    clock.lap(f"wrote {len(companies):,} end customers, {len(key_rows):,} key entries")

    for n, r in enumerate(regs, 1):
        r.id = base[DealRegistration] + n
    written = writer.write(DealRegistration, REG_COLUMNS, _reg_rows(regs, cids, keyed, plan))
    clock.lap(f"wrote {written:,} deal registrations")
    for n, d in enumerate(directs, 1):
        d.id = base[DirectOpportunity] + n
    written = writer.write(DirectOpportunity, DIRECT_COLUMNS,
                           _direct_rows(directs, cids, keyed, plan))
    clock.lap(f"wrote {written:,} direct opportunities")

    writer.build_indexes(rebuild)
    clock.lap(f"built {len(rebuild)} indexes again")
    writer.analyze([m.__tablename__ for m in base])
    if sqlite:
        db.execute(text("PRAGMA cache_size = -2000"))
    clock.lap("analyzed")
    _summary(db, regs, now, log)


class _Clock:
    def __init__(self, log):
        self.log, self.last = log, time.perf_counter()

    def lap(self, what: str) -> None:
        now = time.perf_counter()
        self.log(f"  {what} in {now - self.last:.1f} s")
        self.last = now


def _key_rows(companies, cids, keyed) -> list[tuple[str, int]]:
    rows = []
    for c in companies:
        cid = cids[id(c)]
        names = {c.name, *(f.name for f in c.filings)}
        rows.extend((k, cid) for k in sorted({k for n in names for k in keyed[n].keys}))
    rows.sort()
    return rows


def _reg_rows(regs: list[Reg], cids, keyed, plan: Planner):
    rng = random.Random(SEED + 3)
    first, lines = plan.names.words["first"], plan.lines
    lasts = plan.names.words
    users = {p.id: p.users for p in plan.partners}
    for r in regs:
        c = r.company
        k = keyed[r.name]
        us = users[r.partner]
        by = rng.choice(us)
        owner = by if rng.random() < 0.9 else rng.choice(us)
        fn, ln = rng.choice(first), rng.choice(lasts[c.country])
        local = re.sub(r"[^a-z.]", "", anyascii(f"{fn}.{ln}").lower()) or "contact"
        value = _cents(rng, 25_000, 1.1)
        won = r.status == "won"
        final = int(round(value * rng.choice((80, 90, 95, 100, 100, 100, 105, 110)) / 100,
                          -2)) if won else None
        sub_day = _dt(r.sub).date()
        product_ids = rng.sample(lines, k=min(len(lines), rng.choice((1, 1, 2)))) \
            if lines else []
        states = STATES.get(c.country)
        yield (
            r.id, r.partner, by, owner, cids[id(c)], r.name, k.form, r.website or None,
            r.domain, k.normalized, c.country,
            rng.choice(states) if states and rng.random() < 0.8 else None,
            region_for(c.country), f"{fn} {ln}"[:120], f"{local}@{r.email_at}"[:254],
            rng.choice(TITLES), product_ids, value, final,
            sub_day + timedelta(days=rng.randint(30, 240)),
            _dt(r.close).date() if r.close is not None else None,
            "commit" if won else rng.choice(STAGES),
            f"{rng.choice(NEEDS)}: {plan.line_names.get(product_ids[0], 'platform')}, "
            f"about {rng.choice((10, 25, 50, 100, 250, 500, 1000))} seats."
            if product_ids else rng.choice(NEEDS) + ".",
            r.status, r.verdict, r.score, _dt(r.sub),
            _dt(r.dec) if r.dec is not None else None, r.decided_by, r.prot_days,
            _dt(r.prot_end) if r.prot_end is not None else None, r.ext,
            _dt(r.ext_at) if r.ext_at is not None else None,
            rng.choice(LOSSES) if r.status == "lost" else None,
            (CONFLICT_REJECTION if r.verdict != "clear" else rng.choice(REJECTIONS))
            if r.status == "rejected" else None,
            r.merged_into.id if r.merged_into is not None else None,
            _dt(r.sub), _dt(max(r.upd, r.sub)),
        )


def _direct_rows(directs: list[Direct], cids, keyed, plan: Planner):
    rng = random.Random(SEED + 4)
    names = list(plan.line_names.values()) or ["Platform"]
    for n, d in enumerate(directs, 1):
        c, k = d.company, keyed[d.name]
        updated = d.until if d.until != math.inf else d.sub
        yield (d.id, f"SF-{n:07d}", cids[id(c)], d.name, k.form, d.website, d.domain,
               k.normalized, c.country, f"{d.name} - {rng.choice(names)}"[:200],
               _cents(rng, 80_000, 1.0), d.close_date, rng.choice(OWNERS), d.status,
               _dt(d.sub), _dt(updated))


def _summary(db: Session, regs: list[Reg], now: datetime, log) -> None:
    """The status mix, the verdicts and the spread of trailing-12-month won revenue."""
    if not regs:
        return
    total = len(regs)
    statuses = Counter(r.status for r in regs)
    verdicts = Counter(r.verdict for r in regs)
    log("  statuses: " + ", ".join(f"{s} {n / total:.1%}" for s, n in statuses.most_common()))
    log("  verdicts: " + ", ".join(f"{v} {n:,}" for v, n in verdicts.most_common()))
    today = now.date()
    won = dict(db.execute(
        select(DealRegistration.partner_id, func.sum(DealRegistration.final_amount))
        .where(DealRegistration.status == "won",
               DealRegistration.closed_on > add_months(today, -12),
               DealRegistration.closed_on <= today)
        .group_by(DealRegistration.partner_id)).all())
    partners = db.scalar(select(func.count()).select_from(Partner)) or 0
    above = sum(1 for v in won.values() if v > 1_500_000)
    below = partners - sum(1 for v in won.values() if v >= 100_000)
    log(f"  trailing-12-month won revenue: {above:,} partners above $1.5M, "
        f"{below:,} below $100k, of {partners:,}")
