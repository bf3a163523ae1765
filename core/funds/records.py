"""Loading and scoping funds' records: a partner admin reaches only its own partner's
allocations, requests, claims and files; the vendor's roles every partner's. Reads build the
frozen results pages render, with each request's history."""

from datetime import date
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.errors import NotFound
from core.funds import ledger
from core.funds.schemas import (
    AllocationOut,
    ClaimFileOut,
    ClaimOut,
    FundEventOut,
    RequestOut,
)
from core.funds.status import CLAIM_LABELS, REQUEST_LABELS, ClaimStatus, RequestStatus
from core.permissions import can, require, scope
from core.standing import require_open_partner
from db.models import (
    FundAllocation,
    FundClaim,
    FundClaimFile,
    FundEvent,
    FundProgram,
    FundRequest,
    Partner,
    Tier,
)
from db.types import utcnow


def load_request(db: Session, actor: Actor, request_id: int, action: str = "fund.view", *,
                 lock: bool = False) -> FundRequest:
    """A request the actor may act on; another partner's is NotFound, like a missing one."""
    require(actor, action)
    require_open_partner(db, actor)
    valid = isinstance(request_id, int) and not isinstance(request_id, bool)
    request = db.get(FundRequest, request_id, populate_existing=lock) if valid else None
    if request is None or not can(actor, action, request):
        raise NotFound("request")
    return request


def claim_of(db: Session, request_id: int) -> FundClaim | None:
    return db.scalar(select(FundClaim).where(FundClaim.request_id == request_id))


def add_event(db: Session, actor: Actor, request: FundRequest, action: str, note: str = "",
              *, claim: FundClaim | None = None, now=None, **details) -> None:
    db.add(FundEvent(request_id=request.id, claim_id=claim.id if claim else None,
                     at=now or utcnow(), actor_user_id=actor.user_id, actor_label=actor.label,
                     action=action, note=note[:1000], details=details))


def claim_out(db: Session, claim: FundClaim, *, with_files: bool = True) -> ClaimOut:
    """A claim; its files only with `with_files` (a record's page, not a list)."""
    files = db.scalars(select(FundClaimFile).where(FundClaimFile.claim_id == claim.id)
                       .order_by(FundClaimFile.id)) if with_files else ()
    return ClaimOut(
        claim.id, claim.request_id, claim.partner_id, claim.status,
        CLAIM_LABELS[ClaimStatus(claim.status)], claim.actual_spend, claim.claimed_amount,
        claim.approved_amount, claim.paid_amount, claim.leads, claim.attendees,
        claim.opportunities, claim.note, claim.decision_note, claim.submitted_at,
        claim.decided_at, claim.paid_on, claim.payment_reference,
        tuple(ClaimFileOut(f.id, f.file_name, f.kind, f.size, f.sha256, f.uploaded_at)
              for f in files))


def request_out(db: Session, request: FundRequest, *, program: str | None = None,
                partner: str | None = None, claims: dict[int, FundClaim] | None = None
                ) -> RequestOut:
    """A request with its claim: for a list, `claims` holds the page's claims (read at once;
    their files left out); else the claim and its files are read here."""
    program = program or db.scalar(select(FundProgram.name).where(
        FundProgram.id == request.program_id))
    partner = partner or db.scalar(select(Partner.name).where(Partner.id == request.partner_id))
    listed = claims is not None
    claim = claims.get(request.id) if listed else claim_of(db, request.id)
    return RequestOut(
        request.id, request.program_id, program, request.partner_id, partner,
        request.activity_type, request.name, request.starts_on, request.ends_on,
        request.description, request.requested_amount, request.approved_amount,
        request.expected_leads, request.expected_pipeline, request.status,
        REQUEST_LABELS[RequestStatus(request.status)], request.decision_note,
        request.claim_due_on, request.submitted_at, request.decided_at,
        claim_out(db, claim, with_files=not listed) if claim else None)


def get_request(db: Session, actor: Actor, request_id: int) -> RequestOut:
    return request_out(db, load_request(db, actor, request_id))


def history(db: Session, actor: Actor, request_id: int) -> list[FundEventOut]:
    request = load_request(db, actor, request_id)
    rows = db.scalars(select(FundEvent).where(FundEvent.request_id == request.id)
                      .order_by(FundEvent.at, FundEvent.id))
    return [FundEventOut(e.at, e.actor_label, e.action, e.note) for e in rows]


def list_requests(db: Session, actor: Actor, *, statuses: list[str] | None = None,
                  claim_statuses: list[str] | None = None, program_id: int | None = None,
                  partner_id: int | None = None, since: date | None = None,
                  until: date | None = None, limit: int = 500, offset: int = 0,
                  ) -> tuple[list[RequestOut], int]:
    """Requests (with their claims) the actor may read, newest first, and how many match."""
    require(actor, "fund.view")
    require_open_partner(db, actor)
    q = scope(actor, select(FundRequest, FundProgram.name, Partner.name)
              .join(FundProgram, FundProgram.id == FundRequest.program_id)
              .join(Partner, Partner.id == FundRequest.partner_id), FundRequest)
    if statuses:
        q = q.where(FundRequest.status.in_(statuses))
    if claim_statuses:
        q = q.where(FundRequest.id.in_(select(FundClaim.request_id).where(
            FundClaim.status.in_(claim_statuses))))
    if program_id is not None:
        q = q.where(FundRequest.program_id == program_id)
    if partner_id is not None:
        q = q.where(FundRequest.partner_id == partner_id)
    if since is not None:
        q = q.where(FundRequest.ends_on >= since)
    if until is not None:
        q = q.where(FundRequest.starts_on <= until)
    total = db.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = db.execute(q.order_by(FundRequest.submitted_at.desc(), FundRequest.id.desc())
                      .limit(limit).offset(offset)).all()
    ids = [r.id for r, _, _ in rows]
    claims = {c.request_id: c for c in db.scalars(select(FundClaim).where(
        FundClaim.request_id.in_(ids)))} if ids else {}
    return [request_out(db, r, program=prog, partner=name, claims=claims)
            for r, prog, name in rows], total


def _allocations_query(actor: Actor) -> Select:
    # Columns, not entities: the overview reads thousands of rows.
    return scope(actor, select(FundAllocation.id, FundAllocation.partner_id, FundProgram.id,
                               FundProgram.name, FundProgram.kind, Partner.name, Tier.name)
                 .join(FundProgram, FundProgram.id == FundAllocation.program_id)
                 .join(Partner, Partner.id == FundAllocation.partner_id)
                 .join(Tier, Tier.id == Partner.tier_id), FundAllocation)


def list_allocations(db: Session, actor: Actor, *, program_id: int | None = None,
                     partner_id: int | None = None) -> list[AllocationOut]:
    """Each allocation the actor may read with its balance from the ledger: per program,
    allocated, held, committed, approved, paid, expired and available; and what its claims
    waiting for finance ask."""
    require(actor, "fund.view")
    require_open_partner(db, actor)
    q = _allocations_query(actor)
    if program_id is not None:
        q = q.where(FundAllocation.program_id == program_id)
    if partner_id is not None:
        q = q.where(FundAllocation.partner_id == partner_id)
    rows = db.execute(q.order_by(FundProgram.starts_on.desc(), Partner.name)).all()
    ids = [row[0] for row in rows]
    found = ledger.balances(db, allocation_ids=ids) if ids else {}
    waiting = dict(db.execute(
        select(FundRequest.allocation_id, func.sum(FundClaim.claimed_amount))
        .join(FundClaim, FundClaim.request_id == FundRequest.id)
        .where(FundRequest.allocation_id.in_(ids), FundClaim.status.in_(
            [ClaimStatus.SUBMITTED.value, ClaimStatus.PROOF_REQUESTED.value]))
        .group_by(FundRequest.allocation_id)).all()) if ids else {}
    return [AllocationOut(alloc, program, name, kind, partner_id, partner, tier,
                          found.get(alloc, ledger.Balance()),
                          waiting.get(alloc) or Decimal("0.00"))
            for alloc, partner_id, program, name, kind, partner, tier in rows]


def partner_choices_for_funds(db: Session, actor: Actor) -> list[tuple[int, str]]:
    """(id, name) of the partners holding an allocation, for the vendor's filters."""
    require(actor, "fund.view")
    q = scope(actor, select(Partner.id, Partner.name).where(Partner.id.in_(
        select(FundAllocation.partner_id))), Partner)
    return [(i, n) for i, n in db.execute(q.order_by(Partner.name))]
