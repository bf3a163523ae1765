"""What-if: a program's changed terms replayed over the last N complete quarters of clean POS,
beside the terms in force now, per partner and in total. It reads and computes only; nothing
is written, so it runs before anyone publishes the change."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.errors import RuleViolation
from core.incentives.calculation import program_earnings
from core.incentives.periods import last_complete
from core.incentives.programs import Window, in_force, load_program, published, window_of
from core.incentives.sales import quarter_sales, standing_at
from core.incentives.schemas import ProgramIn, Terms
from core.permissions import require
from core.validation import as_model
from db.models import Partner
from db.types import utcnow

ZERO = Decimal("0.00")
MAX_QUARTERS = 8


@dataclass(frozen=True)
class PartnerCost:
    partner_id: int
    partner_name: str
    before: Decimal
    after: Decimal

    @property
    def change(self) -> Decimal:
        return self.after - self.before


@dataclass(frozen=True)
class QuarterCost:
    quarter: str
    before: Decimal
    after: Decimal


@dataclass(frozen=True)
class WhatIf:
    program: str
    quarters: tuple[str, ...]
    partners: tuple[PartnerCost, ...]  # biggest change first
    by_quarter: tuple[QuarterCost, ...]
    before_total: Decimal
    after_total: Decimal
    before_label: str  # "the terms in force" or "not published yet"


def what_if(db: Session, actor: Actor, program_id: int, proposed: ProgramIn | dict,
            quarters: int = 4, *, now: datetime | None = None) -> WhatIf:
    require(actor, "incentive.whatif")
    now = now or utcnow()
    if not 1 <= quarters <= MAX_QUARTERS:
        raise RuleViolation(f"Replay from 1 to {MAX_QUARTERS} quarters.", field="quarters")
    data = as_model(ProgramIn, proposed)
    program = load_program(db, program_id)
    if data.kind != program.kind:
        raise RuleViolation("The what-if keeps the program's kind.", field="kind")
    after_terms = Terms.of(data)
    versions = published(db, [program.id]).get(program.id, [])
    # The proposal's window is its own; "before" is what was in force in each quarter.
    proposed = Window(program.id, program.kind, data.starts_on, data.ends_on)
    before: dict[int, Decimal] = {}
    after: dict[int, Decimal] = {}
    by_quarter = []
    chosen = last_complete(now.date(), quarters)
    for quarter in chosen:
        sales = quarter_sales(db, quarter)
        standing = standing_at(db, quarter.end_moment)
        was = in_force(versions, quarter)
        b = _totals(db, window_of(program, was), was, quarter, sales, standing) if was else {}
        a = _totals(db, proposed, after_terms, quarter, sales, standing)
        for target, found in ((before, b), (after, a)):
            for partner_id, amount in found.items():
                target[partner_id] = target.get(partner_id, ZERO) + amount
        by_quarter.append(QuarterCost(quarter.label, sum(b.values(), ZERO),
                                      sum(a.values(), ZERO)))
    ids = set(before) | set(after)
    partner_names = dict(db.execute(select(Partner.id, Partner.name).where(
        Partner.id.in_(ids))).tuples().all()) if ids else {}
    rows = sorted((PartnerCost(p, partner_names.get(p, str(p)), before.get(p, ZERO),
                               after.get(p, ZERO)) for p in ids),
                  key=lambda r: (-abs(r.change), -r.after, r.partner_name))
    return WhatIf(program.name, tuple(q.label for q in chosen), tuple(rows), tuple(by_quarter),
                  sum(before.values(), ZERO), sum(after.values(), ZERO),
                  "the terms in force in each quarter" if versions else "not published yet")


def _totals(db, program: Window, terms: Terms, quarter, sales, standing
            ) -> dict[int, Decimal]:
    out: dict[int, Decimal] = {}
    for earning in program_earnings(db, program, terms, quarter, sales, standing).values():
        out[earning.partner_id] = out.get(earning.partner_id, ZERO) + earning.amount
    return out
