"""`python -m bench.leads [--database-url URL] [--rows N] [--csv FILE]`: lead distribution at
the scale the database holds (the 5,000 partners of `python -m seed --scale`). Never passes or
fails on time.

A database without scorecard facts yet (a fresh scale seed) gets them built first, as
`python -m bench` does: routing reads the partners' win rates from them.

Import: a CRM export of N leads (seed.scale_leads, Salesforce-style, 100,000 rows by default)
read and imported as `python -m core.leads import` does it (`read_table`, then `import_leads`
in one immediate unit of work, committed), beside a bare `pandas.read_csv` of the same file.
The leads imported stay for the routing below and are deleted at the end (and at the start,
whatever an interrupted run left), so runs stay comparable.

Routing: `route_leads` over the imported leads, in transactions that are rolled back: a dry
run and the real run (offers, leads moved, notifications, audit, event) with the tiers'
capacities (5/10/20/40 offers waiting, by rank: most leads find no partner with room), then a
real run with every capacity lifted to LIFTED, so that the spread is measured over all leads.
Each beside a weighted-random baseline like Odoo's website_crm_partner_assign: among the
partners of the lead's country, one at random weighted by the tier's lead weight; the region's
partners (the ones serving it) when the country has none; the baseline of the capacity-bound
run skips partners without room the same way.

Spread, for the router and the baseline alike: the Gini coefficient of leads per partner over
every partner routing may offer to (active, agreement accepted; those that got none count as
0), and the share of placed leads sent outside the lead's territory. OUTSIDE THE TERRITORY
means: the partner has no territory entry covering the lead, by the entry's own kind as
routing reads it (a postal-code prefix the lead's postal code starts with, else the lead's
state, else the whole country, in the lead's country); a match only by a region the partner
serves counts as outside."""

import argparse
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, make_url, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bench.common import timed
from core.actor import Actor
from core.analytics import rebuild
from core.leads.importer import import_leads, read_table
from core.leads.network import load_network, postal_key, state_key
from core.leads.routing import RoutingReport, route_leads
from core.memory import settle_memory
from core.settings import get_settings
from db.migrate import upgrade
from db.models import (
    AuditEvent,
    Lead,
    LeadOffer,
    Partner,
    PartnerMonthFact,
    PartnerRegion,
    PartnerTerritory,
    ProductLine,
    Tier,
)
from db.session import make_engine, unit_of_work
from db.types import utcnow
from seed.scale_leads import write_leads_csv

ACTOR = Actor.system("bench")
ROWS = 100_000
LIFTED = 1_000  # offers waiting per partner in the run "capacity lifted"
SEED = 29
VACUUMED = ("leads", "lead_offers", "notifications", "outbox_mail", "partner_month_facts",
            "partner_period_totals", "analytics_versions")


@dataclass(frozen=True)
class Spread:
    placed: int
    unplaced: int
    partners: int  # that got at least one
    gini: float
    outside: float  # share of the placed leads

    def line(self, label: str) -> str:
        return (f"  {label:<36} {self.placed:>8,} {self.unplaced:>9,} {self.partners:>9,} "
                f"{self.gini:>6.3f} {100 * self.outside:>8.1f}%")


HEAD = f"  {'':<36} {'placed':>8} {'unplaced':>9} {'partners':>9} {'Gini':>6} {'outside':>9}"


def bench_leads(url: str, rows: int = ROWS, *, csv_path: Path | None = None) -> None:
    """Import `rows` generated leads and route them (see above); the leads are gone after,
    the import's audit event stays. `csv_path`: keep the CSV there, and reuse it if there."""
    settle_memory()  # as the app does once started: a full collection walks every object
    engine = make_engine(url)
    try:
        removed = _forget_bench_leads(engine)
        if removed:
            print(f"leads: removed {removed:,} leads an earlier run left")
        with tempfile.TemporaryDirectory() as tmp:
            path = csv_path or Path(tmp) / f"leads_{rows}.csv"
            lead_ids = _bench_import(engine, path, rows, reuse=csv_path is not None)
            try:
                if lead_ids:
                    _bench_routing(engine, lead_ids)
            finally:
                _forget_bench_leads(engine)
    finally:
        engine.dispose()


# ---------------------------------------------------------------- import


def _bench_import(engine: Engine, path: Path, rows: int, *, reuse: bool) -> list[int]:
    if not (reuse and path.exists()):
        with Session(engine) as db:
            lines = list(db.scalars(select(ProductLine.name).where(ProductLine.active)
                                    .order_by(ProductLine.id)))
        began = time.perf_counter()
        write_leads_csv(path, rows, seed=SEED, product_lines=lines)
        print(f"leads: wrote {rows:,} rows ({path.stat().st_size / 1e6:.1f} MB) with "
              f"seed.scale_leads in {time.perf_counter() - began:.1f} s")
    print(f"lead import of {path.name} (read_table + import_leads, one transaction, committed)")
    began = time.perf_counter()
    table = read_table(path.read_bytes())
    read = time.perf_counter() - began
    with unit_of_work(engine, immediate=True) as db:
        report = import_leads(db, ACTOR, table)
    total = time.perf_counter() - began
    print(f"  {'core.leads.importer read_table':<48} {read:9.1f} s")
    print(f"  {'core.leads.importer import_leads + commit':<48} {total - read:9.1f} s")
    print(f"  {'together':<48} {total:9.1f} s  ({report.rows:,} rows: {report.imported:,} "
          f"imported, {report.duplicates:,} duplicates, {report.rejected:,} rejected)")
    timed("bare pandas.read_csv of the same file", lambda: pd.read_csv(
        path, dtype=str, keep_default_na=False), repeat=3)
    return list(report.lead_ids)


def _forget_bench_leads(engine: Engine) -> int:
    """Delete the leads the bench's imports brought in (found by the import ids of its audit
    events), with any offer left on them; the audit events stay."""
    with unit_of_work(engine, immediate=True) as db:
        imports = [after.get("import_id") for after in db.scalars(
            select(AuditEvent.after).where(AuditEvent.action == "lead.import",
                                           AuditEvent.actor_label == ACTOR.label)) if after]
        imports = [i for i in imports if i]
        removed = 0
        for i in range(0, len(imports), 500):
            chunk = imports[i:i + 500]
            leads = select(Lead.id).where(Lead.import_id.in_(chunk)).scalar_subquery()
            db.execute(delete(LeadOffer).where(LeadOffer.lead_id.in_(leads)))
            removed += db.execute(delete(Lead).where(Lead.import_id.in_(chunk))).rowcount or 0
    if removed and engine.dialect.name == "postgresql":
        # The rows of the rolled-back routing runs and of the deleted leads, so that the next
        # run finds the tables as this one did (a server may run without autovacuum).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM " + ", ".join(VACUUMED))
    return removed


# ---------------------------------------------------------------- routing


@dataclass(frozen=True)
class _World:
    """What the spread is measured on: the leads, and every partner routing may offer to."""

    leads: pd.DataFrame  # id, country, state_key, postal_key, region
    partners: pd.DataFrame  # id (network order), country, weight, capacity_left
    territories: pd.DataFrame  # partner_id, country, kind, key
    regions: pd.DataFrame  # partner_id, region


def _bench_routing(engine: Engine, lead_ids: list[int]) -> None:
    for lift in (None, LIFTED):
        with Session(engine.execution_options(sqlite_immediate=True)) as db:
            try:
                if lift is not None:
                    db.execute(update(Tier).values(lead_capacity=lift))
                    db.execute(update(Partner).where(Partner.lead_capacity.is_not(None))
                               .values(lead_capacity=lift))
                _routing_run(db, lead_ids, lift)
            finally:
                db.rollback()


def _routing_run(db: Session, lead_ids: list[int], lift: int | None) -> None:
    now = utcnow()
    began = time.perf_counter()
    net = load_network(db, now)
    loaded = time.perf_counter() - began
    world = _world(db, lead_ids, net)
    capacity = f"capacity lifted to {lift:,}" if lift else "capacity as the tiers set it"
    print(f"routing {len(lead_ids):,} leads over {net.size:,} partners ({capacity}; rolled "
          f"back)")
    print(f"  {'core.leads.network.load_network':<48} {loaded:9.1f} s")
    if lift is None:
        dry, seconds = _clock(lambda: route_leads(db, ACTOR, lead_ids, dry_run=True, now=now))
        print(f"  {'route_leads, dry run (plans, writes nothing)':<48} {seconds:9.1f} s")
    real, seconds = _clock(lambda: route_leads(db, ACTOR, lead_ids, now=now))
    print(f"  {'route_leads (offers, leads, notifications)':<48} {seconds:9.1f} s  "
          f"({len(real.routed):,} offered)")
    if lift is None:
        same = [(p.lead_id, p.partner_id) for p in dry.placements] == \
            [(p.lead_id, p.partner_id) for p in real.placements]
        print(f"  the dry run placed each lead as the real run: {'yes' if same else 'NO'}")
    reasons: dict[str, int] = {}
    for p in real.unrouted:
        reasons[p.why_not or ""] = reasons.get(p.why_not or "", 0) + 1
    for why, count in sorted(reasons.items(), key=lambda kv: -kv[1]):
        print(f"  unplaced: {count:,} {why}")
    print(f"  spread: Gini of leads per partner over the {net.size:,} partners routing may offer "
          "to (none: 0);\n  outside: placed leads whose partner has no territory entry covering "
          "them (postal prefix,\n  state or whole country; a match by the region it serves only "
          "counts as outside)")
    print(HEAD)
    print(_spread(world, _placed(real)).line("route_leads"))
    rng = np.random.default_rng(SEED)
    print(_spread(world, _weighted_random(world, rng, capacity=lift is None)).line(
        "weighted random (Odoo-like)" + (", capacity" if lift is None else "")))


def _clock(fn: Callable[[], RoutingReport]) -> tuple[RoutingReport, float]:
    began = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - began


def _placed(report: RoutingReport) -> pd.Series:
    """Partner id by lead id; NaN for the leads placed nowhere."""
    return pd.Series({p.lead_id: p.partner_id for p in report.placements}, dtype="float64")


def _world(db: Session, lead_ids: list[int], net) -> _World:
    rows = []
    for i in range(0, len(lead_ids), 5_000):
        rows += db.execute(select(Lead.id, Lead.country, Lead.state, Lead.postal_code,
                                  Lead.region).where(Lead.id.in_(lead_ids[i:i + 5_000]))).all()
    leads = pd.DataFrame(
        [(lead_id, country, state_key(country, state), postal_key(postal), region)
         for lead_id, country, state, postal, region in sorted(rows)],
        columns=["id", "country", "state_key", "postal_key", "region"])
    partners = pd.DataFrame(db.execute(
        select(Partner.id, Partner.country, Tier.lead_weight)
        .join(Tier, Tier.id == Partner.tier_id)).all(), columns=["id", "country", "weight"])
    partners = partners.set_index("id").reindex(net.ids).rename_axis("id").reset_index()
    partners["capacity_left"] = net.capacity_left
    kept = set(int(i) for i in net.ids)
    territories = pd.DataFrame(
        [(pid, country, *_territory_kind(country, state, prefix)) for pid, country, state, prefix
         in db.execute(select(PartnerTerritory.partner_id, PartnerTerritory.country,
                              PartnerTerritory.state, PartnerTerritory.postal_prefix))
         if pid in kept], columns=["partner_id", "country", "kind", "key"])
    regions = pd.DataFrame([r for r in db.execute(select(PartnerRegion.partner_id,
                                                         PartnerRegion.region))
                            if r[0] in kept], columns=["partner_id", "region"])
    return _World(leads, partners, territories, regions)


def _territory_kind(country: str, state: str | None, prefix: str | None) -> tuple[str, str]:
    """A territory entry as routing reads it (core.leads.network._places): its postal prefix
    when it has one, else its state, else the whole country."""
    if prefix and postal_key(prefix):
        return "postal", postal_key(prefix)
    if state and state_key(country, state):
        return "state", state_key(country, state)
    return "country", ""


def _spread(world: _World, placed: pd.Series) -> Spread:
    leads = world.leads.assign(partner_id=world.leads["id"].map(placed))
    got = leads.dropna(subset=["partner_id"]).astype({"partner_id": "int64"})
    per_partner = got["partner_id"].value_counts().reindex(world.partners["id"], fill_value=0)
    return Spread(placed=len(got), unplaced=len(leads) - len(got),
                  partners=int((per_partner > 0).sum()), gini=gini(per_partner.to_numpy()),
                  outside=float(1 - _covered(got, world.territories).mean()) if len(got) else 0.0)


def _covered(got: pd.DataFrame, territories: pd.DataFrame) -> pd.Series:
    """Per placed lead (got's rows), whether its partner has a territory entry covering it."""
    pairs = got[["id", "partner_id", "country", "state_key", "postal_key"]].merge(
        territories, on=["partner_id", "country"], how="inner")
    hit = ((pairs["kind"] == "country")
           | ((pairs["kind"] == "state") & (pairs["state_key"] == pairs["key"]))
           | ((pairs["kind"] == "postal")
              & np.array([p.startswith(k) for p, k in zip(pairs["postal_key"], pairs["key"],
                                                           strict=True)], dtype=bool)))
    covered = set(pairs.loc[hit, "id"])
    return got["id"].isin(covered)


def gini(values: np.ndarray) -> float:
    """0: every partner got as many leads; near 1: one partner got them all."""
    x = np.sort(np.asarray(values, dtype="float64"))
    n, total = len(x), x.sum()
    if n == 0 or total == 0:
        return 0.0
    return float(2 * np.sum(np.arange(1, n + 1) * x) / (n * total) - (n + 1) / n)


def _weighted_random(world: _World, rng: np.random.Generator, *, capacity: bool) -> pd.Series:
    """Odoo's assignment: a partner of the lead's country drawn with probability in proportion
    to its tier's lead weight, else one of the partners serving the lead's region; with
    `capacity`, only partners with room left (what routing's capacities allow)."""
    partners = world.partners
    weight = partners["weight"].to_numpy(dtype="float64")
    slot_of = {int(pid): i for i, pid in enumerate(partners["id"])}
    pools: dict[tuple[str, str], np.ndarray] = {}
    for country, group in partners.groupby("country").groups.items():
        pools[("country", country)] = np.array([slot_of[int(partners.at[i, "id"])]
                                                for i in group], dtype="int64")
    for region, group in world.regions.groupby("region")["partner_id"]:
        pools[("region", region)] = np.array([slot_of[int(p)] for p in group], dtype="int64")
    left = partners["capacity_left"].to_numpy(dtype="int64").copy()
    ids = partners["id"].to_numpy()
    out = {}
    draws = rng.random(len(world.leads))
    for n, (lead_id, country, region) in enumerate(zip(
            world.leads["id"], world.leads["country"], world.leads["region"], strict=True)):
        pool = pools.get(("country", country))
        if pool is None or not weight[pool].any():
            pool = pools.get(("region", region))
        if pool is None:
            continue
        w = weight[pool] * (left[pool] > 0) if capacity else weight[pool]
        cum = np.cumsum(w)
        if cum[-1] <= 0:
            continue
        pick = pool[min(int(np.searchsorted(cum, draws[n] * cum[-1], side="right")),
                        len(pool) - 1)]
        left[pick] -= 1
        out[int(lead_id)] = int(ids[pick])
    return pd.Series(out, dtype="float64")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.leads")
    parser.add_argument("--database-url", default=None,
                        help="default: PRM_DATABASE_URL (the app's database)")
    parser.add_argument("--rows", type=int, default=ROWS, help="lead rows in the CSV")
    parser.add_argument("--csv", type=Path, default=None,
                        help="keep the generated CSV here (and reuse it when it exists)")
    args = parser.parse_args(argv)
    url = args.database_url or get_settings().database_url
    upgrade(url)
    print(f"database: {make_url(url).render_as_string(hide_password=True)}")
    engine = make_engine(url)
    try:  # routing reads win rates from the scorecard facts: built as `python -m bench` does
        with unit_of_work(engine) as db:
            if db.scalar(select(func.count()).select_from(PartnerMonthFact)) == 0:
                began = time.perf_counter()
                report = rebuild(db)
                print(f"facts rebuild: {time.perf_counter() - began:.1f} s ({report.message})")
    finally:
        engine.dispose()
    bench_leads(url, args.rows, csv_path=args.csv)


if __name__ == "__main__":
    main()
