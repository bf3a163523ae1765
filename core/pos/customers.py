"""End customers for the POS lines the import could not match by exact key: a job runs the
company-name matcher (core.customers, the conflict check's retrieval and scoring) over each
distinct (name, country) still unmatched, and proposes the best end customer it finds in the
same country (a "possible" score or better). Vendor ops confirm a proposal (the lines get the
end customer, and the registrations they now match are confirmed by POS) or dismiss it."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.customers.matching import POSSIBLE_AT, name_key, name_similarity
from core.deals.conflicts import candidate_customers, claim_for
from core.errors import NotFound, RuleViolation
from core.permissions import require
from core.pos.importer import confirm_deals
from db.models import EndCustomer, PosLine
from db.types import utcnow

BATCH = 500  # distinct names a run looks at
NO_MATCH = 0  # proposed_score of a name looked at that has no candidate


def propose_customers(db: Session, *, now: datetime | None = None) -> str:
    now = now or utcnow()
    pairs = db.execute(select(PosLine.end_customer_name, PosLine.end_customer_country)
                       .where(PosLine.end_customer_id.is_(None),
                              PosLine.proposed_score.is_(None),
                              PosLine.end_customer_name != "",
                              PosLine.end_customer_country.is_not(None))
                       .distinct().limit(BATCH)).all()
    proposed = 0
    for name, country in pairs:
        best, score = _best(db, name, country, now.date())
        db.execute(update(PosLine).where(
            PosLine.end_customer_name == name, PosLine.end_customer_country == country,
            PosLine.end_customer_id.is_(None), PosLine.proposed_score.is_(None))
            .values(proposed_customer_id=best, proposed_score=score if best else NO_MATCH)
            .execution_options(synchronize_session=False))
        proposed += best is not None
    return f"{len(pairs)} end-customer names looked at, {proposed} matches proposed"


def _best(db: Session, name: str, country: str, today: date) -> tuple[int | None, int]:
    claim = claim_for(name=name, domain=None, country=country, starts=today, ends=today)
    ids = candidate_customers(db, claim)
    if not ids:
        return None, 0
    key = name_key(name)
    best, best_score = None, 0
    for cid, other, other_country in db.execute(
            select(EndCustomer.id, EndCustomer.name, EndCustomer.country)
            .where(EndCustomer.id.in_(ids), EndCustomer.merged_into_id.is_(None))):
        if other_country != country:
            continue
        score = name_similarity(key, other).score
        if score > best_score:
            best, best_score = cid, score
    return (best, best_score) if best_score >= POSSIBLE_AT else (None, 0)


@dataclass(frozen=True)
class Proposal:
    name: str
    country: str
    lines: int
    end_customer_id: int
    end_customer_name: str
    score: int


def list_proposals(db: Session, actor: Actor, *, limit: int = 200) -> list[Proposal]:
    require(actor, "pos.exceptions")
    rows = db.execute(
        select(PosLine.end_customer_name, PosLine.end_customer_country,
               PosLine.proposed_customer_id, func.count(), func.max(PosLine.proposed_score))
        .where(PosLine.end_customer_id.is_(None), PosLine.proposed_customer_id.is_not(None))
        .group_by(PosLine.end_customer_name, PosLine.end_customer_country,
                  PosLine.proposed_customer_id)
        .order_by(func.count().desc()).limit(limit)).all()
    names = dict(db.execute(select(EndCustomer.id, EndCustomer.name).where(
        EndCustomer.id.in_([r[2] for r in rows]))).all()) if rows else {}
    return [Proposal(n, c, k, cid, names.get(cid, f"#{cid}"), s) for n, c, cid, k, s in rows]


def decide_proposal(db: Session, actor: Actor, name: str, country: str, accept: bool, *,
                    now: datetime | None = None) -> int:
    """Confirm (the lines get the proposed end customer, and the registrations they match are
    confirmed) or dismiss a proposal; returns how many lines it touched."""
    require(actor, "pos.exceptions")
    now = now or utcnow()
    lines = list(db.scalars(select(PosLine).where(
        PosLine.end_customer_name == name, PosLine.end_customer_country == country,
        PosLine.end_customer_id.is_(None), PosLine.proposed_customer_id.is_not(None))))
    if not lines:
        raise NotFound("proposal")
    customer = lines[0].proposed_customer_id
    if any(x.proposed_customer_id != customer for x in lines):
        raise RuleViolation("The lines of this name point at different end customers.")
    for x in lines:
        if accept:
            x.end_customer_id = customer
        x.proposed_customer_id, x.proposed_score = None, NO_MATCH if not accept else None
    db.flush()
    confirmed = confirm_deals(db, {(x.seller_id, customer, x.product_line_id)
                                    for x in lines}, now) if accept else 0
    audit.record(db, actor, "pos.customer_match", "end_customer", customer, after={
        "name": name, "country": country, "accepted": accept, "lines": len(lines),
        "confirmed_registrations": confirmed}, now=now)
    return len(lines)
