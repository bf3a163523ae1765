"""Loading and scoping applications, their history and the shapes the services return;
references, duplicate and look-alike checks."""

import logging
import re
import secrets
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core import audit, history
from core.actor import Actor, Role
from core.customers import is_free_mail, normalize_name, registrable_domain
from core.errors import NotFound
from core.permissions import require
from core.recruitment.schemas import (
    PARTNER_TYPE_LABELS,
    ApplicationEventOut,
    ApplicationIn,
    ApplicationMatch,
    ApplicationNotFound,
    ApplicationOut,
    ApplicationStatusOut,
    DuplicateApplication,
)
from core.recruitment.status import (
    ACTIONS,
    PUBLIC_LABELS,
    PUBLIC_MESSAGES,
    STATUS_LABELS,
    TRANSITIONS,
    S,
)
from core.settings import get_settings
from core.validation import clean_text
from db import locks
from db.models import ApplicationEvent, Partner, PartnerApplication, User

log = logging.getLogger("prm.recruitment")

PA = PartnerApplication
ENTITY = "partner_application"

# Route names of the pages, for notification links and the URLs in mails (Streamlit serves
# pages/application_status.py at /application_status).
QUEUE_PAGE = "applications"
APPLICATION_PAGE = "application"  # one application, ?id=N
STATUS_PAGE = "application_status"
PARTNER_PAGE = "partner_360"  # one partner, ?id=N

# The keyed lock (db.locks) of the session limit, the duplicate check and the insert.
APPLICATION_LOCK = "partner-applications"

# No 0/O, 1/I/L: a reference is read from a screen or a mail and typed again.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERENCE_PREFIX = "APP-"
REFERENCE_LENGTH = 8

SUBMIT_FIELDS = [
    "reference", "company_name", "normalized_name", "website", "domain", "country", "regions",
    "partner_type", "industries", "expected_annual_revenue", "headcount", "contact_name",
    "contact_email", "contact_phone", "terms_accepted_at", "status", "submitted_at",
]
AUDIT_FIELDS = ["status", "info_request", "info_response", "rejection_reason", "decided_at",
                "decided_by_user_id", "partner_id"]
PARTNER_FIELDS = ["name", "website", "country", "regions", "partner_type", "industries",
                  "tier_id", "status", "channel_manager_id"]


def _serialize(db: Session) -> None:
    """Duplicate checks and inserts of applications, one at a time."""
    locks.hold(db, APPLICATION_LOCK)


def _session_ref(actor: Actor) -> str:
    return actor.label.removeprefix("anonymous:")[:40]


def _new_reference(db: Session) -> str:
    for _ in range(10):
        ref = REFERENCE_PREFIX + "".join(secrets.choice(REFERENCE_ALPHABET)
                                         for _ in range(REFERENCE_LENGTH))
        if db.scalar(select(PA.id).where(PA.reference == ref)) is None:
            return ref
    raise RuntimeError("could not draw a free application reference")  # 31**8 codes


def _clean_reference(reference: str) -> str:
    ref = "".join(reference.split()).upper() if isinstance(reference, str) else ""
    if not re.fullmatch(r"[A-Z0-9-]{0,40}", ref, flags=re.ASCII):
        return ""  # no reference looks like that (NUL, controls, other scripts): no match
    if ref and not ref.startswith(REFERENCE_PREFIX) and len(ref) == REFERENCE_LENGTH:
        ref = REFERENCE_PREFIX + ref
    return ref


def _status_url() -> str:
    return f"{get_settings().app_base_url.rstrip('/')}/{STATUS_PAGE}"


def _contact_hint() -> str:
    s = get_settings()
    return f"write to us at {s.smtp_from}" if s.smtp_enabled else "contact our channel team"


def _refuse_duplicate(db: Session, data: ApplicationIn) -> None:
    domain, key, country = data.domain, data.normalized_name, data.country
    conds = [and_(PA.normalized_name == key, PA.country == country)]
    if domain:
        conds.append(PA.domain == domain)
    earlier = list(db.scalars(select(PA).where(PA.status != S.REJECTED.value, or_(*conds))
                              .order_by(PA.submitted_at, PA.id)))
    email = data.contact_email.lower()
    own = next((a for a in earlier if a.contact_email.lower() == email), None)
    if own is not None:
        raise DuplicateApplication(
            f"You have already applied for this company: your reference is {own.reference}. "
            "Follow that application on the application status page with this e-mail "
            "address; there is no need to apply again.", reference=own.reference)
    if earlier or _partner_matches(db, domain=domain, email_domain=None, key=key,
                                   country=country, any_country=False):
        raise DuplicateApplication(
            "We already have an application or a partnership for this company, so we have not "
            "registered a second one. If you think this is a mistake, please "
            f"{_contact_hint()}.")


def _partner_matches(db: Session, *, domain: str | None, email_domain: str | None, key: str,
                     country: str, any_country: bool) -> list[tuple[Partner, tuple[str, ...]]]:
    """Partners with the same registrable website domain, or the same normalized name in the
    country (or, with any_country, in any country). Partners keep no normalized keys, so SQL
    narrows the candidates (by country, website text, name text) and Python decides."""
    conds = [Partner.country == country]
    for d in {domain, email_domain} - {None}:
        conds.append(func.lower(Partner.website).contains(d, autoescape=True))
    if any_country and key:
        longest = max(key.split(), key=len)
        conds.append(func.lower(Partner.name).contains(longest, autoescape=True))
    found = []
    for p in db.scalars(select(Partner).where(or_(*conds)).order_by(Partner.id)):
        signals = []
        partner_domain = registrable_domain(p.website or "")
        if domain and partner_domain == domain:
            signals.append(f"same website domain {domain}")
        elif email_domain and partner_domain == email_domain:
            signals.append(f"contact e-mail domain {email_domain} is the partner's website")
        if normalize_name(p.name) == key:
            if p.country == country:
                signals.append(f"same company name '{key}' in {country}")
            elif any_country:
                signals.append(f"same company name '{key}', partner in {p.country}")
        if signals:
            found.append((p, tuple(signals)))
    return found


def _matches(db: Session, app: PartnerApplication) -> list[ApplicationMatch]:
    email_domain = registrable_domain(app.contact_email)
    if is_free_mail(email_domain) or email_domain == app.domain:
        email_domain = None
    out = []
    partners = _partner_matches(db, domain=app.domain, email_domain=email_domain,
                                key=app.normalized_name, country=app.country, any_country=True)
    managers = _display_names(db, {p.channel_manager_id for p, _ in partners})
    for p, signals in partners:
        manager = managers.get(p.channel_manager_id)
        detail = f"{p.tier.name} tier" + (f", channel manager {manager}" if manager else "")
        out.append(ApplicationMatch("partner", p.id, p.name, p.country, p.website, p.status,
                                    detail, signals))
    conds = [PA.normalized_name == app.normalized_name,
             func.lower(PA.contact_email) == app.contact_email.lower()]
    if app.domain:
        conds.append(PA.domain == app.domain)
    if email_domain:
        conds.append(PA.domain == email_domain)
    others = db.scalars(select(PA).where(PA.id != app.id, or_(*conds))
                        .order_by(PA.submitted_at, PA.id))
    for other in others:
        signals = []
        if app.domain and other.domain == app.domain:
            signals.append(f"same website domain {app.domain}")
        elif email_domain and other.domain == email_domain:
            signals.append(f"contact e-mail domain {email_domain} is its website")
        if other.normalized_name == app.normalized_name:
            where = ("in " + app.country if other.country == app.country
                     else f"applicant in {other.country}")
            signals.append(f"same company name '{app.normalized_name}' {where}")
        if other.contact_email.lower() == app.contact_email.lower():
            signals.append("same contact e-mail address")
        out.append(ApplicationMatch(
            "application", other.id, other.company_name, other.country, other.website,
            STATUS_LABELS[S(other.status)],
            f"{other.reference} submitted {other.submitted_at:%Y-%m-%d}", tuple(signals)))
    return out


_TIMELINE_TEXT = {
    "application.submit": lambda a: f"Submitted by {a.get('contact_name')}.",
    "application.start_review": lambda a: "Review started.",
    "application.request_info": lambda a: f"More information requested: {a.get('info_request')}",
    "application.answer": lambda a: f"The applicant answered: {a.get('info_response')}",
    "application.reject": lambda a: f"Rejected. Internal reason: {a.get('rejection_reason')}",
    "application.approve": lambda a: (f"Approved: partner #{a.get('partner_id')} created, "
                                      f"{a.get('tier')} tier, user {a.get('username')}."),
}


def _timeline(db: Session, app: PartnerApplication) -> list[ApplicationEventOut]:
    events = db.scalars(select(ApplicationEvent)
                        .where(ApplicationEvent.application_id == app.id)
                        .order_by(ApplicationEvent.at, ApplicationEvent.id))
    return [ApplicationEventOut(e.at, e.actor_label, f"application.{e.kind}", e.text)
            for e in events]


def _add_event(db: Session, actor: Actor, action: str, app: PartnerApplication,
               after: dict, *, now: datetime) -> None:
    """The timeline entry of an audited action (action "application.request_info" is kind
    "request_info"), worded for the reviewers."""
    describe = _TIMELINE_TEXT.get(action)
    history.record(db, ApplicationEvent, actor, at=now,
                   label="Applicant" if actor.role == Role.ANONYMOUS else None,
                   application_id=app.id, kind=action.removeprefix("application."),
                   text=describe(after) if describe else action)


def last_question_by(db: Session, app: PartnerApplication) -> int | None:
    """The user who asked the open question, if a user did."""
    return db.scalar(select(ApplicationEvent.actor_user_id)
                     .where(ApplicationEvent.application_id == app.id,
                            ApplicationEvent.kind == "request_info")
                     .order_by(ApplicationEvent.at.desc(), ApplicationEvent.id.desc()).limit(1))


def _load(db: Session, actor: Actor, application_id: int, *,
          for_update: bool = False) -> PartnerApplication:
    require(actor, "application.review")
    q = select(PA).where(PA.id == application_id)
    if for_update:
        q = q.with_for_update().execution_options(populate_existing=True)
    app = db.scalar(q)
    if app is None:
        raise NotFound("application")
    return app


def _find_public(db: Session, reference: str, email: str, *,
                 for_update: bool = False) -> PartnerApplication:
    ref = _clean_reference(reference)
    try:  # a lookup by a stranger: what no address can be (NUL, controls) finds nothing
        address = clean_text(email).lower()
    except ValueError:
        address = ""
    if not ref or not address or len(address) > 254:
        raise ApplicationNotFound()
    q = select(PA).where(PA.reference == ref, func.lower(PA.contact_email) == address)
    if for_update:
        q = q.with_for_update().execution_options(populate_existing=True)
    app = db.scalar(q)
    if app is None:
        raise ApplicationNotFound()
    return app


def _snapshot(app: PartnerApplication) -> dict:
    return audit.snapshot(app, AUDIT_FIELDS)


def _audited(db: Session, actor: Actor, action: str, app: PartnerApplication, before: dict, *,
             now: datetime, extra: dict | None = None) -> None:
    db.flush()
    after = _snapshot(app) | (extra or {})
    audit.record(db, actor, action, ENTITY, app.id, before=before, after=after,
                 partner_id=app.partner_id, now=now)
    _add_event(db, actor, action, app, after, now=now)


def _display_names(db: Session, user_ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(db.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def _status_out(app: PartnerApplication) -> ApplicationStatusOut:
    status = S(app.status)
    waiting = status == S.MORE_INFO
    return ApplicationStatusOut(app.reference, app.company_name, PUBLIC_LABELS[status],
                                PUBLIC_MESSAGES[status], app.info_request if waiting else None,
                                app.submitted_at, waiting)


def _out(app: PartnerApplication, names: dict[int, str]) -> ApplicationOut:
    status = S(app.status)
    actions = frozenset(a for a, to in ACTIONS.items() if to in TRANSITIONS[status])
    return ApplicationOut(
        app.id, app.reference, app.company_name, app.normalized_name, app.website, app.domain,
        app.country, tuple(app.regions or ()), app.partner_type,
        PARTNER_TYPE_LABELS.get(app.partner_type, app.partner_type),
        tuple(app.industries or ()), app.expected_annual_revenue, app.headcount,
        app.contact_name, app.contact_email, app.contact_phone, app.status,
        STATUS_LABELS[status], app.submitted_at, app.decided_at,
        names.get(app.decided_by_user_id) if app.decided_by_user_id else None,
        app.rejection_reason, app.info_request, app.info_response, app.partner_id, actions)
