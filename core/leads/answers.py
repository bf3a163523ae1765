"""A partner works the leads offered to it: accept (the contact shows; the lead is theirs),
reject with a reason (the lead goes on to the next partner at once), convert an accepted lead
into a deal registration (through core.deals, so conflict matching runs) or disqualify it, and
a partner admin hands one to a teammate.

Every answer takes the lead's lock and reads the lead again under it: of two answers at once
(two users of the partner accepting, or an accept racing the recycle job or a hand move to
another partner) exactly one wins and the other is told why, on both databases."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, events, onboarding
from core.actor import Actor, Role
from core.deals import register_deal
from core.errors import NotFound, RuleViolation
from core.funds.activities import funded_ids
from core.leads.events import LeadClosed, LeadOfferAnswered
from core.leads.records import LeadOut, lead_out, load_lead
from core.leads.status import (
    DISQUALIFY_REASONS,
    REJECT_REASONS,
    LeadStatus,
    OfferStatus,
    check_move,
)
from core.notifications import notify
from core.permissions import require
from core.validation.parsers import text_field
from db import locks
from db.models import Lead, LeadOffer, User
from db.types import utcnow

NOT_OFFERED = "This lead is no longer offered to your company."


def lock_lead(db: Session, actor: Actor, lead_id: int) -> Lead:
    """The lead, read again under its lock (NotFound when the actor may not see it)."""
    if isinstance(lead_id, int) and not isinstance(lead_id, bool):
        locks.hold(db, f"lead:{lead_id}")
    return load_lead(db, actor, lead_id)


def pending_offer(db: Session, lead: Lead, partner_id: int | None,
                  now: datetime) -> LeadOffer:
    """The offer waiting for this partner's answer, or a refusal that says why not."""
    offer = db.get(LeadOffer, lead.current_offer_id, populate_existing=True) \
        if lead.current_offer_id is not None else None
    if lead.status != LeadStatus.OFFERED.value or offer is None or \
            offer.partner_id != partner_id or offer.status != OfferStatus.PENDING.value:
        raise RuleViolation(NOT_OFFERED)
    if now >= offer.deadline_at:
        raise RuleViolation(f"The offer lapsed at {offer.deadline_at:%Y-%m-%d %H:%M} UTC: the "
                            "lead goes to another partner.")
    return offer


def close_offer(db: Session, actor: Actor, lead: Lead, offer: LeadOffer, outcome: OfferStatus,
                now: datetime, reason: str | None = None) -> None:
    """An offer ends (accepted, rejected, lapsed or withdrawn), and the event says so."""
    offer.status, offer.answered_at, offer.reason = outcome.value, now, reason
    offer.answered_by_user_id = actor.user_id
    hours = (now - offer.offered_at).total_seconds() / 3600
    events.publish(db, LeadOfferAnswered(actor=actor, at=now, lead_id=lead.id,
                                         offer_id=offer.id, partner_id=offer.partner_id,
                                         outcome=outcome.value, hours=round(hours, 2)))


def move(lead: Lead, to: LeadStatus, now: datetime) -> str:
    before = lead.status
    check_move(before, to)
    lead.status, lead.updated_at = to.value, now
    return before


def _said(reasons: dict[str, str], reason: str, note: str, why: str) -> str:
    """A reason from the list, with its note ("other" needs one), as kept with the lead."""
    if reason not in reasons:
        raise RuleViolation(f"Choose why {why}.", field="reason")
    note = text_field(note, 300, multiline=True)
    if reason == "other" and not note:
        raise RuleViolation(f"Say why {why}.", field="note")
    return reasons[reason] + (f": {note}" if note else "")


def _partner_side(db: Session, actor: Actor, action: str) -> None:
    require(actor, action)
    onboarding.require_agreement(db, actor)


def _offered_lead(db: Session, actor: Actor, lead_id: int) -> Lead:
    """The lead under its lock; to a partner that was offered it and lost it since (a
    colleague accepted it, it lapsed or moved), "no longer offered" rather than not found."""
    try:
        return lock_lead(db, actor, lead_id)
    except NotFound:
        if db.scalar(select(LeadOffer.id).where(LeadOffer.lead_id == lead_id,
                                                LeadOffer.partner_id == actor.partner_id)
                     .limit(1)) is not None:
            raise RuleViolation(NOT_OFFERED) from None
        raise


def accept_lead(db: Session, actor: Actor, lead_id: int, *,
                now: datetime | None = None) -> LeadOut:
    """The partner takes the lead: the contact shows, and the user who accepted owns it."""
    _partner_side(db, actor, "lead.work")
    now = now or utcnow()
    lead = _offered_lead(db, actor, lead_id)
    offer = pending_offer(db, lead, actor.partner_id, now)
    before = move(lead, LeadStatus.ACCEPTED, now)
    lead.owner_user_id = actor.user_id
    close_offer(db, actor, lead, offer, OfferStatus.ACCEPTED, now)
    db.flush()
    audit.record(db, actor, "lead.accept", "lead", lead.id, before={"status": before},
                 after={"status": lead.status, "offer_id": offer.id}, now=now)
    return lead_out(db, actor, lead)


def reject_lead(db: Session, actor: Actor, lead_id: int, reason: str, note: str = "", *,
                now: datetime | None = None) -> None:
    """The partner passes on the lead with a reason ("other" needs a note); the lead goes to
    the next eligible partner at once, or back to the vendor queue."""
    from core.leads.recycling import pass_on

    _partner_side(db, actor, "lead.work")
    now = now or utcnow()
    said = _said(REJECT_REASONS, reason, note, "you reject the lead")
    lead = _offered_lead(db, actor, lead_id)
    offer = pending_offer(db, lead, actor.partner_id, now)
    before = move(lead, LeadStatus.REJECTED, now)
    close_offer(db, actor, lead, offer, OfferStatus.REJECTED, now, said)
    lead.partner_id, lead.current_offer_id = None, None
    db.flush()
    audit.record(db, actor, "lead.reject", "lead", lead.id, before={"status": before},
                 after={"status": lead.status, "offer_id": offer.id, "reason": said}, now=now)
    pass_on(db, lead, now)


def _held(db: Session, actor: Actor, lead_id: int) -> Lead:
    lead = lock_lead(db, actor, lead_id)
    if lead.status != LeadStatus.ACCEPTED.value or lead.partner_id != actor.partner_id:
        raise RuleViolation("Only a lead your company accepted can be worked on.")
    return lead


def convert_lead(db: Session, actor: Actor, lead_id: int, deal: Mapping[str, Any], *,
                 now: datetime | None = None) -> LeadOut:
    """The accepted lead becomes a deal registration, filled from the lead (what `deal`
    gives wins), registered through core.deals (conflict matching runs); one transaction.
    A refusal of the registration names its field, and nothing is written."""
    _partner_side(db, actor, "lead.work")
    now = now or utcnow()
    lead = _held(db, actor, lead_id)
    data = {**prefilled_deal(lead), **dict(deal)}
    # The lead's funded activity carries to the deal when it is this partner's own.
    if lead.fund_request_id and "fund_request_id" not in deal and funded_ids(
            db, [lead.fund_request_id], partner_id=lead.partner_id):
        data["fund_request_id"] = lead.fund_request_id
    registered = register_deal(db, actor, data, now=now)
    before = move(lead, LeadStatus.CONVERTED, now)
    lead.deal_id, lead.closed_at = registered.id, now
    db.flush()
    audit.record(db, actor, "lead.convert", "lead", lead.id, before={"status": before},
                 after={"status": lead.status, "deal_id": registered.id}, now=now)
    events.publish(db, LeadClosed(actor=actor, at=now, lead_id=lead.id,
                                  partner_id=lead.partner_id, outcome="converted",
                                  deal_id=registered.id))
    return lead_out(db, actor, lead)


def prefilled_deal(lead: Lead) -> dict[str, Any]:
    """The deal registration's fields a lead already answers."""
    return {"company": lead.company, "website": lead.website or lead.domain or "",
            "country": lead.country, "state": lead.state or "",
            "contact_name": " ".join(p for p in (lead.first_name, lead.last_name) if p),
            "contact_email": lead.email or "", "contact_title": lead.title or "",
            "product_line_ids": [lead.product_line_id] if lead.product_line_id else [],
            "description": f"From lead #{lead.id}" + (f" ({lead.campaign})"
                                                      if lead.campaign else "")}


def disqualify_lead(db: Session, actor: Actor, lead_id: int, reason: str, note: str = "", *,
                    now: datetime | None = None) -> LeadOut:
    _partner_side(db, actor, "lead.work")
    now = now or utcnow()
    said = _said(DISQUALIFY_REASONS, reason, note, "the lead is disqualified")
    lead = _held(db, actor, lead_id)
    before = move(lead, LeadStatus.DISQUALIFIED, now)
    lead.closed_at = now
    lead.outcome_reason = said
    db.flush()
    audit.record(db, actor, "lead.disqualify", "lead", lead.id, before={"status": before},
                 after={"status": lead.status, "reason": lead.outcome_reason}, now=now)
    events.publish(db, LeadClosed(actor=actor, at=now, lead_id=lead.id,
                                  partner_id=lead.partner_id, outcome="disqualified"))
    return lead_out(db, actor, lead)


def hand_over(db: Session, actor: Actor, lead_id: int, user_id: int, *,
              now: datetime | None = None) -> LeadOut:
    """A partner admin gives an accepted lead to a teammate, who is told."""
    _partner_side(db, actor, "lead.hand_over")
    now = now or utcnow()
    lead = _held(db, actor, lead_id)
    user = db.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.partner_id != actor.partner_id or not user.is_active or \
            user.role not in (Role.PARTNER_ADMIN.value, Role.PARTNER_USER.value):
        raise NotFound("teammate")
    before = {"owner_user_id": lead.owner_user_id}
    lead.owner_user_id, lead.updated_at = user.id, now
    db.flush()
    audit.record(db, actor, "lead.hand_over", "lead", lead.id, before=before,
                 after={"owner_user_id": user.id}, now=now)
    if user.id != actor.user_id:
        notify(db, user.id, f"A lead for you: {lead.company}",
               f"{actor.label} handed you the lead {lead.company} ({lead.country}).",
               dedupe_key=f"lead-handed:{lead.id}:{user.id}:{now.isoformat()}",
               link=f"pages/lead.py?id={lead.id}", now=now)
    return lead_out(db, actor, lead)
