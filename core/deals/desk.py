"""The deal desk (channel managers; admins too): the queue, a registration beside everything
else of the same customer, and the decisions."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from core import audit
from core.actor import Actor
from core.catalog import names_by_id
from core.deals import conflicts
from core.deals.records import (
    add_event,
    audited,
    change_status,
    changed,
    deal_out,
    load,
    notify_partner_side,
    snapshot,
    timeline,
)
from core.deals.schemas import (
    DESK_SORTS,
    BulkApproveResult,
    DealOut,
    DeskDetail,
    DeskFilter,
    DeskRow,
    Match,
)
from core.deals.status import OPEN, PENDING, STATUS_LABELS, DealStatus, check_move
from core.errors import DomainError, NotFound, RuleViolation
from core.money import format_money
from core.permissions import require
from core.validation import checked, parse_amount, text_field
from db.models import DealRegistration, EndCustomer, Partner, Tier, User
from db.types import utcnow

S = DealStatus
EXTENSION_DAYS = 30
MAX_PROTECTION_DAYS = 730
NOTE_MAX = 1000  # a note with an approval or an extension decision


# ---------------------------------------------------------------- reading


def desk_queue(db: Session, actor: Actor, filt: DeskFilter = DeskFilter(), *,
               limit: int = 200, offset: int = 0, now: datetime | None = None,
               ) -> tuple[list[DeskRow], int]:
    """Oldest first (first come, first served), with the total that matches."""
    require(actor, "deal.desk")
    now = now or utcnow()
    owner, manager = aliased(User), aliased(User)
    q = (select(DealRegistration, Partner.name, owner.display_name, Tier.name,
                manager.display_name)
         .join(Partner, Partner.id == DealRegistration.partner_id)
         .join(Tier, Tier.id == Partner.tier_id)
         .join(owner, owner.id == DealRegistration.owner_user_id)
         .outerjoin(manager, manager.id == Partner.channel_manager_id))
    if filt.statuses is None:
        q = q.where(or_(DealRegistration.status.in_([s.value for s in PENDING]),
                        and_(DealRegistration.status == S.APPROVED.value,
                             DealRegistration.extension_status == "requested")))
    else:
        q = q.where(DealRegistration.status.in_(list(filt.statuses)))
    if filt.partner_id is not None:
        q = q.where(DealRegistration.partner_id == filt.partner_id)
    if filt.region:
        q = q.where(DealRegistration.region == filt.region)
    if filt.min_age_days is not None:
        q = q.where(DealRegistration.submitted_at <= now - timedelta(days=filt.min_age_days))
    if filt.max_age_days is not None:
        q = q.where(DealRegistration.submitted_at >= now - timedelta(days=filt.max_age_days))
    if filt.min_value is not None:
        q = q.where(DealRegistration.estimated_value >= filt.min_value)
    if filt.max_value is not None:
        q = q.where(DealRegistration.estimated_value <= filt.max_value)
    if filt.match == "clear":
        q = q.where(DealRegistration.match_verdict == "clear")
    elif filt.match == "possible":
        q = q.where(DealRegistration.match_verdict.in_(["possible", "conflict"]))
    elif filt.match == "conflict":
        q = q.where(DealRegistration.match_verdict == "conflict")
    if filt.mine_only:
        q = q.where(Partner.channel_manager_id == actor.user_id)
    if filt.search:
        q = q.where(_desk_search(filt.search))
    total = db.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = db.execute(q.order_by(*_desk_order(filt.sort)).limit(limit).offset(offset)).all()
    lines = names_by_id(db)
    return [DeskRow(deal_out(db, actor, d, now=now, partner_name=p, owner_name=o, lines=lines),
                    tier, mgr, max(0, (now - d.submitted_at).days), d.match_verdict,
                    d.match_score)
            for d, p, o, tier, mgr in rows], total


def _desk_search(text: str) -> Any:
    needle = checked("search", text_field, text, 200).lower()
    by_name = or_(func.lower(DealRegistration.customer_name).contains(needle, autoescape=True),
                  func.lower(Partner.name).contains(needle, autoescape=True))
    number = needle.removeprefix("#").strip()
    # A number fits the id column (ASCII digits only: int() reads "²" and others too).
    if number.isascii() and number.isdigit() and len(number) < 10:
        return or_(by_name, DealRegistration.id == int(number))
    return by_name


def _desk_order(sort: str) -> tuple:
    if sort not in DESK_SORTS:
        raise RuleViolation(f"Sort the queue by one of: {', '.join(DESK_SORTS.values())}.",
                            field="sort")
    reg = DealRegistration
    return {"oldest": (reg.submitted_at, reg.id),
            "newest": (reg.submitted_at.desc(), reg.id.desc()),
            "value": (reg.estimated_value.desc(), reg.submitted_at, reg.id),
            "untouched": (reg.updated_at, reg.id)}[sort]


def desk_detail(db: Session, actor: Actor, deal_id: int, *,
                now: datetime | None = None) -> DeskDetail:
    """The registration beside every registration and direct opportunity that may be for the
    same company, open or not, strongest first, with the verdict and its reasons."""
    now = now or utcnow()
    deal = load(db, actor, deal_id, "deal.desk")
    lines = names_by_id(db)
    found = conflicts.deal_check(db, deal, open_only=False, product_names=lines)
    partner = db.get(Partner, deal.partner_id)
    customer = db.get(EndCustomer, deal.end_customer_id)
    return DeskDetail(deal_out(db, actor, deal, now=now, partner_name=partner.name),
                      partner.tier.name, partner.tier.deal_protection_days,
                      conflicts.is_first_come(deal, found),
                      tuple(_match(f, deal, lines) for f in found), timeline(db, actor, deal),
                      deal.match_verdict, deal.match_score, customer.id, customer.name)


def _match(f: conflicts.Found, deal: DealRegistration, lines: dict[int, str]) -> Match:
    m = f.match
    if f.registration is not None:
        d = f.registration
        claim = conflicts.claim_of_deal(d)
        return Match("registration", d.id, f.partner_name, d.customer_name, d.customer_country,
                     d.customer_domain, STATUS_LABELS[S(d.status)], d.estimated_value,
                     d.submitted_at, m.verdict, m.score, m.reasons, f.is_open,
                     d.partner_id == deal.partner_id, d.end_customer_id,
                     tuple(lines.get(i, f"#{i}") for i in d.product_line_ids or ()),
                     f"{claim.starts} to {claim.ends}")
    o = f.direct
    return Match("direct", o.id, f"Direct sales ({o.owner_email or 'no owner'})",
                 o.account_name, o.country, o.domain, o.status.capitalize(), o.amount,
                 o.close_date, m.verdict, m.score, m.reasons, f.is_open, False,
                 o.end_customer_id, (), f"{o.imported_at.date()} to {o.close_date}")


# ---------------------------------------------------------------- decisions


def start_review(db: Session, actor: Actor, deal_id: int, *,
                 now: datetime | None = None) -> DealOut:
    require(actor, "deal.desk")
    now = now or utcnow()
    deal = load(db, actor, deal_id, "deal.desk", for_update=True)
    before = snapshot(deal)
    change_status(db, deal, actor, S.UNDER_REVIEW, "", now=now)
    audited(db, actor, "deal.review", deal, before, now=now)
    return deal_out(db, actor, deal, now=now)


def approve_deal(db: Session, actor: Actor, deal_id: int, *, protection_days: int | None = None,
                 note: str = "", override_conflict: bool = False,
                 now: datetime | None = None) -> DealOut:
    """Approve with the protection days of the partner's tier, or the days given.

    A registration that conflicts with an earlier open registration or an open direct
    opportunity is approved only with override_conflict=True. A possible conflict does not
    block: the desk has seen it side by side."""
    require(actor, "deal.desk")
    now = now or utcnow()
    days = _protection_days(protection_days)
    note = _note(note)
    deal = load(db, actor, deal_id, "deal.desk", for_update=True)
    check_move(deal.status, S.APPROVED)
    blocking = _blocking(db, deal)
    if blocking and not override_conflict:
        raise RuleViolation("This registration is not the first for its customer or meets an "
                            "open direct opportunity (" + "; ".join(blocking) + "). Resolve "
                            "those first, or approve with the conflict acknowledged.",
                            field="override_conflict")
    _approve(db, actor, deal, days, note, now)
    if blocking:
        add_event(db, deal, actor, "status", "Approved despite: " + "; ".join(blocking) + ".",
                  now=now, internal=True)
    return deal_out(db, actor, deal, now=now)


def bulk_approve(db: Session, actor: Actor, deal_ids: Iterable[int], *,
                 now: datetime | None = None) -> BulkApproveResult:
    """Approve, each with its tier's protection days, the registrations that match nothing
    open; skip the others with the reason. One audit event per approved registration."""
    require(actor, "deal.desk")
    now = now or utcnow()
    approved, skipped = [], {}
    for deal_id in dict.fromkeys(deal_ids):
        try:
            deal = load(db, actor, deal_id, "deal.desk", for_update=True)
            check_move(deal.status, S.APPROVED)
        except DomainError as e:
            skipped[deal_id] = str(e)
            continue
        if conflicts.deal_check(db, deal):
            skipped[deal_id] = ("It may be for the same company as another open registration "
                                "or a direct opportunity; decide it on its own.")
            continue
        _approve(db, actor, deal, None, "", now)
        approved.append(deal_id)
    return BulkApproveResult(tuple(approved), skipped)


def reject_deal(db: Session, actor: Actor, deal_id: int, reason: str, *,
                now: datetime | None = None) -> DealOut:
    require(actor, "deal.desk")
    now = now or utcnow()
    reason = _required(reason, "Give the reason for the partner.", "reason", 1000)
    deal = load(db, actor, deal_id, "deal.desk", for_update=True)
    before = snapshot(deal)
    change_status(db, deal, actor, S.REJECTED, f"Reason: {reason}", now=now)
    deal.rejection_reason, deal.decided_at, deal.decided_by_user_id = reason, now, actor.user_id
    audited(db, actor, "deal.reject", deal, before, now=now)
    notify_partner_side(db, deal, f"Deal #{deal.id} rejected: {deal.customer_name}",
                        f"Your registration of {deal.customer_name} was rejected. "
                        f"Reason: {reason}", key=f"deal:{deal.id}:rejected", now=now)
    return deal_out(db, actor, deal, now=now)


def request_more_info(db: Session, actor: Actor, deal_id: int, question: str, *,
                      now: datetime | None = None) -> DealOut:
    require(actor, "deal.desk")
    now = now or utcnow()
    question = _required(question, "Write the question for the partner.", "question", 2000)
    deal = load(db, actor, deal_id, "deal.desk", for_update=True)
    before = snapshot(deal)
    change_status(db, deal, actor, S.MORE_INFO, question, now=now)
    audited(db, actor, "deal.more_info", deal, before, now=now)
    notify_partner_side(db, deal, f"More information needed on deal #{deal.id}: "
                        f"{deal.customer_name}", question,
                        key=f"deal:{deal.id}:more_info:{now.isoformat()}", now=now)
    return deal_out(db, actor, deal, now=now)


def merge_deal(db: Session, actor: Actor, deal_id: int, into_id: int, *,
               now: datetime | None = None) -> DealOut:
    """Close a pending registration as a duplicate of another open one."""
    require(actor, "deal.desk")
    now = now or utcnow()
    if deal_id == into_id:
        raise RuleViolation("Choose another registration to merge into.", field="into_id")
    deal = load(db, actor, deal_id, "deal.desk", for_update=True)
    try:
        target = load(db, actor, into_id, "deal.desk")
    except NotFound:
        raise RuleViolation("That registration does not exist.", field="into_id") from None
    if S(target.status) not in OPEN:
        raise RuleViolation("Merge into an open registration.", field="into_id")
    before = snapshot(deal)
    same_partner = target.partner_id == deal.partner_id
    change_status(db, deal, actor, S.MERGED,
                  f"Merged into registration #{target.id}." if same_partner
                  else "Merged into another registration of the same customer.", now=now)
    deal.merged_into_id, deal.decided_at, deal.decided_by_user_id = target.id, now, actor.user_id
    if not same_partner:
        add_event(db, deal, actor, "status", f"Merged into #{target.id} "
                  f"({db.get(Partner, target.partner_id).name}).", now=now, internal=True)
    audited(db, actor, "deal.merge", deal, before, now=now)
    notify_partner_side(db, deal, f"Deal #{deal.id} merged: {deal.customer_name}",
                        "Your registration was merged with another registration of the same "
                        "customer.", key=f"deal:{deal.id}:merged", now=now)
    return deal_out(db, actor, deal, now=now)


def decide_extension(db: Session, actor: Actor, deal_id: int, grant: bool, *,
                     days: int = EXTENSION_DAYS, note: str = "",
                     now: datetime | None = None) -> DealOut:
    require(actor, "deal.desk")
    now = now or utcnow()
    days = _protection_days(days, field="days") or EXTENSION_DAYS
    note = _note(note)
    deal = load(db, actor, deal_id, "deal.desk", for_update=True)
    if deal.status != S.APPROVED or deal.extension_status != "requested":
        raise RuleViolation("There is no pending extension request on this registration.",
                            field="status")
    before = snapshot(deal)
    if grant:
        deal.protection_ends_at += timedelta(days=days)
        deal.protection_days = (deal.protection_days or 0) + days
        deal.extension_status = "granted"
        text = (f"Extension granted: {days} more days, protected until "
                f"{deal.protection_ends_at:%Y-%m-%d}.")
    else:
        deal.extension_status = "declined"
        text = f"Extension declined; protection ends {deal.protection_ends_at:%Y-%m-%d}."
    text += f" {note}" if note else ""
    deal.updated_at = now
    add_event(db, deal, actor, "extension", text, now=now)
    audited(db, actor, "deal.extension_" + ("grant" if grant else "decline"), deal, before,
            now=now)
    notify_partner_side(db, deal, f"Extension {'granted' if grant else 'declined'} for deal "
                        f"#{deal.id}: {deal.customer_name}", text,
                        key=f"deal:{deal.id}:extension_decided", now=now)
    return deal_out(db, actor, deal, now=now)


def change_final_amount(db: Session, actor: Actor, deal_id: int, amount: Any, reason: str, *,
                        now: datetime | None = None) -> DealOut:
    """Only a channel manager corrects a won deal's final amount; audited with the reason."""
    require(actor, "deal.final_amount")
    now = now or utcnow()
    amount = checked("final_amount", parse_amount, amount, what="final amount")
    reason = _required(reason, "Say why the amount changes.", "reason", 500)
    deal = load(db, actor, deal_id, "deal.final_amount", for_update=True)
    if deal.status != S.WON:
        raise RuleViolation("Only a won deal has a final amount.", field="status")
    if amount == deal.final_amount:
        return deal_out(db, actor, deal, now=now)
    before = snapshot(deal)
    add_event(db, deal, actor, "amount", f"Final amount changed from "
              f"{format_money(deal.final_amount, None)} to {format_money(amount, None)}. "
              f"Reason: {reason}", now=now)
    deal.final_amount, deal.updated_at = amount, now
    db.flush()
    audit.record(db, actor, "deal.final_amount", "deal_registration", deal.id, before=before,
                 after=snapshot(deal) | {"reason": reason}, partner_id=deal.partner_id, now=now)
    changed(db, actor, "deal.final_amount", deal, now=now)
    return deal_out(db, actor, deal, now=now)


# ---------------------------------------------------------------- helpers


def _approve(db: Session, actor: Actor, deal: DealRegistration, days: int | None, note: str,
             now: datetime) -> None:
    before = snapshot(deal)
    days = days or db.get(Partner, deal.partner_id).tier.deal_protection_days
    deal.protection_days = days
    deal.protection_ends_at = now + timedelta(days=days)
    deal.decided_at, deal.decided_by_user_id = now, actor.user_id
    text = f"Protected for {days} days, until {deal.protection_ends_at:%Y-%m-%d}."
    change_status(db, deal, actor, S.APPROVED, text + (f" {note}" if note else ""),
                  now=now)
    audited(db, actor, "deal.approve", deal, before, now=now)
    notify_partner_side(db, deal, f"Deal #{deal.id} approved: {deal.customer_name}",
                        f"Your registration of {deal.customer_name} is approved. {text}",
                        key=f"deal:{deal.id}:approved", now=now)


def _blocking(db: Session, deal: DealRegistration) -> list[str]:
    """Why approving this one would take the customer from someone who came first."""
    found = conflicts.earlier_conflicts(deal, conflicts.deal_check(db, deal))
    return [f"registration #{f.registration.id} of {f.partner_name} came first"
            if f.registration is not None
            else f"direct opportunity {f.direct.external_id} is open" for f in found]


def _protection_days(value: Any, *, field: str = "protection_days") -> int | None:
    if value is None:
        return None
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise RuleViolation("Enter a whole number of days.", field=field) from None
    if not 1 <= days <= MAX_PROTECTION_DAYS:
        raise RuleViolation(f"Enter between 1 and {MAX_PROTECTION_DAYS} days.", field=field)
    return days


def _required(value: str, message: str, field: str, max_len: int) -> str:
    """A reason or question under the kernel's text rule (several lines allowed)."""
    return checked(field, text_field, value, max_len, required=message, multiline=True)


def _note(value: str) -> str:
    return checked("note", text_field, value, NOTE_MAX, multiline=True)

