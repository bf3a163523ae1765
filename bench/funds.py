"""`python -m bench.funds [--database-url URL] [--requests N] [--repeat N]`: funds at the
reference scale (DESIGN.md: 50,000 MDF requests over the scale partners; seeded by
seed.scale_funds into a database holding the scale seed's partners and none yet). Times what
the pages read, each beside the bare SQL doing the same work: a partner admin's balances and
requests, the vendor's overview (every allocation's balance, the newest requests, ROI by
program), finance's ledger for a quarter and its CSV export, the ledger check, and one request
submitted (rolled back: the allocation's lock, the balance read and the writes). Never passes
or fails on time."""

import argparse
import time
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bench.common import timed
from core.accounts.records import actor_of
from core.actor import Actor
from core.funds import (
    check,
    export_ledger,
    ledger_rows,
    list_allocations,
    list_requests,
    roi,
    submit_request,
)
from core.settings import get_settings
from db.migrate import upgrade
from db.models import FundAllocation, FundLedgerEntry, FundRequest, User
from db.session import make_engine, unit_of_work
from db.types import utcnow
from seed.scale_funds import seed_scale_funds

REQUESTS = 50_000
BARE_PARTNER = ("SELECT allocation_id, to_bucket, SUM(amount) FROM fund_ledger "
                "WHERE partner_id = :p GROUP BY allocation_id, to_bucket")
BARE_ALL = ("SELECT allocation_id, to_bucket, SUM(amount) FROM fund_ledger "
            "GROUP BY allocation_id, to_bucket")
BARE_PAGE = ("SELECT r.* FROM fund_requests r ORDER BY r.submitted_at DESC, r.id DESC "
             "LIMIT 500")
BARE_QUARTER = "SELECT * FROM fund_ledger WHERE at >= :a AND at < :b ORDER BY at, id"


def ensure_funds(url: str, requests: int) -> None:
    engine = make_engine(url)
    with unit_of_work(engine) as db:
        if db.scalar(select(func.count()).select_from(FundRequest)) == 0:
            began = time.perf_counter()
            counts = seed_scale_funds(db, requests, now=utcnow())
            print(f"funds seeded: {counts} in {time.perf_counter() - began:.1f} s")
    engine.dispose()


def bench_funds(url: str, requests: int = REQUESTS, repeat: int = 5) -> None:
    ensure_funds(url, requests)
    engine = make_engine(url)
    with Session(engine) as db:
        n = db.scalar(select(func.count()).select_from(FundRequest))
        entries = db.scalar(select(func.count()).select_from(FundLedgerEntry))
        allocations = db.scalar(select(func.count()).select_from(FundAllocation))
        print(f"funds: {n:,} requests, {allocations:,} allocations, {entries:,} ledger entries")
        busiest = db.scalar(select(FundRequest.partner_id).group_by(FundRequest.partner_id)
                            .order_by(func.count().desc()).limit(1))
        admin = db.scalar(select(User).where(User.partner_id == busiest,
                                             User.role == "partner_admin"))
        if admin is None:
            print("  (no partner admin holds requests: nothing to time)")
            return
        partner, finance = actor_of(admin), Actor.system("bench")
        print("a partner admin's Funds page (its busiest partner)")
        timed("list_allocations + list_requests + roi", lambda: (
            list_allocations(db, partner), list_requests(db, partner, limit=500),
            roi(db, partner)), repeat)
        timed("bare SQL (ledger sums of the partner)", lambda: db.execute(
            text(BARE_PARTNER), {"p": partner.partner_id}).all(), repeat)
        print("the vendor's Funds overview")
        timed("list_allocations (every partner)", lambda: list_allocations(db, finance),
              repeat)
        timed("bare SQL (ledger sums of every allocation)",
              lambda: db.execute(text(BARE_ALL)).all(), repeat)
        timed("list_requests (newest 500, with the count)",
              lambda: list_requests(db, finance, limit=500), repeat)
        timed("bare SQL (newest 500)", lambda: db.execute(text(BARE_PAGE)).all(), repeat)
        timed("roi by program", lambda: roi(db, finance, by="program"), repeat)
        today = utcnow().date()
        start, end = today - timedelta(days=91), today
        print(f"finance's ledger for a quarter ({len(ledger_rows(db, finance, start, end)):,} "
              "entries)")
        timed("ledger_rows", lambda: ledger_rows(db, finance, start, end, limit=1001), repeat)
        timed("export_ledger (CSV, all of it)",
              lambda: export_ledger(db, finance, start, end), repeat)
        timed("bare SQL (the quarter's entries)", lambda: db.execute(text(BARE_QUARTER), {
            "a": f"{start} 00:00:00", "b": f"{end + timedelta(days=1)} 00:00:00"}).all(),
            repeat)
        timed("ledger check (every invariant)", lambda: check(db), max(1, repeat // 2))
    print("one request submitted (rolled back)")
    program = None
    with Session(engine) as db:
        program = db.scalar(select(FundAllocation.program_id).where(
            FundAllocation.partner_id == partner.partner_id).order_by(FundAllocation.id))

    def submit() -> None:
        with Session(engine) as db:
            day = utcnow().date() + timedelta(days=30)
            submit_request(db, partner, {
                "program_id": program, "activity_type": "event", "name": "Bench",
                "starts_on": day, "ends_on": day, "requested_amount": Decimal("1")})
            db.rollback()

    timed("submit_request", submit, repeat)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.funds")
    parser.add_argument("--database-url", default=get_settings().database_url)
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    upgrade(args.database_url)
    bench_funds(args.database_url, args.requests, args.repeat)


if __name__ == "__main__":
    main()
