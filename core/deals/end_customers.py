"""The desk's corrections to end-customer records: merge two records of one real company,
and file a registration under another record. Both are audited and run matching again."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.customers import CUSTOMER_FIELDS, add_keys, file_name, search_customers
from core.deals.records import add_event, load, serialize_registrations, snapshot
from core.deals.routing import recheck
from core.deals.status import OPEN, STATUS_LABELS, DealStatus
from core.errors import NotFound, RuleViolation
from core.permissions import require
from db.models import DealRegistration, DirectOpportunity, EndCustomer, EndCustomerKey, Partner
from db.types import utcnow


@dataclass(frozen=True)
class CustomerMerge:
    kept_id: int
    merged_id: int
    registrations_moved: int
    directs_moved: int
    rechecked: int


def merge_end_customers(db: Session, actor: Actor, keep_id: int, merge_id: int, *,
                        now: datetime | None = None) -> CustomerMerge:
    """Fold record `merge_id` into `keep_id`: its registrations, direct opportunities and
    filed names move over; the merged record stays, pointing at the kept one. The open
    registrations of the kept record are then matched again (they now share one record)."""
    require(actor, "customer.merge")
    now = now or utcnow()
    if keep_id == merge_id:
        raise RuleViolation("Choose two different end customers.", field="merge_id")
    serialize_registrations(db)
    keep = _active(db, keep_id, "keep_id")
    gone = _active(db, merge_id, "merge_id")
    before = {"kept": audit.snapshot(keep, CUSTOMER_FIELDS),
              "merged": audit.snapshot(gone, CUSTOMER_FIELDS)}
    moved = _move_claims(db, actor, DealRegistration, "deal", "deal_registration", gone.id,
                         keep.id, now)
    directs = _move_claims(db, actor, DirectOpportunity, "direct_opportunity",
                           "direct_opportunity", gone.id, keep.id, now)
    keys = set(db.scalars(select(EndCustomerKey.key)
                          .where(EndCustomerKey.end_customer_id == gone.id)))
    db.execute(EndCustomerKey.__table__.delete().where(
        EndCustomerKey.end_customer_id == gone.id))
    add_keys(db, keep.id, keys)
    if keep.domain is None and gone.domain:
        keep.domain = gone.domain
    gone.merged_into_id = keep.id
    keep.updated_at = gone.updated_at = now
    db.flush()
    audit.record(db, actor, "end_customer.merge", "end_customer", keep.id, before=before,
                 after={"kept": audit.snapshot(keep, CUSTOMER_FIELDS), "merged_id": gone.id,
                        "registrations_moved": moved, "direct_opportunities_moved": directs},
                 now=now)
    audit.record(db, actor, "end_customer.fold_into", "end_customer", gone.id,
                 before={"merged_into_id": None}, after={"merged_into_id": keep.id}, now=now)
    rechecked = _recheck_customer(db, actor, keep.id, now,
                                  f"End customer #{gone.id} {gone.name} merged into #{keep.id}")
    return CustomerMerge(keep.id, gone.id, moved, directs, rechecked)


def _move_claims(db: Session, actor: Actor, model, action: str, entity: str, from_id: int,
                 to_id: int, now: datetime) -> int:
    """Point every claim of one record at another, one audit event per row moved."""
    rows = list(db.scalars(select(model).where(model.end_customer_id == from_id)
                           .order_by(model.id).with_for_update()))
    for row in rows:
        row.end_customer_id, row.updated_at = to_id, now
        audit.record(db, actor, f"{action}.reassign_customer", entity, row.id,
                     before={"end_customer_id": from_id}, after={"end_customer_id": to_id},
                     partner_id=getattr(row, "partner_id", None), now=now)
    db.flush()
    return len(rows)


def reassign_end_customer(db: Session, actor: Actor, deal_id: int, end_customer_id: int, *,
                          now: datetime | None = None) -> None:
    """File a registration under another end-customer record (the desk found it belongs
    there), index its name under that record, and match it again."""
    require(actor, "deal.desk")
    now = now or utcnow()
    serialize_registrations(db)
    deal = load(db, actor, deal_id, "deal.desk", for_update=True)
    target = _active(db, end_customer_id, "end_customer_id")
    if target.id == deal.end_customer_id:
        raise RuleViolation("The registration is already filed under that end customer.",
                            field="end_customer_id")
    old = db.get(EndCustomer, deal.end_customer_id)
    before = snapshot(deal) | {"end_customer_id": old.id}
    deal.end_customer_id, deal.updated_at = target.id, now
    file_name(db, target.id, deal.customer_name)
    add_event(db, deal, actor, "edit", f"Filed under end customer #{target.id} {target.name} "
              f"(was #{old.id} {old.name}).", now=now, internal=True)
    db.flush()
    audit.record(db, actor, "deal.reassign_customer", "deal_registration", deal.id,
                 before=before, after=snapshot(deal) | {"end_customer_id": target.id},
                 partner_id=deal.partner_id, now=now)
    recheck(db, deal, actor, now, why="Matched again after re-filing")


def _active(db: Session, customer_id: int, field: str) -> EndCustomer:
    if isinstance(customer_id, bool) or not isinstance(customer_id, int):
        raise RuleViolation("Choose an end customer from the list.", field=field)
    customer = db.get(EndCustomer, customer_id)
    if customer is None:
        raise NotFound("end customer")
    if customer.merged_into_id is not None:
        raise RuleViolation(f"End customer #{customer.id} was merged into "
                            f"#{customer.merged_into_id}; choose that one.", field=field)
    return customer


def _recheck_customer(db: Session, actor: Actor, customer_id: int, now: datetime,
                      why: str) -> int:
    deals = list(db.scalars(select(DealRegistration).where(
        DealRegistration.end_customer_id == customer_id,
        DealRegistration.status.in_([s.value for s in OPEN]))
        .order_by(DealRegistration.submitted_at, DealRegistration.id)))
    for deal in deals:
        recheck(db, deal, actor, now, why=f"Matched again: {why}")
    return len(deals)


@dataclass(frozen=True)
class EndCustomerRow:
    id: int
    name: str
    domain: str | None
    country: str
    registrations: int
    open_registrations: int
    direct_opportunities: int
    filed_names: tuple[str, ...]  # the names its registrations were filed under


def list_end_customers(db: Session, actor: Actor, search: str = "", *,
                       limit: int = 50) -> list[EndCustomerRow]:
    """Records (not merged away) by name or domain, with how many claims each carries."""
    require(actor, "customer.view")
    found = [c.id for c in search_customers(db, actor, search, limit=limit * 2)]
    rows = db.execute(select(EndCustomer).where(EndCustomer.id.in_(found),
                                                EndCustomer.merged_into_id.is_(None))
                      .order_by(EndCustomer.name, EndCustomer.id).limit(limit)).scalars().all()
    ids = [c.id for c in rows]
    open_values = [s.value for s in OPEN]
    regs = {cid: (n, o) for cid, n, o in db.execute(
        select(DealRegistration.end_customer_id, func.count(),
               func.sum(case((DealRegistration.status.in_(open_values), 1), else_=0)))
        .where(DealRegistration.end_customer_id.in_(ids))
        .group_by(DealRegistration.end_customer_id))}
    directs = dict(db.execute(select(DirectOpportunity.end_customer_id, func.count())
                              .where(DirectOpportunity.end_customer_id.in_(ids))
                              .group_by(DirectOpportunity.end_customer_id)).all())
    names: dict[int, set[str]] = {}
    for cid, name in db.execute(select(DealRegistration.end_customer_id,
                                       DealRegistration.customer_name).distinct()
                                .where(DealRegistration.end_customer_id.in_(ids))):
        names.setdefault(cid, set()).add(name)
    return [EndCustomerRow(c.id, c.name, c.domain, c.country, regs.get(c.id, (0, 0))[0],
                           int(regs.get(c.id, (0, 0))[1] or 0), directs.get(c.id, 0),
                           tuple(sorted(names.get(c.id, set()))))
            for c in rows]


@dataclass(frozen=True)
class CustomerClaim:
    """A registration or a direct opportunity filed under an end customer."""
    kind: str  # "registration" or "direct"
    id: int
    name: str  # the customer as the claim named it
    who: str  # the partner, or the direct opportunity's name and owner
    status: str
    amount: Decimal
    at: datetime  # submitted, or imported


@dataclass(frozen=True)
class EndCustomerRecord:
    customer: EndCustomerRow
    claims: tuple[CustomerClaim, ...]  # newest first
    merged_into_id: int | None  # where a merged-away record's claims went


def end_customer_record(db: Session, actor: Actor, customer_id: int) -> EndCustomerRecord:
    """One end customer with every claim filed under it (the desk's view: partners and
    direct sales side by side)."""
    require(actor, "customer.view")
    customer = db.get(EndCustomer, customer_id) if isinstance(customer_id, int) else None
    if customer is None:
        raise NotFound("end customer")
    regs = db.execute(
        select(DealRegistration, Partner.name).join(Partner,
                                                    Partner.id == DealRegistration.partner_id)
        .where(DealRegistration.end_customer_id == customer.id)).all()
    directs = db.scalars(select(DirectOpportunity)
                         .where(DirectOpportunity.end_customer_id == customer.id)).all()
    claims = [CustomerClaim("registration", d.id, d.customer_name, partner,
                            STATUS_LABELS[DealStatus(d.status)], d.estimated_value,
                            d.submitted_at) for d, partner in regs]
    claims += [CustomerClaim("direct", o.id, o.account_name,
                             f"Direct: {o.name}" + (f" ({o.owner_email})" if o.owner_email
                                                    else ""),
                             o.status.capitalize(), o.amount, o.imported_at) for o in directs]
    claims.sort(key=lambda c: (c.at, c.id), reverse=True)
    open_count = sum(1 for d, _ in regs if DealStatus(d.status) in OPEN)
    row = EndCustomerRow(customer.id, customer.name, customer.domain, customer.country,
                         len(regs), open_count, len(directs),
                         tuple(sorted({d.customer_name for d, _ in regs})))
    return EndCustomerRecord(row, tuple(claims), customer.merged_into_id)
