"""The partner's side: register a deal, My deals, and what a partner does to its own deals."""

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core import audit, customers, events, onboarding
from core.actor import Actor, Role
from core.catalog import active_ids, names_by_id
from core.customers.matching import name_form, name_key
from core.deals import conflicts
from core.deals.events import DealRegistered
from core.deals.records import (
    DEAL_PAGE,
    REGISTER_FIELDS,
    actor_name,
    add_event,
    audited,
    change_status,
    deal_out,
    detail,
    load,
    notify_desk,
    notify_partner_side,
    serialize_registrations,
    snapshot,
)
from core.deals.routing import ROUTING, apply_matches
from core.deals.schemas import (
    STAGE_LABELS,
    DealDetail,
    DealEventOut,
    DealFilter,
    DealIn,
    DealOut,
    DealUpdateIn,
)
from core.deals.status import OPEN, DealStatus, check_move
from core.errors import NotFound, RuleViolation
from core.exports import to_csv
from core.funds.activities import check_activity
from core.money import format_money
from core.notifications import notify, record_link
from core.permissions import require, scope
from core.validation import as_model, checked, parse_amount, text_field
from db.models import DealRegistration, Partner, User
from db.types import utcnow

S = DealStatus
LOST_REASON_MAX = 500  # the lost_reason column


def register_deal(db: Session, actor: Actor, data: DealIn | Mapping[str, Any], *,
                  now: datetime | None = None) -> DealOut:
    """Register a deal for the actor's partner.

    A registration that meets no open registration or direct opportunity of the same company
    stays "submitted" for the desk, or is approved at once when the partner's tier says so;
    one that possibly or surely does goes to "under review", and the partner learns nothing
    more than that.

    On SQLite call it in unit_of_work(engine, immediate=True): the check and the insert must
    not interleave with another submission (on PostgreSQL an advisory lock does that here)."""
    require(actor, "deal.register")
    onboarding.require_agreement(db, actor)
    now = now or utcnow()
    data = as_model(DealIn, data, today=now.date(), product_line_ids=active_ids(db))
    partner = db.get(Partner, actor.partner_id)
    if partner is None:
        raise NotFound("partner")
    fund_request_id = check_activity(db, data.fund_request_id, partner_id=partner.id)
    serialize_registrations(db)
    domain = customers.company_domain(data.website, data.contact_email)
    customer = customers.find_or_create(db, actor, name=data.company, domain=domain,
                                        country=data.country, now=now)
    deal = DealRegistration(
        partner_id=partner.id, registered_by_user_id=actor.user_id, owner_user_id=actor.user_id,
        end_customer_id=customer.id, customer_name=data.company,
        customer_name_form=name_form(name_key(data.company)),
        customer_website=data.website or None, customer_domain=domain,
        customer_key=customers.normalize_name(data.company), customer_country=data.country,
        customer_state=data.state or None, region=customers.region_for(data.country),
        contact_name=data.contact_name, contact_email=data.contact_email,
        contact_title=data.contact_title or None, product_line_ids=data.product_line_ids,
        estimated_value=data.estimated_value, expected_close_date=data.expected_close_date,
        stage=data.stage.value, description=data.description, status=S.SUBMITTED.value,
        match_verdict="clear", match_score=0, submitted_at=now, created_at=now, updated_at=now,
        fund_request_id=fund_request_id,
    )
    db.add(deal)
    db.flush()
    add_event(db, deal, actor, "status", "Submitted.", now=now)
    _route(db, deal, partner, now)
    db.flush()
    audit.record(db, actor, "deal.register", "deal_registration", deal.id,
                 after=audit.snapshot(deal, REGISTER_FIELDS), now=now)
    events.publish(db, DealRegistered(actor=actor, at=now, deal_id=deal.id,
                                      partner_id=partner.id, amount=deal.estimated_value))
    notify_desk(db, deal, f"New deal registration #{deal.id}: {deal.customer_name}",
                f"{partner.name} registered {deal.customer_name} ({deal.customer_country}), "
                f"estimated {format_money(deal.estimated_value, None)}, status "
                f"{deal.status.replace('_', ' ')}.", key=f"deal:{deal.id}:submitted", now=now)
    return deal_out(db, actor, deal, now=now, partner_name=partner.name)


def _route(db: Session, deal: DealRegistration, partner: Partner, now: datetime) -> None:
    """A registration that meets an open claim on the same company (possible or conflict)
    goes to review; a clear one may be approved at once. The system, not the partner's user,
    makes these moves on the timeline."""
    system = Actor.system(ROUTING)
    found = conflicts.deal_check(db, deal)
    if apply_matches(db, deal, found, system, now, why="Sent to the desk by matching"):
        return
    tier = partner.tier
    if tier.auto_approve_clear_deals:
        deal.protection_days = tier.deal_protection_days
        deal.protection_ends_at = now + timedelta(days=tier.deal_protection_days)
        deal.decided_at = now
        change_status(db, deal, system, S.APPROVED,
                      f"Automatically, as a {tier.name} tier benefit: protected for "
                      f"{tier.deal_protection_days} days, until "
                      f"{deal.protection_ends_at:%Y-%m-%d}.", now=now)
        notify_partner_side(db, deal, f"Deal #{deal.id} approved: {deal.customer_name}",
                            f"Your registration of {deal.customer_name} is approved and "
                            f"protected until {deal.protection_ends_at:%Y-%m-%d}.",
                            key=f"deal:{deal.id}:approved", now=now)


# ---------------------------------------------------------------- reading


def _scope(actor: Actor, q):
    """The partner's deals (core.permissions.scope), and of those a partner user's own."""
    q = scope(actor, q, DealRegistration)
    if actor.role == Role.PARTNER_USER:
        q = q.where(DealRegistration.owner_user_id == actor.user_id)
    return q


def list_deals(db: Session, actor: Actor, filt: DealFilter = DealFilter(), *,
               limit: int = 200, offset: int = 0, now: datetime | None = None,
               ) -> tuple[list[DealOut], int]:
    """My deals: a partner user's own registrations, a partner admin's partner's; vendors see
    all. Newest first, with the total that matches."""
    require(actor, "deal.view")
    onboarding.require_agreement(db, actor)
    now = now or utcnow()
    q = _scope(actor, select(DealRegistration, Partner.name, User.display_name)
               .join(Partner, Partner.id == DealRegistration.partner_id)
               .join(User, User.id == DealRegistration.owner_user_id))
    if filt.status:
        q = q.where(DealRegistration.status == filt.status)
    if filt.owner_user_id is not None:
        q = q.where(DealRegistration.owner_user_id == filt.owner_user_id)
    if filt.partner_id is not None and not actor.is_partner:
        q = q.where(DealRegistration.partner_id == filt.partner_id)
    if needle := checked("search", text_field, filt.search, 200).lower():
        q = q.where(or_(func.lower(DealRegistration.customer_name).contains(needle,
                                                                            autoescape=True),
                        DealRegistration.customer_domain.contains(needle, autoescape=True)))
    total = db.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = db.execute(q.order_by(DealRegistration.submitted_at.desc(),
                                 DealRegistration.id.desc()).limit(limit).offset(offset)).all()
    lines = names_by_id(db)
    return [deal_out(db, actor, d, now=now, partner_name=p, owner_name=o, lines=lines)
            for d, p, o in rows], total


def get_deal(db: Session, actor: Actor, deal_id: int, *,
             now: datetime | None = None) -> DealDetail:
    """One registration with its timeline (a partner's timeline has no desk-only entries)."""
    deal = load(db, actor, deal_id, "deal.view")
    return detail(db, actor, deal, now=now or utcnow())


def export_deals_csv(db: Session, actor: Actor, filt: DealFilter = DealFilter(), *,
                     now: datetime | None = None) -> bytes:
    require(actor, "deal.export")
    deals, _ = list_deals(db, actor, filt, limit=1_000_000, now=now)
    header = ["Deal", "Customer", "Website", "Country", "State/region", "Product lines",
              "Estimated value", "Final amount", "Expected close", "Stage", "Status",
              "Protected until", "Days left", "Owner", "Submitted"]
    rows = ([d.id, d.customer_name, d.customer_website, d.customer_country, d.customer_state,
             ", ".join(d.product_lines), d.estimated_value, d.final_amount,
             d.expected_close_date, STAGE_LABELS.get(d.stage, d.stage), d.status_label,
             f"{d.protection_ends_at:%Y-%m-%d}" if d.protection_ends_at else None, d.days_left,
             d.owner_name, f"{d.submitted_at:%Y-%m-%d %H:%M}"] for d in deals)
    return to_csv(header, rows)


# ---------------------------------------------------------------- partner actions


def add_note(db: Session, actor: Actor, deal_id: int, text: str, *, internal: bool = False,
             now: datetime | None = None) -> DealEventOut:
    """A note on the timeline. Only the desk can make one internal (hidden from the partner)."""
    require(actor, "deal.note")
    now = now or utcnow()
    text = checked("text", text_field, text, 4000, required="Write the note first.",
                   too_long="Keep the note to 4000 characters or fewer.", multiline=True)
    deal = load(db, actor, deal_id, "deal.note")
    internal = internal and actor.is_vendor
    event = add_event(db, deal, actor, "note", text, now=now, internal=internal)
    audit.record(db, actor, "deal.note", "deal_registration", deal.id,
                 after={"note": text, "internal": internal}, partner_id=deal.partner_id,
                 now=now)
    if actor.is_partner and DealStatus(deal.status) in OPEN:
        notify_desk(db, deal, f"Note on deal #{deal.id}: {deal.customer_name}", text,
                    key=f"deal:{deal.id}:note:{now.isoformat()}", now=now)
    return DealEventOut(event.at, event.actor_label, event.kind, event.text, internal)


def update_deal(db: Session, actor: Actor, deal_id: int,
                data: DealUpdateIn | Mapping[str, Any], *, now: datetime | None = None,
                ) -> DealOut:
    """Stage, estimated value and expected close date, while the registration is open."""
    require(actor, "deal.update")
    now = now or utcnow()
    data = as_model(DealUpdateIn, data, today=now.date())
    deal = load(db, actor, deal_id, "deal.update", for_update=True)
    if DealStatus(deal.status) not in OPEN:
        raise RuleViolation("Only an open registration can be changed.", field="status")
    before = snapshot(deal)
    changes = []
    if data.stage is not None and data.stage.value != deal.stage:
        changes.append(f"stage {STAGE_LABELS.get(deal.stage, deal.stage)} → "
                       f"{STAGE_LABELS[data.stage]}")
        deal.stage = data.stage.value
    if data.estimated_value is not None and data.estimated_value != deal.estimated_value:
        changes.append(f"estimated value {format_money(deal.estimated_value, None)} → "
                       f"{format_money(data.estimated_value, None)}")
        deal.estimated_value = data.estimated_value
    if (data.expected_close_date is not None
            and data.expected_close_date != deal.expected_close_date):
        changes.append(f"expected close {deal.expected_close_date} → "
                       f"{data.expected_close_date}")
        deal.expected_close_date = data.expected_close_date
    if changes:
        deal.updated_at = now
        add_event(db, deal, actor, "edit", "Changed " + "; ".join(changes) + ".", now=now)
        audited(db, actor, "deal.update", deal, before, now=now)
    return deal_out(db, actor, deal, now=now)


def withdraw_deal(db: Session, actor: Actor, deal_id: int, reason: str = "", *,
                  now: datetime | None = None) -> DealOut:
    require(actor, "deal.update")
    now = now or utcnow()
    deal = load(db, actor, deal_id, "deal.update", for_update=True)
    before = snapshot(deal)
    reason = (reason or "").strip()[:500]
    change_status(db, deal, actor, S.WITHDRAWN, reason, now=now)
    audited(db, actor, "deal.withdraw", deal, before, now=now)
    return deal_out(db, actor, deal, now=now)


def mark_won(db: Session, actor: Actor, deal_id: int, final_amount: Any, *,
             closed_on: date | None = None, now: datetime | None = None) -> DealOut:
    """Won, with the final amount (afterwards only a channel manager can change it)."""
    require(actor, "deal.update")
    now = now or utcnow()
    amount = _amount(final_amount)
    closed_on = closed_on or now.date()
    if closed_on > now.date():
        raise RuleViolation("The close date cannot be in the future.", field="closed_on")
    deal = load(db, actor, deal_id, "deal.update", for_update=True)
    if closed_on < deal.submitted_at.date():
        raise RuleViolation("The close date cannot be before the deal was registered.",
                            field="closed_on")
    before = snapshot(deal)
    check_move(deal.status, S.WON)  # refused before anything changes
    # Set before the move, so that the published DealStatusChanged carries the final amount.
    deal.final_amount, deal.closed_on = amount, closed_on
    change_status(db, deal, actor, S.WON, f"Final amount {format_money(amount, None)}, "
                  f"closed on {closed_on:%Y-%m-%d}.", now=now)
    audited(db, actor, "deal.won", deal, before, now=now)
    return deal_out(db, actor, deal, now=now)


def mark_lost(db: Session, actor: Actor, deal_id: int, reason: str, *,
              now: datetime | None = None) -> DealOut:
    require(actor, "deal.update")
    now = now or utcnow()
    reason = checked("reason", text_field, reason, LOST_REASON_MAX,
                     required="Say why the deal was lost.",
                     too_long=f"Keep the reason to {LOST_REASON_MAX} characters or fewer.",
                     multiline=True)
    deal = load(db, actor, deal_id, "deal.update", for_update=True)
    before = snapshot(deal)
    change_status(db, deal, actor, S.LOST, f"Reason: {reason}", now=now)
    deal.lost_reason, deal.closed_on = reason, now.date()
    audited(db, actor, "deal.lost", deal, before, now=now)
    return deal_out(db, actor, deal, now=now)


def request_extension(db: Session, actor: Actor, deal_id: int, reason: str = "", *,
                      now: datetime | None = None) -> DealOut:
    """One extension request per registration, before protection ends; the desk decides."""
    require(actor, "deal.update")
    now = now or utcnow()
    deal = load(db, actor, deal_id, "deal.update", for_update=True)
    if deal.status != S.APPROVED:
        raise RuleViolation("Only an approved registration can be extended.", field="status")
    if deal.extension_status is not None:
        raise RuleViolation("An extension has already been requested for this registration; "
                            "only one is allowed.", field="status")
    if deal.protection_ends_at is None or deal.protection_ends_at <= now:
        raise RuleViolation("Protection has already ended.", field="status")
    before = snapshot(deal)
    deal.extension_status, deal.extension_requested_at, deal.updated_at = "requested", now, now
    add_event(db, deal, actor, "extension",
              "Extension requested." + (f" Reason: {reason.strip()[:500]}" if reason else ""),
              now=now)
    audited(db, actor, "deal.extension_request", deal, before, now=now)
    notify_desk(db, deal, f"Extension requested for deal #{deal.id}: {deal.customer_name}",
                f"Protection ends {deal.protection_ends_at:%Y-%m-%d}. {reason}".strip(),
                key=f"deal:{deal.id}:extension_requested", now=now)
    return deal_out(db, actor, deal, now=now)


def answer_info_request(db: Session, actor: Actor, deal_id: int, answer: str, *,
                        now: datetime | None = None) -> DealOut:
    """The partner answers the desk's question; the registration goes back under review."""
    require(actor, "deal.update")
    now = now or utcnow()
    answer = (answer or "").strip()
    if not answer:
        raise RuleViolation("Write your answer for the deal desk.", field="answer")
    deal = load(db, actor, deal_id, "deal.update", for_update=True)
    before = snapshot(deal)
    change_status(db, deal, actor, S.UNDER_REVIEW, "", now=now)
    add_event(db, deal, actor, "note", answer[:4000], now=now)
    audited(db, actor, "deal.answer", deal, before, now=now)
    notify_desk(db, deal, f"Answer on deal #{deal.id}: {deal.customer_name}", answer[:2000],
                key=f"deal:{deal.id}:answer:{now.isoformat()}", now=now)
    return deal_out(db, actor, deal, now=now)


def assignable_users(db: Session, actor: Actor) -> list[tuple[int, str]]:
    """The partner admin's active users a deal can be handed to: (id, display name)."""
    require(actor, "deal.reassign")
    rows = db.execute(scope(actor, select(User.id, User.display_name), User)
                      .where(User.is_active).order_by(User.display_name))
    return [(i, n) for i, n in rows]


def reassign_deal(db: Session, actor: Actor, deal_id: int, new_owner_id: int, *,
                  now: datetime | None = None) -> DealOut:
    """A partner admin hands an open deal to another active user of its own partner."""
    require(actor, "deal.reassign")
    now = now or utcnow()
    deal = load(db, actor, deal_id, "deal.reassign", for_update=True)
    if DealStatus(deal.status) not in OPEN:
        raise RuleViolation("Only an open registration can be handed over.", field="status")
    user = db.get(User, new_owner_id)
    if user is None or user.partner_id != deal.partner_id or not user.is_active:
        raise RuleViolation("Choose an active user of your own company.", field="owner")
    if user.id == deal.owner_user_id:
        return deal_out(db, actor, deal, now=now)
    before = snapshot(deal)
    deal.owner_user_id, deal.updated_at = user.id, now
    add_event(db, deal, actor, "owner", f"Handed to {user.display_name}.", now=now)
    audited(db, actor, "deal.reassign", deal, before, now=now)
    notify(db, user.id, f"Deal #{deal.id} handed to you: {deal.customer_name}",
           f"{actor_name(db, actor)} handed you the registration of {deal.customer_name}.",
           dedupe_key=f"deal:{deal.id}:owner:{user.id}:{now.isoformat()}",
           link=record_link(DEAL_PAGE, deal.id), now=now)
    return deal_out(db, actor, deal, now=now)


def _amount(value: Any) -> Decimal:
    return checked("final_amount", parse_amount, value, what="final amount")
