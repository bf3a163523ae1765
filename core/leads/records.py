"""Loading leads for an actor, and what each actor may see of one.

The vendor's roles see every lead. A partner's users see only the leads their partner holds or
is offered now (a partner_user, of the held ones, those it owns), never one offered to another
partner; the contact (name, e-mail, phone, title) and the notes only once their partner has
accepted the lead. Everything a partner is not to see is left out here, in core, so no page
can show it."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import Session

from core.actor import PARTNER_ROLES, VENDOR_ROLES, Actor, Role
from core.errors import NotFound
from core.leads.status import HELD, STATUS_LABELS, LeadStatus
from core.permissions import require
from db.models import Lead, LeadOffer, Partner, ProductLine, User

CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "title", "notes")
HIDDEN = "Shown once your company accepts the lead."


@dataclass(frozen=True)
class LeadOut:
    id: int
    company: str
    company_from_domain: bool
    website: str | None
    domain: str | None
    first_name: str | None  # None: not shown to this actor (contact_shown False)
    last_name: str | None
    email: str | None
    phone: str | None
    title: str | None
    notes: str | None
    contact_shown: bool
    country: str
    state: str | None
    postal_code: str | None
    city: str | None
    region: str
    industry: str | None
    company_size: str | None
    product_line: str | None
    source: str | None
    campaign: str | None
    status: str
    status_label: str
    partner_id: int | None
    partner: str | None
    owner_user_id: int | None
    owner: str | None
    offers: int
    deadline_at: datetime | None  # of the offer waiting for an answer
    current_offer_id: int | None
    deal_id: int | None
    outcome_reason: str | None
    created_at: datetime
    erased: bool

    @property
    def contact_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


def visible(actor: Actor) -> object:
    """The WHERE clause of the leads the actor may read."""
    if actor.role in VENDOR_ROLES or actor.role == Role.SYSTEM:
        return True
    if actor.role not in PARTNER_ROLES:
        return false()
    mine = Lead.partner_id == actor.partner_id
    offered = and_(mine, Lead.status == LeadStatus.OFFERED.value)
    held = and_(mine, Lead.status.in_([s.value for s in HELD]))
    if actor.role == Role.PARTNER_USER:
        held = and_(held, Lead.owner_user_id == actor.user_id)
    return or_(offered, held)


def scoped(actor: Actor, query: Select) -> Select:
    return query.where(visible(actor))


def load_lead(db: Session, actor: Actor, lead_id: int, *, lock: bool = False) -> Lead:
    """The lead if the actor may read it, else NotFound (whatever id is asked)."""
    if not isinstance(lead_id, int) or isinstance(lead_id, bool):
        raise NotFound("lead")
    q = scoped(actor, select(Lead).where(Lead.id == lead_id))
    if lock:
        q = q.with_for_update()
    lead = db.scalar(q.execution_options(populate_existing=True))
    if lead is None:
        raise NotFound("lead")
    return lead


def contact_shown(actor: Actor, lead: Lead) -> bool:
    if actor.role not in PARTNER_ROLES:
        return True
    return lead.partner_id == actor.partner_id and LeadStatus(lead.status) in HELD


def lead_out(db: Session, actor: Actor, lead: Lead) -> LeadOut:
    shown = contact_shown(actor, lead)
    names = _names(db, [lead])
    deadline = None
    if lead.current_offer_id is not None and lead.status == LeadStatus.OFFERED.value:
        deadline = db.scalar(select(LeadOffer.deadline_at)
                             .where(LeadOffer.id == lead.current_offer_id))
    return _out(lead, shown, names, deadline)


def _out(lead: Lead, shown: bool, names: dict, deadline: datetime | None) -> LeadOut:
    def contact(field: str):
        return getattr(lead, field) if shown else None

    return LeadOut(
        lead.id, lead.company, lead.company_from_domain, lead.website, lead.domain,
        contact("first_name"), contact("last_name"), contact("email"), contact("phone"),
        contact("title"), contact("notes"), shown, lead.country, lead.state, lead.postal_code,
        lead.city, lead.region, lead.industry, lead.company_size,
        names["lines"].get(lead.product_line_id), lead.source, lead.campaign, lead.status,
        STATUS_LABELS[LeadStatus(lead.status)], lead.partner_id,
        names["partners"].get(lead.partner_id), lead.owner_user_id,
        names["users"].get(lead.owner_user_id), lead.offers, deadline, lead.current_offer_id,
        lead.deal_id, lead.outcome_reason, lead.created_at, lead.erased_at is not None)


def leads_out(db: Session, actor: Actor, leads: list[Lead]) -> list[LeadOut]:
    names = _names(db, leads)
    offer_ids = [x.current_offer_id for x in leads
                 if x.current_offer_id is not None and x.status == LeadStatus.OFFERED.value]
    deadlines = dict(db.execute(select(LeadOffer.id, LeadOffer.deadline_at)
                                .where(LeadOffer.id.in_(offer_ids))).tuples().all()) \
        if offer_ids else {}
    return [_out(x, contact_shown(actor, x), names, deadlines.get(x.current_offer_id))
            for x in leads]


def _names(db: Session, leads: list[Lead]) -> dict[str, dict]:
    partner_ids = {x.partner_id for x in leads if x.partner_id}
    user_ids = {x.owner_user_id for x in leads if x.owner_user_id}
    line_ids = {x.product_line_id for x in leads if x.product_line_id}
    return {
        "partners": dict(db.execute(select(Partner.id, Partner.name)
                                    .where(Partner.id.in_(partner_ids))).tuples().all())
        if partner_ids else {},
        "users": dict(db.execute(select(User.id, User.display_name)
                                 .where(User.id.in_(user_ids))).tuples().all())
        if user_ids else {},
        "lines": dict(db.execute(select(ProductLine.id, ProductLine.name)
                                 .where(ProductLine.id.in_(line_ids))).tuples().all())
        if line_ids else {},
    }


def get_lead(db: Session, actor: Actor, lead_id: int) -> LeadOut:
    """One lead as the actor may see it (NotFound when it may not see it at all)."""
    require(actor, "lead.view")
    return lead_out(db, actor, load_lead(db, actor, lead_id))


@dataclass(frozen=True)
class LeadPage:
    leads: tuple[LeadOut, ...]
    total: int


def list_leads(db: Session, actor: Actor, *, statuses: list[str] | None = None,
               search: str = "", partner_id: int | None = None, country: str | None = None,
               offset: int = 0, limit: int = 50) -> LeadPage:
    """The leads the actor may see, newest first, a page at a time with the total."""
    require(actor, "lead.view")
    q = scoped(actor, select(Lead))
    if statuses:
        q = q.where(Lead.status.in_(statuses))
    if partner_id is not None:
        q = q.where(Lead.partner_id == partner_id)
    if country:
        q = q.where(Lead.country == country)
    if search.strip():
        like = f"%{search.strip()[:100].lower()}%"
        q = q.where(or_(func.lower(Lead.company).like(like), func.lower(Lead.domain).like(like)))
    total = db.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = list(db.scalars(q.order_by(Lead.created_at.desc(), Lead.id.desc())
                           .offset(max(offset, 0)).limit(min(max(limit, 1), 500))))
    return LeadPage(tuple(leads_out(db, actor, rows)), total)


@dataclass(frozen=True)
class OfferOut:
    id: int
    partner_id: int
    partner: str
    status: str
    status_label: str
    offered_at: datetime
    deadline_at: datetime
    answered_at: datetime | None
    reason: str | None
    score: float | None
    by_hand: bool
    why: tuple[str, ...]  # the decision in words (the vendor's view only)


def offer_history(db: Session, actor: Actor, lead_id: int) -> list[OfferOut]:
    """The lead's offers, first to last. The vendor sees every offer and why each partner was
    chosen; a partner only its own offers of the lead, without the scores and runners-up
    (they name other partners)."""
    from core.leads.routing import explain
    from core.leads.status import OFFER_LABELS, OfferStatus

    require(actor, "lead.view")
    lead = load_lead(db, actor, lead_id)
    q = select(LeadOffer, Partner.name).join(Partner, Partner.id == LeadOffer.partner_id) \
        .where(LeadOffer.lead_id == lead.id).order_by(LeadOffer.offered_at, LeadOffer.id)
    vendor = actor.role not in PARTNER_ROLES
    if not vendor:
        q = q.where(LeadOffer.partner_id == actor.partner_id)
    return [OfferOut(o.id, o.partner_id, name, o.status, OFFER_LABELS[OfferStatus(o.status)],
                     o.offered_at, o.deadline_at, o.answered_at, o.reason,
                     o.score if vendor else None, o.by_hand,
                     tuple(explain(o.explanation, name)) if vendor else ())
            for o, name in db.execute(q).all()]


def teammates(db: Session, actor: Actor) -> list[tuple[int, str]]:
    """(user id, name) of the active users of the actor's partner, for handing a lead over."""
    require(actor, "lead.hand_over")
    return [(u.id, u.display_name) for u in db.scalars(
        select(User).where(User.partner_id == actor.partner_id, User.is_active)
        .order_by(User.display_name))]


EXPORT_HEADER = ("id", "company", "website", "first_name", "last_name", "email", "phone",
                 "title", "country", "state", "postal_code", "city", "industry",
                 "company_size", "product_line", "source", "campaign", "status", "partner",
                 "offers", "created_at")


def export_leads(db: Session, actor: Actor, *, statuses: list[str] | None = None,
                 search: str = "") -> bytes:
    """The leads the vendor's filter shows, every one of them, as CSV (formula-looking text
    neutralised: core.exports)."""
    from core.exports import to_csv

    require(actor, "lead.manage")
    rows, offset = [], 0
    while True:
        page = list_leads(db, actor, statuses=statuses, search=search, offset=offset,
                          limit=500)
        rows += [(x.id, x.company, x.website, x.first_name, x.last_name, x.email, x.phone,
                  x.title, x.country, x.state, x.postal_code, x.city, x.industry,
                  x.company_size, x.product_line, x.source, x.campaign, x.status_label,
                  x.partner, x.offers, x.created_at) for x in page.leads]
        offset += 500
        if offset >= page.total:
            return to_csv(EXPORT_HEADER, rows)
