"""The public side of recruitment: a stranger applies, follows the application with its
reference and e-mail address, and answers the channel team's questions.

Call `submit_application` inside unit_of_work(engine, immediate=True). On SQLite that takes
the single write lock at BEGIN; on PostgreSQL a transaction-scoped advisory lock taken here
serializes the session-limit count, the rate limits (core.recruitment.limits), the duplicate
check and the insert, so two simultaneous submissions of one company cannot both be stored,
nor two from one address both take its last place."""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit, ratelimit
from core.actor import Actor, Role
from core.errors import RuleViolation
from core.mail import queue_mail
from core.notifications import notify, notify_role, record_link
from core.permissions import require
from core.recruitment.limits import address_limit, email_limits
from core.recruitment.records import (
    APPLICATION_PAGE,
    ENTITY,
    PA,
    SUBMIT_FIELDS,
    _add_event,
    _audited,
    _find_public,
    _new_reference,
    _refuse_duplicate,
    _serialize,
    _session_ref,
    _snapshot,
    _status_out,
    _status_url,
    last_question_by,
    log,
)
from core.recruitment.schemas import (
    MAX_TEXT,
    ApplicationIn,
    ApplicationReceipt,
    ApplicationStatusOut,
)
from core.recruitment.status import PUBLIC_LABELS, S, check_move
from core.validation import as_model, checked, text_field
from db.models import ApplicationEvent, User
from db.types import utcnow

SESSION_LIMIT = 3  # stored applications per browser session ...
SESSION_WINDOW = timedelta(hours=24)  # ... within this window

# One message for every refusal a bot might probe (the honeypot): it says nothing about why.
NEUTRAL_REFUSAL = "We could not accept this application. Please try again later."
SESSION_LIMIT_MESSAGE = (f"This browser session has already sent {SESSION_LIMIT} applications "
                         "in the last 24 hours. Please try again tomorrow.")

def submit_application(db: Session, actor: Actor, data: ApplicationIn | Mapping[str, Any], *,
                       honeypot: str = "", client_address: str = "",
                       now: datetime | None = None) -> ApplicationReceipt:
    """Store a prospective partner's application; actor is Actor.anonymous(session_ref).

    Refusals, in this order, each writing nothing:
    - a filled honeypot field: RuleViolation(NEUTRAL_REFUSAL). Deliberately vague and not
      audited, so that a bot learns nothing about why (and fills no table);
    - more than SESSION_LIMIT applications from this session in SESSION_WINDOW: RuleViolation;
      all visitors without a session ref share one bucket, so the page must pass one;
    - too many applications from `client_address` (the key ui.client gives; empty: no
      address limit) in the last hour: RuleViolation for the form (core.recruitment.limits);
    - invalid input: pydantic ValidationError, one message per field;
    - the company already applied (not rejected) or is already a partner, by registrable
      website domain or by normalized name in the same country: DuplicateApplication, polite
      and without naming the other party (its `reference` is the applicant's own earlier
      reference when the contact e-mail address is the same);
    - too many applications with this contact e-mail address, or from its company domain,
      today: RuleViolation on contact_email.

    An accepted application counts under each limit. The applicant is mailed a fixed text
    (nothing they typed but the address it goes to); the channel managers hear of it in the
    next digest (core.recruitment.digest), not one notification per application.

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
    limits = [address_limit(client_address)]
    ratelimit.check(db, limits, now=now)
    data = as_model(ApplicationIn, data)
    _refuse_duplicate(db, data)
    limits += email_limits(data.contact_email)
    ratelimit.check(db, limits[1:], now=now)
    ratelimit.count(db, limits, now=now)
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
    after = audit.snapshot(app, SUBMIT_FIELDS)
    audit.record(db, actor, "application.submit", ENTITY, app.id, after=after, now=now)
    _add_event(db, actor, "application.submit", app, after, now=now)
    mailed = queue_mail(db, app.contact_email, f"Your partner application {app.reference}",
                        confirmation_text(app.reference), now=now)
    message = (f"Thank you, {app.company_name}: your application is in. Your reference is "
               f"{app.reference}. Keep it: with your e-mail address it opens the application "
               "status page.")
    if mailed:
        message += f" We have also sent it to {app.contact_email}."
    return ApplicationReceipt(app.reference, PUBLIC_LABELS[S.SUBMITTED], message)


def confirmation_text(reference: str) -> str:
    """The mail to the address typed into the public form. Anybody may type anybody's
    address there, so it is a fixed text: nothing the applicant typed goes into it."""
    return (f"Hello,\n\nthank you for applying to our partner program. Your reference is "
            f"{reference}.\n\nYou can follow your application with this reference and this "
            f"e-mail address at {_status_url()}\n\nIf you did not apply, please ignore this "
            "message.\n")


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
    answer = checked("answer", text_field, answer, MAX_TEXT, required="Write your answer.",
                     too_long=f"Keep your answer to {MAX_TEXT} characters or fewer.",
                     multiline=True)
    before = _snapshot(app)
    check_move(app.status, S.UNDER_REVIEW)
    app.status = S.UNDER_REVIEW.value
    app.info_response = answer
    _audited(db, actor, "application.answer", app, before, now=now)
    asked_by = last_question_by(db, app)
    subject = f"Application {app.reference} answered: {app.company_name}"
    body = f"{app.contact_name} answered your question about {app.company_name}:\n\n{answer}"
    key = f"application:{app.id}:answered:{_questions_asked(db, app)}"
    asker = db.get(User, asked_by) if asked_by else None
    if asker is not None and asker.is_active:
        notify(db, asker.id, subject, body, dedupe_key=key,
               link=record_link(APPLICATION_PAGE, app.id), now=now)
    else:
        notify_role(db, Role.CHANNEL_MANAGER.value, subject, body, dedupe_key=key,
                    link=record_link(APPLICATION_PAGE, app.id), now=now)
    return _status_out(app)



def _questions_asked(db: Session, app) -> int:
    """How many questions the application has had: one answer notification per question."""
    return db.scalar(select(func.count()).select_from(ApplicationEvent).where(
        ApplicationEvent.application_id == app.id,
        ApplicationEvent.kind == "request_info")) or 0
