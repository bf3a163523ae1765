"""Recruitment: the public "Become a partner" application, its public status page, and the
channel team's application queue (review, more information, reject, approve).

The lifecycle is one status enum and one transition table:

    submitted -> under_review -> approved / rejected / more_info
    more_info -> under_review (the applicant answers, or a reviewer resumes the review)

As with deal registrations, a clear application may be decided straight from "submitted"
(a reviewer need not press "start review" first), and one waiting for an answer may be
rejected. Approved and rejected are final.

What the applicant sees is never what the channel team sees: the public status has its own
labels and messages, and the internal rejection reason never leaves the reviewer's results.

Public submissions: call `submit_application` inside unit_of_work(engine, immediate=True). On
SQLite that takes the single write lock at BEGIN; on PostgreSQL a transaction-scoped advisory
lock taken here serializes the session-limit count, the duplicate check and the insert, so two
simultaneous submissions of one company cannot both be stored. Approvals take the same lock."""

import logging
import math
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import phonenumbers
from pydantic import BaseModel, Field, ValidationInfo, field_validator
from sqlalchemy import String, and_, cast, func, or_, select, text
from sqlalchemy.orm import Session

from core import audit
from core.accounts import USER_FIELDS
from core.actor import Actor, Role
from core.customers import country_code, is_free_mail, normalize_name, registrable_domain
from core.deals.schemas import parse_amount
from core.errors import NotFound, RuleViolation
from core.mail import queue_mail
from core.notifications import notify, notify_role
from core.partners import INDUSTRIES, PARTNER_TYPES, REGIONS
from core.passwords import hash_password, temporary_password
from core.permissions import require
from core.settings import get_settings
from core.transitions import TransitionTable
from core.validation import email_address, text_field
from db.models import AuditEvent, Partner, PartnerApplication, Tier, User
from db.types import utcnow

log = logging.getLogger("prm.recruitment")

PA = PartnerApplication
ENTITY = "partner_application"

# Page files, for notification links and the URLs in mails (Streamlit serves
# pages/application_status.py at /application_status).
QUEUE_PAGE = "pages/applications.py"
STATUS_PAGE = "pages/application_status.py"

# pg_advisory_xact_lock key for "applications": ASCII "PRMAPPLY" as a bigint.
APPLICATION_LOCK = int.from_bytes(b"PRMAPPLY", "big")

SESSION_LIMIT = 3  # stored applications per browser session ...
SESSION_WINDOW = timedelta(hours=24)  # ... within this window

# No 0/O, 1/I/L: a reference is read from a screen or a mail and typed again.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERENCE_PREFIX = "APP-"
REFERENCE_LENGTH = 8

MAX_TEXT = 4000  # questions, answers, reasons
MAX_HEADCOUNT = 5_000_000

PARTNER_TYPE_LABELS: dict[str, str] = {
    "reseller": "Reseller",
    "var": "Value-added reseller (VAR)",
    "distributor": "Distributor",
    "msp": "Managed service provider (MSP)",
    "referral_agent": "Referral agent",
    "isv": "Independent software vendor (ISV)",
}
assert set(PARTNER_TYPE_LABELS) == set(PARTNER_TYPES)

# One message for every refusal a bot might probe (the honeypot): it says nothing about why.
NEUTRAL_REFUSAL = "We could not accept this application. Please try again later."
SESSION_LIMIT_MESSAGE = (f"This browser session has already sent {SESSION_LIMIT} applications "
                         "in the last 24 hours. Please try again tomorrow.")
LOOKUP_FAILED = ("We found no application with this reference and e-mail address. "
                 "Check both and try again.")


# ---------------------------------------------------------------- statuses


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    MORE_INFO = "more_info"
    APPROVED = "approved"
    REJECTED = "rejected"


S = ApplicationStatus

# What the channel team sees.
STATUS_LABELS: dict[ApplicationStatus, str] = {
    S.SUBMITTED: "Submitted",
    S.UNDER_REVIEW: "Under review",
    S.MORE_INFO: "More information requested",
    S.APPROVED: "Approved",
    S.REJECTED: "Rejected",
}

# What the applicant sees.
PUBLIC_LABELS: dict[ApplicationStatus, str] = {
    S.SUBMITTED: "Received",
    S.UNDER_REVIEW: "Under review",
    S.MORE_INFO: "Waiting for your answer",
    S.APPROVED: "Approved",
    S.REJECTED: "Closed",
}
PUBLIC_MESSAGES: dict[ApplicationStatus, str] = {
    S.SUBMITTED: "Thank you; we have received your application and will review it shortly.",
    S.UNDER_REVIEW: "Our channel team is reviewing your application.",
    S.MORE_INFO: "We need a little more information before we can decide. Please answer the "
                 "question below.",
    S.APPROVED: "Welcome to the partner program! Your partner account has been created; your "
                "channel manager will share the sign-in details with you.",
    S.REJECTED: "Thank you for your interest; we are not able to offer a partnership at this "
                "time.",
}

TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.MORE_INFO, S.APPROVED, S.REJECTED}),
    S.UNDER_REVIEW: frozenset({S.MORE_INFO, S.APPROVED, S.REJECTED}),
    S.MORE_INFO: frozenset({S.UNDER_REVIEW, S.REJECTED}),
    S.APPROVED: frozenset(),
    S.REJECTED: frozenset(),
}

# Waiting for the channel team (or for the applicant's answer).
OPEN = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.MORE_INFO})

# Reviewer action name -> the status it moves to; ApplicationOut.actions lists the ones the
# transition table allows now.
ACTIONS: dict[str, ApplicationStatus] = {
    "start_review": S.UNDER_REVIEW,
    "request_info": S.MORE_INFO,
    "approve": S.APPROVED,
    "reject": S.REJECTED,
}

_VERBS = {
    S.UNDER_REVIEW: "put under review",
    S.MORE_INFO: "sent back for more information",
    S.APPROVED: "approved",
    S.REJECTED: "rejected",
    S.SUBMITTED: "submitted",
}


TABLE = TransitionTable("application", TRANSITIONS, STATUS_LABELS, _VERBS)
can_move = TABLE.can_move
check_move = TABLE.check_move


# ---------------------------------------------------------------- errors


class DuplicateApplication(RuleViolation):
    """The company already applied (and was not rejected) or is already a partner. Nothing
    was stored. `reference` is set only when the earlier application is the applicant's own
    (same contact e-mail address), so that it can follow that one instead."""

    def __init__(self, message: str, reference: str | None = None):
        super().__init__(message)
        self.reference = reference


class ApplicationNotFound(NotFound):
    """A reference and e-mail address that do not belong together: the message is the same
    whether the reference exists or not."""

    def __init__(self) -> None:
        super(NotFound, self).__init__(LOOKUP_FAILED)


# ---------------------------------------------------------------- input


def _choices(value: Any, allowed: tuple[str, ...], *, what: str) -> list[str]:
    """A subset of `allowed` (matched case-insensitively) in `allowed`'s order. A string is
    read as a comma-separated list."""
    if value is None or value == "":
        items: list[str] = []
    elif isinstance(value, str):
        items = [p.strip() for p in value.split(",") if p.strip()]
    elif isinstance(value, list | tuple | set | frozenset):
        items = [str(v).strip() for v in value]
    else:
        raise ValueError(f"Choose {what} from the list.")
    lookup = {a.lower(): a for a in allowed}
    if any(i.lower() not in lookup for i in items):
        raise ValueError(f"Choose {what} from the list.")
    chosen = {lookup[i.lower()] for i in items}
    return [a for a in allowed if a in chosen]


def parse_phone(value: Any, country: str | None = None) -> str:
    """A phone number the phonenumbers library can place (with its country code, or in the
    applicant's country), stored in international format."""
    text_ = text_field(value, 40, required="Enter the contact's phone number.")
    try:
        number = phonenumbers.parse(text_, country or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValueError("Enter a phone number with its country code, e.g. +44 20 7946 0958.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def parse_headcount(value: Any) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("Enter the number of employees.")
    if isinstance(value, bool):
        raise ValueError("Enter the number of employees as a whole number, e.g. 25.")
    if isinstance(value, float | Decimal):
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        if not finite or value != int(value):
            raise ValueError("Enter the number of employees as a whole number, e.g. 25.")
        value = int(value)
    if isinstance(value, int):
        number = value
    else:
        raw = str(value).strip().replace(",", "").replace(" ", "").replace("_", "")
        if not re.fullmatch(r"-?[0-9]+", raw):
            raise ValueError("Enter the number of employees as a whole number, e.g. 25.")
        number = int(raw)
    if number < 1:
        raise ValueError("The number of employees must be at least 1.")
    if number > MAX_HEADCOUNT:
        raise ValueError("The number of employees is too large; check the number.")
    return number


class ApplicationIn(BaseModel):
    """The "Become a partner" form. Every field has its own message (field_errors maps them to
    the inputs), missing fields included; a page may pass a plain dict of widget values.

    Industries may be left empty: a generalist reseller or distributor serves no particular
    industry. Regions need at least one."""

    company_name: str = Field(default="", validate_default=True)
    website: str = Field(default="", validate_default=True)
    country: str = Field(default="", validate_default=True)
    regions: list[str] = Field(default_factory=list, validate_default=True)
    partner_type: str = Field(default="", validate_default=True)
    industries: list[str] = Field(default_factory=list, validate_default=True)
    expected_annual_revenue: Decimal | None = Field(default=None, validate_default=True)
    headcount: int | None = Field(default=None, validate_default=True)
    contact_name: str = Field(default="", validate_default=True)
    contact_email: str = Field(default="", validate_default=True)
    contact_phone: str = Field(default="", validate_default=True)
    terms_accepted: bool = Field(default=False, validate_default=True)

    @field_validator("company_name", mode="before")
    @classmethod
    def _company_name(cls, v: Any) -> str:
        name = text_field(v, 200, required="Enter your company's name.")
        if not normalize_name(name):
            raise ValueError("Enter your company's name in letters or digits.")
        return name

    @field_validator("website", mode="before")
    @classmethod
    def _website(cls, v: Any) -> str:
        site = text_field(v, 300, required="Enter your company's website, e.g. acme.com.")
        domain = registrable_domain(site)
        if domain is None:
            raise ValueError("Enter your company's website, e.g. acme.com.")
        if is_free_mail(domain):
            raise ValueError("Enter your company's own website, not a mailbox provider's.")
        if "//" not in site:
            site = "https://" + site
        if len(site) > 300:
            raise ValueError("Keep this to 300 characters or fewer.")
        return site

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, v: Any) -> str:
        code = country_code(text_field(v, 60, required="Choose your company's country."))
        if code is None:
            raise ValueError("Choose your company's country from the list.")
        return code

    @field_validator("regions", mode="before")
    @classmethod
    def _regions(cls, v: Any) -> list[str]:
        regions = _choices(v, REGIONS, what="the regions you serve")
        if not regions:
            raise ValueError("Choose at least one region you serve.")
        return regions

    @field_validator("partner_type", mode="before")
    @classmethod
    def _partner_type(cls, v: Any) -> str:
        key = text_field(v, 60, required="Choose your partner type.").lower()
        for code, label in PARTNER_TYPE_LABELS.items():
            if key in (code, code.replace("_", " "), label.lower()):
                return code
        raise ValueError("Choose a partner type from the list.")

    @field_validator("industries", mode="before")
    @classmethod
    def _industries(cls, v: Any) -> list[str]:
        return _choices(v, INDUSTRIES, what="industries")

    @field_validator("expected_annual_revenue", mode="before")
    @classmethod
    def _revenue(cls, v: Any) -> Decimal:
        return parse_amount(v, what="expected annual revenue")

    @field_validator("headcount", mode="before")
    @classmethod
    def _headcount(cls, v: Any) -> int:
        return parse_headcount(v)

    @field_validator("contact_name", mode="before")
    @classmethod
    def _contact_name(cls, v: Any) -> str:
        return text_field(v, 120, required="Enter the main contact's name.")

    @field_validator("contact_email", mode="before")
    @classmethod
    def _contact_email(cls, v: Any) -> str:
        return email_address(v, required="Enter the main contact's e-mail address.")

    @field_validator("contact_phone", mode="before")
    @classmethod
    def _contact_phone(cls, v: Any, info: ValidationInfo) -> str:
        return parse_phone(v, info.data.get("country"))

    @field_validator("terms_accepted", mode="before")
    @classmethod
    def _terms(cls, v: Any) -> bool:
        if v is True or (isinstance(v, str) and v.strip().lower() in {"true", "yes", "on"}):
            return True
        raise ValueError("Accept the program terms to apply.")

    @property
    def domain(self) -> str | None:
        return registrable_domain(self.website)

    @property
    def normalized_name(self) -> str:
        return normalize_name(self.company_name)


def _as_input(data: ApplicationIn | Mapping[str, Any]) -> ApplicationIn:
    raw = data.model_dump() if isinstance(data, BaseModel) else dict(data)
    return ApplicationIn.model_validate(raw)


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class ApplicationReceipt:
    """Shown on screen once the application is stored."""

    reference: str
    status_label: str
    message: str


@dataclass(frozen=True)
class ApplicationStatusOut:
    """The public status page. Never carries the internal rejection reason."""

    reference: str
    company_name: str
    status_label: str
    public_message: str
    info_request: str | None  # the question, only while an answer is awaited
    submitted_at: datetime
    awaiting_answer: bool  # show the answer box


@dataclass(frozen=True)
class ApplicationOut:
    """An application as the channel team sees it (internal fields included). `actions`
    names what the transition table allows now: start_review, request_info, approve, reject."""

    id: int
    reference: str
    company_name: str
    normalized_name: str
    website: str
    domain: str | None
    country: str
    regions: tuple[str, ...]
    partner_type: str
    partner_type_label: str
    industries: tuple[str, ...]
    expected_annual_revenue: Decimal
    headcount: int
    contact_name: str
    contact_email: str
    contact_phone: str
    status: str
    status_label: str
    submitted_at: datetime
    decided_at: datetime | None
    decided_by: str | None  # display name
    rejection_reason: str | None  # internal
    info_request: str | None
    info_response: str | None
    partner_id: int | None  # set once approved
    actions: frozenset[str]


@dataclass(frozen=True)
class ApplicationFilter:
    """status: "open" (submitted, under review, more information: the default), one status
    value, or None for every status. country: ISO code or English name."""

    status: str | None = "open"
    search: str | None = None  # company name, domain, contact e-mail or reference
    country: str | None = None
    partner_type: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class ApplicationMatch:
    """An existing partner or another application that may be the same company."""

    kind: str  # "partner" or "application"
    id: int
    name: str
    country: str
    website: str | None
    status: str  # the partner's status, or the application's status label
    detail: str  # "Gold tier, channel manager Chris Channel" or "APP-… submitted 2026-11-20"
    signals: tuple[str, ...]


@dataclass(frozen=True)
class ApplicationEventOut:
    at: datetime
    actor: str
    action: str  # the audit action, e.g. "application.request_info"
    text: str


@dataclass(frozen=True)
class ApplicationDetail:
    application: ApplicationOut
    matches: tuple[ApplicationMatch, ...]
    timeline: tuple[ApplicationEventOut, ...]  # oldest first, from the audit log


@dataclass(frozen=True)
class ManagerChoice:
    id: int
    display_name: str
    username: str


@dataclass(frozen=True)
class ApprovalResult:
    """The temporary password is here once, to show to the approver; only its hash is stored.
    It is left out of repr() so that it never lands in a log or a traceback."""

    partner_id: int
    user_id: int
    username: str
    temporary_password: str = field(repr=False)
    application: ApplicationOut | None = field(default=None, repr=False)


# ---------------------------------------------------------------- public side


def submit_application(db: Session, actor: Actor, data: ApplicationIn | Mapping[str, Any], *,
                       honeypot: str = "", now: datetime | None = None) -> ApplicationReceipt:
    """Store a prospective partner's application; actor is Actor.anonymous(session_ref).

    Refusals, in this order, each writing nothing:
    - a filled honeypot field: RuleViolation(NEUTRAL_REFUSAL). Deliberately vague and not
      audited, so that a bot learns nothing about why (and fills no table);
    - more than SESSION_LIMIT applications from this session in SESSION_WINDOW: RuleViolation;
      all visitors without a session ref share one bucket, so the page must pass one;
    - invalid input: pydantic ValidationError, one message per field;
    - the company already applied (not rejected) or is already a partner, by registrable
      website domain or by normalized name in the same country: DuplicateApplication, polite
      and without naming the other party (its `reference` is the applicant's own earlier
      reference when the contact e-mail address is the same).

    Call inside unit_of_work(engine, immediate=True) (see the module docstring)."""
    require(actor, "application.submit")
    now = now or utcnow()
    if (honeypot or "").strip():
        log.info("application refused: honeypot filled (%s)", actor.label)
        raise RuleViolation(NEUTRAL_REFUSAL)
    _serialize(db)
    session_ref = _session_ref(actor)
    recent = db.scalar(select(func.count()).select_from(PA).where(
        PA.session_ref == session_ref, PA.submitted_at > now - SESSION_WINDOW)) or 0
    if recent >= SESSION_LIMIT:
        raise RuleViolation(SESSION_LIMIT_MESSAGE)
    data = _as_input(data)
    _refuse_duplicate(db, data)
    app = PA(
        reference=_new_reference(db), company_name=data.company_name,
        normalized_name=data.normalized_name, website=data.website, domain=data.domain,
        country=data.country, regions=list(data.regions), partner_type=data.partner_type,
        industries=list(data.industries), expected_annual_revenue=data.expected_annual_revenue,
        headcount=data.headcount, contact_name=data.contact_name,
        contact_email=data.contact_email, contact_phone=data.contact_phone,
        terms_accepted_at=now, status=S.SUBMITTED.value, submitted_at=now,
        session_ref=session_ref,
    )
    db.add(app)
    db.flush()
    audit.record(db, actor, "application.submit", ENTITY, app.id,
                 after=audit.snapshot(app, SUBMIT_FIELDS), now=now)
    notify_role(
        db, Role.CHANNEL_MANAGER.value, f"New partner application: {app.company_name}",
        f"{app.company_name} ({app.country}) applied as "
        f"{PARTNER_TYPE_LABELS[app.partner_type].lower()} for {', '.join(app.regions)}, "
        f"expecting {app.expected_annual_revenue:,.2f} a year. Reference {app.reference}.",
        dedupe_key=f"application:{app.id}:submitted", link=QUEUE_PAGE, now=now)
    mailed = queue_mail(
        db, app.contact_email, f"Your partner application {app.reference}",
        f"Dear {app.contact_name},\n\nthank you for applying to our partner program on behalf "
        f"of {app.company_name}. Your reference is {app.reference}.\n\nYou can follow your "
        f"application with this reference and your e-mail address at {_status_url()}\n",
        now=now)
    message = (f"Thank you, {app.company_name}: your application is in. Your reference is "
               f"{app.reference}. Keep it: with your e-mail address it opens the application "
               "status page.")
    if mailed:
        message += f" We have also sent it to {app.contact_email}."
    return ApplicationReceipt(app.reference, PUBLIC_LABELS[S.SUBMITTED], message)


def application_status(db: Session, actor: Actor, reference: str,
                       email: str) -> ApplicationStatusOut:
    """The public status for a reference and the contact e-mail address (both compared without
    regard to case). A wrong pair raises ApplicationNotFound, whose message does not say
    whether the reference exists."""
    require(actor, "application.status")
    return _status_out(_find_public(db, reference, email))


def answer_info_request(db: Session, actor: Actor, reference: str, email: str, answer: str, *,
                        now: datetime | None = None) -> ApplicationStatusOut:
    """The applicant answers a request for more information: the application goes back to
    review, and the reviewer who asked (else every channel manager) is notified."""
    require(actor, "application.status")
    now = now or utcnow()
    app = _find_public(db, reference, email, for_update=True)
    if app.status != S.MORE_INFO:
        raise RuleViolation("This application is not waiting for an answer from you.",
                            field="answer")
    answer = (answer or "").strip()
    if not answer:
        raise RuleViolation("Write your answer.", field="answer")
    if len(answer) > MAX_TEXT:
        raise RuleViolation(f"Keep your answer to {MAX_TEXT} characters or fewer.",
                            field="answer")
    before = _snapshot(app)
    check_move(app.status, S.UNDER_REVIEW)
    app.status = S.UNDER_REVIEW.value
    app.info_response = answer
    _audited(db, actor, "application.answer", app, before, now=now)
    asked = db.scalar(
        select(AuditEvent).where(AuditEvent.entity == ENTITY,
                                 AuditEvent.entity_id == str(app.id),
                                 AuditEvent.action == "application.request_info")
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(1))
    subject = f"Application {app.reference} answered: {app.company_name}"
    body = f"{app.contact_name} answered your question about {app.company_name}:\n\n{answer}"
    key = f"application:{app.id}:answered:{asked.id if asked else 0}"
    asker = db.get(User, asked.actor_user_id) if asked and asked.actor_user_id else None
    if asker is not None and asker.is_active:
        notify(db, asker.id, subject, body, dedupe_key=key, link=QUEUE_PAGE, now=now)
    else:
        notify_role(db, Role.CHANNEL_MANAGER.value, subject, body, dedupe_key=key,
                    link=QUEUE_PAGE, now=now)
    return _status_out(app)


# ---------------------------------------------------------------- channel team


def application_queue(db: Session, actor: Actor, filt: ApplicationFilter = ApplicationFilter(),
                      *, limit: int = 50, offset: int = 0) -> tuple[list[ApplicationOut], int]:
    """Applications matching the filter, oldest first, and how many match in all."""
    require(actor, "application.review")
    q = select(PA)
    if filt.status == "open":
        q = q.where(PA.status.in_([s.value for s in OPEN]))
    elif filt.status:
        q = q.where(PA.status == filt.status)
    if filt.search and filt.search.strip():
        needle = filt.search.strip().lower()
        conds = [func.lower(PA.company_name).contains(needle, autoescape=True),
                 PA.domain.contains(needle, autoescape=True),
                 func.lower(PA.contact_email).contains(needle, autoescape=True),
                 PA.reference.contains(needle.upper(), autoescape=True)]
        if key := normalize_name(filt.search):
            conds.append(PA.normalized_name.contains(key, autoescape=True))
        q = q.where(or_(*conds))
    if filt.country:
        q = q.where(PA.country == (country_code(filt.country) or filt.country.strip().upper()))
    if filt.partner_type:
        q = q.where(PA.partner_type == filt.partner_type)
    if filt.region:
        if filt.region not in REGIONS:
            return [], 0
        # Regions are a JSON list of fixed codes: '"EMEA"' in its text is exact on both
        # databases, and keeps paging and the total in SQL.
        q = q.where(cast(PA.regions, String).contains(f'"{filt.region}"'))
    total = db.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = list(db.scalars(q.order_by(PA.submitted_at, PA.id).limit(limit).offset(offset)))
    names = _display_names(db, {a.decided_by_user_id for a in rows})
    return [_out(a, names) for a in rows], total


def application_detail(db: Session, actor: Actor, application_id: int) -> ApplicationDetail:
    """One application, the existing partners and other applications that may be the same
    company (each with the signals that matched), and its history."""
    app = _load(db, actor, application_id)
    return ApplicationDetail(_out(app, _display_names(db, {app.decided_by_user_id})),
                             tuple(_matches(db, app)), tuple(_timeline(db, app)))


def channel_managers(db: Session, actor: Actor) -> list[ManagerChoice]:
    """Active channel managers, for the approval form's "owning channel manager"."""
    require(actor, "application.review")
    rows = db.scalars(select(User).where(User.role == Role.CHANNEL_MANAGER.value,
                                         User.is_active).order_by(User.display_name))
    return [ManagerChoice(u.id, u.display_name, u.username) for u in rows]


def start_review(db: Session, actor: Actor, application_id: int, *,
                 now: datetime | None = None) -> ApplicationOut:
    now = now or utcnow()
    app = _load(db, actor, application_id, for_update=True)
    before = _snapshot(app)
    check_move(app.status, S.UNDER_REVIEW)
    app.status = S.UNDER_REVIEW.value
    _audited(db, actor, "application.start_review", app, before, now=now)
    return _out(app, _display_names(db, {app.decided_by_user_id}))


def request_information(db: Session, actor: Actor, application_id: int, question: str, *,
                        now: datetime | None = None) -> ApplicationOut:
    """Ask the applicant a question; it appears on the public status page (and in a mail when
    SMTP is set), where the applicant answers it."""
    now = now or utcnow()
    app = _load(db, actor, application_id, for_update=True)
    check_move(app.status, S.MORE_INFO)
    question = _requiredtext_field(question, "question", "Write the question for the applicant.")
    before = _snapshot(app)
    app.status = S.MORE_INFO.value
    app.info_request = question
    app.info_response = None
    _audited(db, actor, "application.request_info", app, before, now=now)
    queue_mail(
        db, app.contact_email, f"Your partner application {app.reference}: a question for you",
        f"Dear {app.contact_name},\n\nto review the application of {app.company_name} we need "
        f"a little more information:\n\n{question}\n\nPlease answer on the application status "
        f"page with your reference {app.reference} and this e-mail address: {_status_url()}\n",
        now=now)
    return _out(app, _display_names(db, {app.decided_by_user_id}))


def reject_application(db: Session, actor: Actor, application_id: int, reason: str, *,
                       now: datetime | None = None) -> ApplicationOut:
    """Reject with a reason that stays internal; the applicant gets a polite outcome."""
    now = now or utcnow()
    app = _load(db, actor, application_id, for_update=True)
    check_move(app.status, S.REJECTED)
    reason = _requiredtext_field(reason, "reason",
                            "Give the reason for the rejection (kept internal).")
    before = _snapshot(app)
    app.status = S.REJECTED.value
    app.rejection_reason = reason
    app.decided_at = now
    app.decided_by_user_id = actor.user_id
    _audited(db, actor, "application.reject", app, before, now=now)
    queue_mail(
        db, app.contact_email, f"Your partner application {app.reference}",
        f"Dear {app.contact_name},\n\n{PUBLIC_MESSAGES[S.REJECTED]}\n\nWe will keep "
        f"{app.company_name} in mind, and wish you every success.\n", now=now)
    return _out(app, _display_names(db, {app.decided_by_user_id}))


def approve_application(db: Session, actor: Actor, application_id: int, *, tier_id: int,
                        channel_manager_id: int, username: str | None = None,
                        allow_duplicate: bool = False,
                        now: datetime | None = None) -> ApprovalResult:
    """Create the partner (status "onboarding", the chosen tier and owning channel manager)
    and its partner_admin user with a temporary password, returned once and stored only as a
    hash; the user must change it at first sign-in. All in the caller's transaction.

    The username is the given one, or the contact e-mail's local part plus the partner id
    (jane.doe.p41). An existing partner that matches the application (same website domain,
    or same normalized name in the same country) refuses the approval, unless
    allow_duplicate=True says the reviewer checked that it is a different company."""
    now = now or utcnow()
    require(actor, "application.review")
    _serialize(db)
    app = _load(db, actor, application_id, for_update=True)
    check_move(app.status, S.APPROVED)
    tier = db.get(Tier, tier_id) if tier_id is not None else None
    if tier is None:
        raise RuleViolation("Choose the partner's tier.", field="tier_id")
    manager = db.get(User, channel_manager_id) if channel_manager_id is not None else None
    if (manager is None or manager.role != Role.CHANNEL_MANAGER.value
            or not manager.is_active):
        raise RuleViolation("Choose an active channel manager to own the partner.",
                            field="channel_manager_id")
    username = _check_username(db, username) if (username or "").strip() else None
    if not allow_duplicate:
        found = _partner_matches(db, domain=app.domain, email_domain=None,
                                 key=app.normalized_name, country=app.country,
                                 any_country=False)
        if found:
            names = "; ".join(f"{p.name} (#{p.id}: {', '.join(sig)})" for p, sig in found)
            raise RuleViolation(f"An existing partner matches this application: {names}. "
                                "Reject it as a duplicate, or approve it anyway if it is a "
                                "different company.", field="allow_duplicate")

    partner = Partner(name=app.company_name, website=app.website, country=app.country,
                      regions=list(app.regions or []), partner_type=app.partner_type,
                      industries=list(app.industries or []), tier_id=tier.id,
                      status="onboarding", channel_manager_id=manager.id, created_at=now)
    db.add(partner)
    db.flush()
    audit.record(db, actor, "partner.create", "partner", partner.id,
                 after=audit.snapshot(partner, PARTNER_FIELDS), partner_id=partner.id, now=now)

    username = username or _derived_username(db, app.contact_email, partner.id)
    temp = temporary_password()
    user = User(username=username, display_name=app.contact_name, email=app.contact_email,
                role=Role.PARTNER_ADMIN.value, partner_id=partner.id,
                password_hash=hash_password(temp), must_change_password=True, created_at=now)
    db.add(user)
    db.flush()
    audit.record(db, actor, "user.create", "user", user.id,
                 after=audit.snapshot(user, USER_FIELDS), partner_id=partner.id, now=now)

    before = _snapshot(app)
    app.status = S.APPROVED.value
    app.partner_id = partner.id
    app.decided_at = now
    app.decided_by_user_id = actor.user_id
    _audited(db, actor, "application.approve", app, before, now=now,
             extra={"tier": tier.name, "username": username})

    if manager.id != actor.user_id:
        notify(db, manager.id, f"New partner for you: {partner.name}",
               f"The application {app.reference} of {partner.name} was approved with you as "
               f"channel manager ({tier.name} tier). Share the sign-in details with "
               f"{app.contact_name} ({app.contact_email}).",
               dedupe_key=f"application:{app.id}:approved", link="pages/partners.py", now=now)
    queue_mail(
        db, app.contact_email, f"Welcome to the partner program, {partner.name}",
        f"Dear {app.contact_name},\n\nwe are glad to tell you that the application of "
        f"{partner.name} ({app.reference}) is approved.\n\nYour username for the partner "
        f"portal is {username}. Your channel manager, {manager.display_name}, will send you a "
        "temporary password separately; you will choose your own at the first sign-in.\n\n"
        f"Partner portal: {get_settings().app_base_url}\n", now=now)
    out = _out(app, _display_names(db, {app.decided_by_user_id}))
    return ApprovalResult(partner.id, user.id, username, temp, out)


# ---------------------------------------------------------------- internals

SUBMIT_FIELDS = [
    "reference", "company_name", "normalized_name", "website", "domain", "country", "regions",
    "partner_type", "industries", "expected_annual_revenue", "headcount", "contact_name",
    "contact_email", "contact_phone", "terms_accepted_at", "status", "submitted_at",
]
AUDIT_FIELDS = ["status", "info_request", "info_response", "rejection_reason", "decided_at",
                "decided_by_user_id", "partner_id"]
PARTNER_FIELDS = ["name", "website", "country", "regions", "partner_type", "industries",
                  "tier_id", "status", "channel_manager_id"]
_USERNAME = re.compile(r"[a-z0-9._-]+")


def _serialize(db: Session) -> None:
    """PostgreSQL: a transaction-scoped advisory lock; SQLite: the caller's BEGIN IMMEDIATE
    already holds the database's single write lock."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPLICATION_LOCK})


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
    ref = "".join((reference or "").split()).upper()
    if ref and not ref.startswith(REFERENCE_PREFIX) and len(ref) == REFERENCE_LENGTH:
        ref = REFERENCE_PREFIX + ref
    return ref


def _status_url() -> str:
    return f"{get_settings().app_base_url.rstrip('/')}/{Path(STATUS_PAGE).stem}"


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
    events = db.scalars(select(AuditEvent).where(AuditEvent.entity == ENTITY,
                                                 AuditEvent.entity_id == str(app.id))
                        .order_by(AuditEvent.at, AuditEvent.id))
    names = {}
    out = []
    for e in events:
        if e.actor_user_id is None:
            who = "Applicant" if e.actor_role == Role.ANONYMOUS.value else e.actor_label
        else:
            if e.actor_user_id not in names:
                names |= _display_names(db, {e.actor_user_id})
            who = names.get(e.actor_user_id) or e.actor_label
        describe = _TIMELINE_TEXT.get(e.action)
        out.append(ApplicationEventOut(e.at, who, e.action,
                                       describe(e.after or {}) if describe else e.action))
    return out


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
    address = (email or "").strip().lower()
    if not ref or not address:
        raise ApplicationNotFound()
    q = select(PA).where(PA.reference == ref, func.lower(PA.contact_email) == address)
    if for_update:
        q = q.with_for_update().execution_options(populate_existing=True)
    app = db.scalar(q)
    if app is None:
        raise ApplicationNotFound()
    return app


def _requiredtext_field(value: str, field_name: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise RuleViolation(message, field=field_name)
    if len(value) > MAX_TEXT:
        raise RuleViolation(f"Keep this to {MAX_TEXT} characters or fewer.", field=field_name)
    return value


def _check_username(db: Session, username: str) -> str:
    username = username.strip().lower()
    if not 3 <= len(username) <= 80 or not _USERNAME.fullmatch(username):
        raise RuleViolation("Use 3 to 80 letters, digits, dots, dashes or underscores.",
                            field="username")
    if db.scalar(select(User.id).where(User.username == username)) is not None:
        raise RuleViolation("That username is taken.", field="username")
    return username


def _derived_username(db: Session, email: str, partner_id: int) -> str:
    local = email.rsplit("@", 1)[0].lower()
    local = re.sub(r"[^a-z0-9._-]+", ".", local)
    local = re.sub(r"\.{2,}", ".", local).strip("._-")[:60] or "admin"
    base = f"{local}.p{partner_id}"
    candidate, n = base, 1
    while db.scalar(select(User.id).where(User.username == candidate)) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _snapshot(app: PartnerApplication) -> dict:
    return audit.snapshot(app, AUDIT_FIELDS)


def _audited(db: Session, actor: Actor, action: str, app: PartnerApplication, before: dict, *,
             now: datetime, extra: dict | None = None) -> None:
    db.flush()
    audit.record(db, actor, action, ENTITY, app.id, before=before,
                 after=_snapshot(app) | (extra or {}), partner_id=app.partner_id, now=now)


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
