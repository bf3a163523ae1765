"""Shared internals of the deal services: scoped loading, the timeline, results, notices and
the lock that serializes the first-come-first-served check with the insert."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, events, history, onboarding
from core.actor import Actor, Role
from core.catalog import names_by_id
from core.deals.events import DealChanged, DealStatusChanged
from core.deals.schemas import DealDetail, DealEventOut, DealOut
from core.deals.status import PENDING, STATUS_LABELS, TRANSITIONS, DealStatus, check_move
from core.errors import NotFound
from core.notifications import notify, notify_role, record_link
from core.permissions import can, require
from db import locks
from db.models import DealEvent, DealRegistration, Partner, User

S = DealStatus
# The page of one registration, by route name (ui.registry turns a name into a link; core
# holds no page file paths): it shows each role its own view of the deal.
DEAL_PAGE = "deal"

# The keyed lock (db.locks) of everything that files claims on end customers.
REGISTRATION_LOCK = "deal-registration"

AUDIT_FIELDS = [
    "status", "owner_user_id", "stage", "estimated_value", "final_amount",
    "expected_close_date", "closed_on", "match_verdict", "match_score", "protection_days",
    "protection_ends_at",
    "extension_status", "lost_reason", "rejection_reason", "merged_into_id",
]
REGISTER_FIELDS = [
    "partner_id", "end_customer_id", "customer_name", "customer_website", "customer_domain",
    "customer_country", "customer_state", "contact_name", "contact_email", "contact_title",
    "product_line_ids", "description", "fund_request_id", *AUDIT_FIELDS,
]


def serialize_registrations(db: Session) -> None:
    """Make the conflict check and the insert one step for concurrent submitters."""
    locks.hold(db, REGISTRATION_LOCK)


# ---------------------------------------------------------------- loading, scoped


def visible_to(actor: Actor, deal: DealRegistration) -> bool:
    """Partner users see the deals they own, partner admins their partner's deals."""
    if actor.role == Role.SYSTEM or actor.is_vendor:
        return True
    if deal.partner_id != actor.partner_id:
        return False
    return actor.role == Role.PARTNER_ADMIN or deal.owner_user_id == actor.user_id


def load(db: Session, actor: Actor, deal_id: int, action: str, *,
         for_update: bool = False) -> DealRegistration:
    """The deal, if the actor may do `action` to it. Someone else's deal is "not found":
    its existence is none of the actor's business."""
    require(actor, action)
    onboarding.require_agreement(db, actor)
    deal = db.get(DealRegistration, deal_id, with_for_update=for_update or None)
    if deal is None or not visible_to(actor, deal):
        raise NotFound("deal registration")
    require(actor, action, deal)
    return deal


# ---------------------------------------------------------------- writing


actor_name = history.actor_name


def add_event(db: Session, deal: DealRegistration, actor: Actor, kind: str, text_: str, *,
              now: datetime, internal: bool = False) -> DealEvent:
    return history.record(db, DealEvent, actor, at=now, deal_id=deal.id, kind=kind,
                          text=text_, visible_to_partner=not internal)


def change_status(db: Session, deal: DealRegistration, actor: Actor, to: DealStatus,
                  text_: str, *, now: datetime) -> None:
    """Move along the transition table (refusing anything else), with a timeline entry."""
    check_move(deal.status, to)
    was = deal.status
    deal.status = to.value
    deal.updated_at = now
    add_event(db, deal, actor, "status", f"{STATUS_LABELS[to]}. {text_}".strip(), now=now)
    events.publish(db, DealStatusChanged(
        actor=actor, at=now, deal_id=deal.id, partner_id=deal.partner_id, from_status=was,
        to_status=to.value, amount=deal.final_amount or deal.estimated_value))


def audited(db: Session, actor: Actor, action: str, deal: DealRegistration, before: dict, *,
            now: datetime) -> None:
    db.flush()
    audit.record(db, actor, action, "deal_registration", deal.id, before=before,
                 after=audit.snapshot(deal, AUDIT_FIELDS), partner_id=deal.partner_id, now=now)
    changed(db, actor, action, deal, now=now)


def changed(db: Session, actor: Actor, action: str, deal: DealRegistration, *,
            now: datetime) -> None:
    """Tell the subscribers (scorecard facts, ...) that the registration changed."""
    events.publish(db, DealChanged(actor=actor, at=now, deal_id=deal.id,
                                   partner_id=deal.partner_id, action=action))


def snapshot(deal: DealRegistration) -> dict:
    return audit.snapshot(deal, AUDIT_FIELDS)


# ---------------------------------------------------------------- notices


def notify_partner_side(db: Session, deal: DealRegistration, subject: str, body: str, *,
                        key: str, now: datetime) -> int:
    """The deal's owner and its partner's admins: the people who may see the deal. Other
    reps of the partner are not told about a deal they cannot open."""
    users = db.scalars(select(User).where(
        User.partner_id == deal.partner_id, User.is_active,
        (User.id == deal.owner_user_id) | (User.role == Role.PARTNER_ADMIN.value)))
    link = record_link(DEAL_PAGE, deal.id)
    return sum(notify(db, u.id, subject, body, dedupe_key=key, link=link, now=now)
               for u in list(users))


def notify_desk(db: Session, deal: DealRegistration, subject: str, body: str, *, key: str,
                now: datetime) -> int:
    """The partner's own channel manager; every channel manager when it has none."""
    partner = db.get(Partner, deal.partner_id)
    manager = db.get(User, partner.channel_manager_id) if partner.channel_manager_id else None
    if manager is not None and manager.is_active:
        return int(notify(db, manager.id, subject, body, dedupe_key=key,
                          link=record_link(DEAL_PAGE, deal.id), now=now))
    return notify_role(db, Role.CHANNEL_MANAGER.value, subject, body, dedupe_key=key,
                       link=record_link(DEAL_PAGE, deal.id), now=now)


# ---------------------------------------------------------------- results


def allowed_actions(actor: Actor, deal: DealRegistration, now: datetime) -> frozenset[str]:
    status = DealStatus(deal.status)
    moves = TRANSITIONS[status]
    out: set[str] = set()
    if actor.is_partner and visible_to(actor, deal) and can(actor, "deal.update", deal):
        out.add("note")
        if status in PENDING or status == S.APPROVED:
            out.update({"update", "withdraw"})
        if status == S.MORE_INFO:
            out.add("answer")
        if S.WON in moves:
            out.update({"won", "lost"})
        if (status == S.APPROVED and deal.extension_status is None
                and deal.protection_ends_at and deal.protection_ends_at > now):
            out.add("extend")
        if can(actor, "deal.reassign", deal) and status in PENDING | {S.APPROVED}:
            out.add("reassign")
    if can(actor, "deal.desk"):
        out.add("note")
        if S.UNDER_REVIEW in moves and status == S.SUBMITTED:
            out.add("review")
        if S.APPROVED in moves:
            out.add("approve")
        if S.REJECTED in moves:
            out.add("reject")
        if S.MORE_INFO in moves:
            out.add("more_info")
        if S.MERGED in moves:
            out.add("merge")
        if status == S.APPROVED and deal.extension_status == "requested":
            out.add("extension")
    if can(actor, "deal.final_amount") and status == S.WON:
        out.add("final_amount")
    return frozenset(out)


def deal_out(db: Session, actor: Actor, deal: DealRegistration, *, now: datetime,
             partner_name: str | None = None, owner_name: str | None = None,
             lines: dict[int, str] | None = None) -> DealOut:
    if partner_name is None:
        partner_name = db.get(Partner, deal.partner_id).name
    if owner_name is None:
        owner_name = db.get(User, deal.owner_user_id).display_name
    lines = names_by_id(db) if lines is None else lines
    status = DealStatus(deal.status)
    days_left = None
    if status == S.APPROVED and deal.protection_ends_at is not None:
        days_left = max(0, (deal.protection_ends_at - now).days)
    merged_into = deal.merged_into_id
    if merged_into is not None and actor.is_partner:
        target = db.get(DealRegistration, merged_into)
        merged_into = merged_into if target and visible_to(actor, target) else None
    ids = tuple(deal.product_line_ids or ())
    return DealOut(
        id=deal.id, partner_id=deal.partner_id, partner_name=partner_name,
        owner_user_id=deal.owner_user_id, owner_name=owner_name,
        customer_name=deal.customer_name, customer_website=deal.customer_website,
        customer_country=deal.customer_country, customer_state=deal.customer_state,
        region=deal.region, contact_name=deal.contact_name, contact_email=deal.contact_email,
        contact_title=deal.contact_title, product_line_ids=ids,
        product_lines=tuple(lines.get(i, f"#{i}") for i in ids),
        estimated_value=deal.estimated_value, final_amount=deal.final_amount,
        expected_close_date=deal.expected_close_date, closed_on=deal.closed_on,
        stage=deal.stage, description=deal.description or "", status=status,
        status_label=STATUS_LABELS[status], submitted_at=deal.submitted_at,
        decided_at=deal.decided_at, protection_days=deal.protection_days,
        protection_ends_at=deal.protection_ends_at, days_left=days_left,
        extension_status=deal.extension_status, lost_reason=deal.lost_reason,
        rejection_reason=deal.rejection_reason, merged_into_id=merged_into,
        updated_at=deal.updated_at, actions=allowed_actions(actor, deal, now),
    )


def timeline(db: Session, actor: Actor, deal: DealRegistration) -> tuple[DealEventOut, ...]:
    q = select(DealEvent).where(DealEvent.deal_id == deal.id)
    if not actor.is_vendor and actor.role != Role.SYSTEM:
        q = q.where(DealEvent.visible_to_partner)
    rows = db.scalars(q.order_by(DealEvent.at, DealEvent.id))
    return tuple(DealEventOut(e.at, e.actor_label, e.kind, e.text, not e.visible_to_partner)
                 for e in rows)


def detail(db: Session, actor: Actor, deal: DealRegistration, *, now: datetime) -> DealDetail:
    db.flush()
    return DealDetail(deal_out(db, actor, deal, now=now), timeline(db, actor, deal))
