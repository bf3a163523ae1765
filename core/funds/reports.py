"""What funds brought and where the money went: ROI per activity, program and partner (paid,
leads, pipeline and won revenue of the leads and registrations that name the activity), the
ledger for finance, and the ledger's and the claims' exports for a period (CSV and XLSX,
formula-looking cells neutralised by core.exports)."""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import BigInteger, cast, func, select, type_coerce
from sqlalchemy.orm import Session

from core.actor import Actor
from core.deals.status import DealStatus
from core.errors import RuleViolation
from core.exports import to_csv, to_xlsx
from core.funds import ledger
from core.funds.schemas import LedgerRow, RoiRow
from core.funds.status import CLAIM_LABELS, ClaimStatus
from core.permissions import require, scope
from core.standing import require_open_partner
from db.models import (
    DealRegistration,
    FundClaim,
    FundLedgerEntry,
    FundProgram,
    FundRequest,
    Lead,
    Partner,
)
from db.types import cents_to_decimal

ZERO = Decimal("0.00")
BY = ("activity", "program", "partner")


def roi(db: Session, actor: Actor, *, by: str = "activity", program_id: int | None = None,
        partner_id: int | None = None, limit: int | None = None) -> list[RoiRow]:
    """Paid, leads, pipeline, won revenue and ROI (won / paid), grouped by activity, program
    or partner, over the requests the actor may read; the biggest spend first (the first
    `limit`). Four grouped reads, each joined to the requests in scope."""
    require(actor, "fund.view")
    require_open_partner(db, actor)
    if by not in BY:
        raise RuleViolation("Group by activity, program or partner.", field="by")
    r = FundRequest
    key = {"activity": r.id, "program": r.program_id, "partner": r.partner_id}[by]
    q = scope(actor, select(r.id.label("rid"), key.label("key")), r)
    if program_id is not None:
        q = q.where(r.program_id == program_id)
    if partner_id is not None:
        q = q.where(r.partner_id == partner_id)
    reqs = q.subquery()
    d, L = DealRegistration, FundLedgerEntry
    paid = _grouped(db, reqs, whole(L.amount), L, L.request_id, L.kind == "pay")
    leads = _grouped(db, reqs, func.count(), Lead, Lead.fund_request_id)
    pipeline = _grouped(db, reqs, whole(d.estimated_value), d, d.fund_request_id)
    won = _grouped(db, reqs, whole(d.final_amount), d, d.fund_request_id,
                   d.status == DealStatus.WON.value)
    keys = list(db.scalars(select(reqs.c.key).distinct()))
    names = _names(db, by, keys)
    rows = [RoiRow(k, names.get(k, f"#{k}"), cents_to_decimal(paid.get(k, 0)),
                   int(leads.get(k, 0)), cents_to_decimal(pipeline.get(k, 0)),
                   cents_to_decimal(won.get(k, 0))) for k in keys]
    rows.sort(key=lambda x: (-x.paid, -x.won, x.name))
    return rows[:limit] if limit is not None else rows


def whole(column):
    """SUM of a Money column in cents, as a plain integer."""
    return cast(func.sum(type_coerce(column, BigInteger)), BigInteger)


def _grouped(db: Session, reqs, measure, model, request_column, *where) -> dict[int, int]:
    q = (select(reqs.c.key, measure).select_from(reqs)
         .join(model, request_column == reqs.c.rid).where(*where).group_by(reqs.c.key))
    return {k: v or 0 for k, v in db.execute(q)}


def _names(db: Session, by: str, keys: list[int]) -> dict[int, str]:
    if not keys:
        return {}
    model = {"activity": FundRequest, "program": FundProgram, "partner": Partner}[by]
    out: dict[int, str] = {}
    for i in range(0, len(keys), 5_000):
        out.update(db.execute(select(model.id, model.name).where(
            model.id.in_(keys[i:i + 5_000]))).tuples().all())
    return out


def _window(start: date, end: date) -> tuple[datetime, datetime]:
    if end < start:
        raise RuleViolation("The period's last day is on or after its first.", field="end")
    return (datetime.combine(start, time(), tzinfo=UTC),
            datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC))


def ledger_rows(db: Session, actor: Actor, start: date, end: date, *,
                program_id: int | None = None, partner_id: int | None = None,
                limit: int | None = None) -> list[LedgerRow]:
    """The ledger's entries of a period (by their time, UTC days), oldest first."""
    require(actor, "fund.ledger")
    first, after = _window(start, end)
    L = FundLedgerEntry
    q = (select(L, FundProgram.name, Partner.name)
         .join(FundProgram, FundProgram.id == L.program_id)
         .join(Partner, Partner.id == L.partner_id)
         .where(L.at >= first, L.at < after))
    if program_id is not None:
        q = q.where(L.program_id == program_id)
    if partner_id is not None:
        q = q.where(L.partner_id == partner_id)
    q = q.order_by(L.at, L.id)
    if limit is not None:
        q = q.limit(limit)
    return [LedgerRow(e.id, e.at, prog, partner, e.kind, e.from_bucket, e.to_bucket, e.amount,
                      e.request_id, e.claim_id, e.reason, e.actor_label)
            for e, prog, partner in db.execute(q)]


LEDGER_HEADER = ["Entry", "Time (UTC)", "Program", "Partner", "Movement", "From", "To",
                 "Amount", "Request", "Claim", "Reason", "By"]


def _ledger_cells(r: LedgerRow) -> list:
    return [r.id, r.at, r.program_name, r.partner_name, ledger.KIND_LABELS.get(r.kind, r.kind),
            r.from_bucket, r.to_bucket, r.amount, r.request_id, r.claim_id, r.reason, r.actor]


def export_ledger(db: Session, actor: Actor, start: date, end: date, fmt: str = "csv", *,
                  program_id: int | None = None, partner_id: int | None = None) -> bytes:
    rows = ledger_rows(db, actor, start, end, program_id=program_id, partner_id=partner_id)
    cells = (_ledger_cells(r) for r in rows)
    return to_xlsx(LEDGER_HEADER, cells, sheet_title="Fund ledger") if fmt == "xlsx" \
        else to_csv(LEDGER_HEADER, cells)


CLAIMS_HEADER = ["Claim", "Request", "Partner", "Program", "Activity", "Submitted (UTC)",
                 "Status", "Actual spend", "Claimed", "Approved", "Paid", "Paid on",
                 "Payment reference", "Leads", "Attendees", "Opportunities"]


def claims_rows(db: Session, actor: Actor, start: date, end: date, *,
                program_id: int | None = None) -> list[list]:
    """The claims submitted in a period (of one program, or all), oldest first, as export
    cells."""
    require(actor, "fund.ledger")
    first, after = _window(start, end)
    q = (select(FundClaim, FundRequest.name, Partner.name, FundProgram.name)
         .join(FundRequest, FundRequest.id == FundClaim.request_id)
         .join(Partner, Partner.id == FundClaim.partner_id)
         .join(FundProgram, FundProgram.id == FundClaim.program_id)
         .where(FundClaim.submitted_at >= first, FundClaim.submitted_at < after,
                *([FundClaim.program_id == program_id] if program_id is not None else []))
         .order_by(FundClaim.submitted_at, FundClaim.id))
    return [[c.id, c.request_id, partner, program, activity, c.submitted_at,
             CLAIM_LABELS[ClaimStatus(c.status)], c.actual_spend, c.claimed_amount,
             c.approved_amount, c.paid_amount, c.paid_on, c.payment_reference, c.leads,
             c.attendees, c.opportunities]
            for c, activity, partner, program in db.execute(q)]


def export_claims(db: Session, actor: Actor, start: date, end: date, fmt: str = "csv", *,
                  program_id: int | None = None) -> bytes:
    rows = claims_rows(db, actor, start, end, program_id=program_id)
    return to_xlsx(CLAIMS_HEADER, rows, sheet_title="Fund claims") if fmt == "xlsx" \
        else to_csv(CLAIMS_HEADER, rows)


def period_totals(db: Session, actor: Actor, start: date, end: date, *,
                  program_id: int | None = None) -> dict[str, Decimal]:
    """Each movement's total in a period ({kind: amount}; of one program, or all), for
    finance's summary."""
    require(actor, "fund.ledger")
    first, after = _window(start, end)
    out: dict[str, Decimal] = defaultdict(Decimal)
    L = FundLedgerEntry
    q = select(L.kind, func.sum(L.amount)).where(L.at >= first, L.at < after)
    if program_id is not None:
        q = q.where(L.program_id == program_id)
    for kind, amount in db.execute(q.group_by(L.kind)):
        out[kind] += amount
    return dict(out)
