"""Demo incentives: a volume rebate for resellers (tiered rates above thresholds each quarter,
in force since the previous quarter) and a SPIFF on one SKU for the current quarter, both
calculated from the demo's POS lines. Of the previous quarter's statements one is paid, one
approved and waiting for payment, the rest wait for finance's review. Deterministic."""

from datetime import UTC, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts.records import actor_of
from core.actor import Actor
from core.incentives.calculation import calculate
from core.incentives.periods import quarter_of
from core.incentives.programs import create_program, publish
from core.incentives.statements import approve, list_statements, pay
from db.models import Product, User


def _user(db: Session, username: str) -> Actor:
    return actor_of(db.scalar(select(User).where(User.username == username)))


def seed_incentives(db: Session, *, now: datetime) -> dict[str, int]:
    channel, finance = _user(db, "channel"), _user(db, "finance")
    current = quarter_of(now.date())
    previous = current.previous()
    # Published when the previous quarter began (the demo's history), so that quarter counts.
    began = datetime.combine(previous.starts_on, time(9), UTC)
    rebate = create_program(db, channel, {
        "name": "Reseller volume rebate", "kind": "volume", "starts_on": previous.starts_on,
        "description": "Quarterly rebate on sell-through reported by distributors.",
        "brackets": [{"threshold": "0", "rate_percent": "1"},
                     {"threshold": "10000", "rate_percent": "2"},
                     {"threshold": "25000", "rate_percent": "3"}], "basis": "above"},
        now=began)
    publish(db, channel, rebate.id, previous.starts_on, note="Launch", now=began)
    sku = db.scalar(select(Product.id).order_by(Product.sku).limit(1))
    spiff = create_program(db, channel, {
        "name": "Quarter-end SPIFF", "kind": "spiff", "starts_on": current.starts_on,
        "ends_on": current.ends_on, "product_ids": [sku], "amount_per_unit": "40",
        "payee": "partner"}, now=now)
    publish(db, channel, spiff.id, current.starts_on, now=now)
    create_program(db, channel, {
        "name": "Growth rebate (draft)", "kind": "growth", "starts_on": current.next().starts_on,
        "rate_percent": "4", "min_growth_percent": "10"}, now=now)
    for quarter in (previous, current):
        calculate(db, finance, quarter.starts_on, now=now)
    rows = [r for r in list_statements(db, finance, starts_on=previous.starts_on)
            if r.earned > 0]
    for n, row in enumerate(rows[:2]):
        approve(db, finance, row.id, expected=row.pending, now=now)
        if n == 0:
            pay(db, finance, row.id, {"amount": str(row.pending), "reference": "TR-2026-0101"},
                now=now)
    return {"statements": len(list_statements(db, finance))}
