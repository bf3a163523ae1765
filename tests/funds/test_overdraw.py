"""No sequence of requests or approvals overdraws an allocation or a program, even when they
arrive together (issue #18): fifty requests at once on one small allocation, allocations at
once against a small program budget, approvals racing new requests. Each call runs in its own
thread and unit of work, all released together by a barrier; on PostgreSQL through a pool of
at most 20 connections, as a deployment caps it. The read each check makes (what is left) is
slowed down, so that, unserialized, every caller would find the money still there and take it.

Afterwards, from the ledger: the holds and commitments stay within the allocation, the
allocations within the budget, first come first served; every refusal says why; a refused
call wrote nothing; nothing else failed (no deadlock, no "database is locked")."""

import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.errors import RuleViolation
from core.funds import allocate, approve_request, check, create_program, ledger, submit_request
from core.money import base_money
from db.models import FundAllocation, FundLedgerEntry, FundRequest, Partner, Tier, User
from db.session import unit_of_work
from tests.conftest import NOW, actor_for

D = Decimal
PROGRAM = "Overdraw MDF"
POOL_MAX = 20  # connections, on PostgreSQL (the server allows 100)
SLOW_READ = 0.02  # seconds added to each read of what is left


# ---------------------------------------------------------------- set-up


@pytest.fixture
def racing(backend, database_url, seeded) -> Engine:
    """The engine the concurrent calls share. PostgreSQL: a pool of 10 plus 10 overflow; the
    callers beyond 20 wait for a connection. SQLite: the app's own engine (make_engine)."""
    if backend == "sqlite":
        yield seeded
        return
    engine = create_engine(database_url, pool_size=10, max_overflow=POOL_MAX - 10,
                           pool_timeout=60, pool_pre_ping=True)
    yield engine
    engine.dispose()


def eligible_admins(db: Session) -> list[Actor]:
    """The partner admins of active partners of a tier with MDF eligibility, by partner."""
    names = db.scalars(select(User.username).join(Partner, Partner.id == User.partner_id)
                       .join(Tier, Tier.id == Partner.tier_id)
                       .where(Tier.mdf_eligible, Partner.status == "active",
                              User.role == "partner_admin", User.is_active)
                       .order_by(Partner.id, User.id)).all()
    seen, out = set(), []
    for name in names:
        actor = actor_for(db, name)
        if actor.partner_id not in seen:
            seen.add(actor.partner_id)
            out.append(actor)
    return out


def new_program(db: Session, budget: str) -> int:
    eligible = sorted(db.scalars(select(Tier.id).where(Tier.mdf_eligible)))
    return create_program(db, actor_for(db, "marketing"), {
        "name": PROGRAM, "kind": "mdf", "period": "year", "starts_on": date(2026, 11, 1),
        "budget": budget, "eligible_tier_ids": eligible, "activity_types": ["event"],
        "reimbursement_percent": "50", "lead_time_days": 0, "claim_days": 30}, now=NOW).id


def funded(engine: Engine, amount: str = "1000") -> tuple[int, Actor, int]:
    """(program id, a partner admin, its allocation id): `amount` allocated, committed."""
    with unit_of_work(engine) as db:
        program = new_program(db, "100000")
        admin = eligible_admins(db)[0]
        allocate(db, actor_for(db, "marketing"), program, admin.partner_id, D(amount), "test",
                 now=NOW)
        allocation = db.scalar(select(FundAllocation.id).where(
            FundAllocation.program_id == program, FundAllocation.partner_id == admin.partner_id))
    return program, admin, allocation


def request_call(engine: Engine, admin: Actor, program: int, n: int,
                 amount: str = "130.00") -> Callable[[], int]:
    def call() -> int:
        with unit_of_work(engine, immediate=True) as db:
            return submit_request(db, admin, {
                "program_id": program, "activity_type": "event", "name": f"Event {n}",
                "starts_on": NOW.date(), "ends_on": NOW.date(), "requested_amount": amount},
                now=NOW).id
    return call


def refused_for_want_of(program: str, have: Decimal) -> str:
    return f"That is more than your company has available in {program}: {base_money(have)}."


def have_in(message: str) -> Decimal:
    """The available amount a refusal reports."""
    return D(re.sub(r"[^\d.]", "", message.rsplit(":", 1)[1].rstrip(".")))


# ---------------------------------------------------------------- the race


class PeakConnections:
    """How many connections of the engine's pool were checked out at once, at most."""

    def __init__(self, engine: Engine):
        self.out = self.most = 0
        self._lock = threading.Lock()
        event.listen(engine, "checkout", self._checkout)
        event.listen(engine, "checkin", self._checkin)
        self._engine = engine

    def _checkout(self, *_):
        with self._lock:
            self.out += 1
            self.most = max(self.most, self.out)

    def _checkin(self, *_):
        with self._lock:
            self.out -= 1

    def stop(self) -> int:
        event.remove(self._engine, "checkout", self._checkout)
        event.remove(self._engine, "checkin", self._checkin)
        return self.most


def slow_reads(monkeypatch) -> None:
    """Widen the window between reading what is left and writing the move that spends it."""
    real_balance, real_allocated = ledger.balance, ledger.program_allocated

    def balance(*args, **kwargs):
        found = real_balance(*args, **kwargs)
        time.sleep(SLOW_READ)
        return found

    def program_allocated(*args, **kwargs):
        found = real_allocated(*args, **kwargs)
        time.sleep(SLOW_READ)
        return found

    monkeypatch.setattr(ledger, "balance", balance)
    monkeypatch.setattr(ledger, "program_allocated", program_allocated)


def at_once(engine: Engine, calls: list[tuple[str, Callable]]) -> dict[str, dict[str, list]]:
    """Runs every (label, call) on a thread of its own, released together. Returns, per label,
    what was done, the RuleViolations (refused) and any other exception (errors)."""
    start = threading.Barrier(len(calls))

    def run(call):
        start.wait(timeout=60)
        try:
            return "done", call()
        except RuleViolation as exc:
            return "refused", exc
        except Exception as exc:  # noqa: BLE001 - reported by the caller's assertions
            return "errors", exc

    peak = PeakConnections(engine)
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        outcomes = list(pool.map(run, [c for _, c in calls]))
    most = peak.stop()
    assert most > 1, "the calls did not overlap: nothing raced"
    assert most <= POOL_MAX
    out: dict[str, dict[str, list]] = {}
    for (label, _), (how, value) in zip(calls, outcomes, strict=True):
        out.setdefault(label, {"done": [], "refused": [], "errors": []})[how].append(value)
    return out


def count(db: Session, model, *where) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where))


# ---------------------------------------------------------------- the tests


def test_fifty_requests_at_once_on_a_small_allocation_never_overdraw_it(
        seeded, racing, monkeypatch):
    program, admin, allocation = funded(seeded, "1000")
    slow_reads(monkeypatch)

    got = at_once(racing, [("request", request_call(racing, admin, program, n))
                           for n in range(50)])["request"]

    assert got["errors"] == []
    assert len(got["done"]) == 7  # 1,000.00 // 130.00: first come, first served
    assert len(got["refused"]) == 43
    for exc in got["refused"]:  # all came once the 7 had taken 910.00
        assert str(exc) == refused_for_want_of(PROGRAM, D("90.00"))
        assert exc.field == "amount"
    with Session(seeded) as db:
        b = ledger.balance(db, allocation)
        assert (b.allocated, b.held, b.committed, b.available) == (
            D("1000.00"), D("910.00"), D("0.00"), D("90.00"))
        assert b.held + b.committed <= b.allocated and b.available >= 0
        assert check(db).ok, check(db).problems
        # The refused wrote nothing: no request, no hold.
        assert count(db, FundRequest) == 7
        assert sorted(db.scalars(select(FundRequest.id))) == sorted(got["done"])
        assert count(db, FundLedgerEntry, FundLedgerEntry.kind == "hold") == 7


def test_allocations_at_once_never_take_more_than_the_program_budget(
        seeded, racing, monkeypatch):
    with unit_of_work(seeded) as db:
        program = new_program(db, "1000")
        marketing = actor_for(db, "marketing")
        partners = [a.partner_id for a in eligible_admins(db)][:20]
    assert len(partners) == 20
    slow_reads(monkeypatch)

    def give(partner_id):
        def call():
            with unit_of_work(racing, immediate=True) as db:
                return allocate(db, marketing, program, partner_id, D("300.00"),
                                "Launch campaign", now=NOW).amount
        return call

    got = at_once(racing, [("allocate", give(p)) for p in partners])["allocate"]

    assert got["errors"] == []
    assert got["done"] == [D("300.00")] * 3  # 1,000.00 // 300.00
    assert len(got["refused"]) == 17
    for exc in got["refused"]:
        assert str(exc) == (f"That is more than the program has left to allocate "
                            f"({base_money(D('100.00'))} of {base_money(D('1000.00'))}).")
    with Session(seeded) as db:
        assert ledger.program_allocated(db, program) == D("900.00")
        assert check(db).ok, check(db).problems
        # The refused wrote nothing: no allocation row, no ledger entry.
        assert count(db, FundAllocation, FundAllocation.program_id == program) == 3
        assert count(db, FundLedgerEntry, FundLedgerEntry.program_id == program) == 3
        b = ledger.total(ledger.balances(db, program_id=program))
        assert (b.allocated, b.available) == (D("900.00"), D("900.00"))


def test_approvals_racing_new_requests_never_overdraw_the_allocation(
        seeded, racing, monkeypatch):
    """Five requests of 130.00 wait (650.00 held, 350.00 available). At once: marketing
    approves three in full (one of them twice), two in part (100.00: 30.00 each released),
    and the partner sends twenty more requests of 130.00. Two or three of those fit, as the
    releases come before or after them; a refused one saw less than 130.00 available."""
    program, admin, allocation = funded(seeded, "1000")
    waiting = [request_call(seeded, admin, program, n)() for n in range(5)]
    with Session(seeded) as db:
        marketing = actor_for(db, "marketing")
    slow_reads(monkeypatch)

    def approve(request_id, amount=None):
        def call():
            with unit_of_work(racing, immediate=True) as db:
                return approve_request(db, marketing, request_id, amount, now=NOW).status
        return call

    full, part = waiting[:3], waiting[3:]
    calls = [("approve", approve(r)) for r in [*full, full[0]]]
    calls += [("approve", approve(r, D("100.00"))) for r in part]
    calls += [("request", request_call(racing, admin, program, n)) for n in range(5, 25)]
    got = at_once(racing, calls)

    approved, asked = got["approve"], got["request"]
    assert approved["errors"] == [] and asked["errors"] == []
    assert approved["done"] == ["approved"] * 5
    assert [str(e) for e in approved["refused"]] == [
        "This request is approved; it cannot be approved."]
    fitted = len(asked["done"])
    assert fitted in (2, 3), fitted
    assert len(asked["refused"]) == 20 - fitted
    for exc in asked["refused"]:
        assert str(exc) == refused_for_want_of(PROGRAM, have_in(str(exc)))
        assert D("0.00") <= have_in(str(exc)) < D("130.00")
    with Session(seeded) as db:
        b = ledger.balance(db, allocation)
        committed = 3 * D("130.00") + 2 * D("100.00")
        assert (b.allocated, b.committed, b.held) == (D("1000.00"), committed,
                                                       fitted * D("130.00"))
        assert b.held + b.committed <= b.allocated and b.available >= 0
        assert b.available == b.allocated - b.held - b.committed  # nothing lost or made
        assert check(db).ok, check(db).problems
        assert count(db, FundLedgerEntry, FundLedgerEntry.kind == "commit") == 5
        statuses = dict(db.execute(select(FundRequest.status, func.count())
                                   .group_by(FundRequest.status)).all())
        assert statuses == {"approved": 5, "submitted": fitted}
