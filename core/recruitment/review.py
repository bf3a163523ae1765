"""The channel team's side of recruitment: the application queue, review, questions to the
applicant, rejection and approval (which creates the partner and its admin)."""

from datetime import datetime

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from core.accounts import check_username, create_partner_admin
from core.actor import Actor, Role
from core.customers import country_code, normalize_name
from core.errors import RuleViolation
from core.mail import queue_mail
from core.notifications import notify, record_link
from core.partners import REGIONS, NewPartnerIn, create_partner
from core.permissions import require
from core.recruitment.records import (
    PA,
    PARTNER_PAGE,
    _audited,
    _display_names,
    _load,
    _matches,
    _out,
    _partner_matches,
    _serialize,
    _snapshot,
    _status_url,
    _timeline,
)
from core.recruitment.schemas import (
    MAX_TEXT,
    ApplicationDetail,
    ApplicationFilter,
    ApplicationOut,
    ApprovalResult,
    ManagerChoice,
)
from core.recruitment.status import OPEN, PUBLIC_MESSAGES, ApplicationStatus, S, check_move
from core.settings import get_settings
from core.validation import checked, text_field
from db.models import PartnerApplication, Tier, User
from db.types import utcnow


def application_queue(db: Session, actor: Actor, filt: ApplicationFilter = ApplicationFilter(),
                      *, limit: int = 50, offset: int = 0) -> tuple[list[ApplicationOut], int]:
    """Applications matching the filter, oldest first, and how many match in all."""
    require(actor, "application.review")
    q = select(PA)
    if filt.status == "open":
        q = q.where(PA.status.in_([s.value for s in OPEN]))
    elif filt.status:
        q = q.where(PA.status == filt.status)
    if needle := checked("search", text_field, filt.search, 200).lower():
        conds = [func.lower(PA.company_name).contains(needle, autoescape=True),
                 PA.domain.contains(needle, autoescape=True),
                 func.lower(PA.contact_email).contains(needle, autoescape=True),
                 PA.reference.contains(needle.upper(), autoescape=True)]
        if key := normalize_name(needle):
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


def _moving(db: Session, actor: Actor, application_id: int,
            to: ApplicationStatus) -> tuple[PartnerApplication, dict]:
    """The application, locked, when the table lets it move to `to`; and its snapshot from
    before the move."""
    app = _load(db, actor, application_id, for_update=True)
    check_move(app.status, to)
    return app, _snapshot(app)


def _free_text(value: str, field: str, required: str) -> str:
    """A question or a reason: trimmed, not empty, MAX_TEXT characters at most."""
    return checked(field, text_field, value, MAX_TEXT, required=required, multiline=True)


def start_review(db: Session, actor: Actor, application_id: int, *,
                 now: datetime | None = None) -> ApplicationOut:
    now = now or utcnow()
    app, before = _moving(db, actor, application_id, S.UNDER_REVIEW)
    app.status = S.UNDER_REVIEW.value
    _audited(db, actor, "application.start_review", app, before, now=now)
    return _out(app, _display_names(db, {app.decided_by_user_id}))


def request_information(db: Session, actor: Actor, application_id: int, question: str, *,
                        now: datetime | None = None) -> ApplicationOut:
    """Ask the applicant a question; it appears on the public status page (and in a mail when
    SMTP is set), where the applicant answers it."""
    now = now or utcnow()
    app, before = _moving(db, actor, application_id, S.MORE_INFO)
    question = _free_text(question, "question", "Write the question for the applicant.")
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
    app, before = _moving(db, actor, application_id, S.REJECTED)
    reason = _free_text(reason, "reason", "Give the reason for the rejection (kept internal).")
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
    and its partner_admin user, invited by a one-time link to choose a password (mailed to the
    contact; returned once for the approver to pass on where no mail server is). All in the
    caller's transaction.

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
    if (username or "").strip():
        check_username(db, username)  # before the partner exists: nothing half-written
    if not allow_duplicate:
        found = _partner_matches(db, domain=app.domain, email_domain=None,
                                 key=app.normalized_name, country=app.country,
                                 any_country=False)
        if found:
            names = "; ".join(f"{p.name} (#{p.id}: {', '.join(sig)})" for p, sig in found)
            raise RuleViolation(f"An existing partner matches this application: {names}. "
                                "Reject it as a duplicate, or approve it anyway if it is a "
                                "different company.", field="allow_duplicate")

    partner = create_partner(db, actor, NewPartnerIn(
        name=app.company_name, website=app.website, country=app.country,
        regions=tuple(app.regions or ()), partner_type=app.partner_type,
        industries=tuple(app.industries or ()), tier_id=tier.id,
        channel_manager_id=manager.id), now=now)
    user, invite = create_partner_admin(db, actor, partner.id, display_name=app.contact_name,
                                      email=app.contact_email, username=username, now=now)
    username = user.username

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
               f"channel manager ({tier.name} tier). {app.contact_name} ({app.contact_email}) "
               f"signs in as {username}"
               + (", with the link to choose a password that was e-mailed."
                  if invite.mailed else "; no mail server is configured, so the approver "
                  "passes the link to choose a password on."),
               dedupe_key=f"application:{app.id}:approved",
               link=record_link(PARTNER_PAGE, partner.id), now=now)
    queue_mail(
        db, app.contact_email, f"Welcome to the partner program, {partner.name}",
        f"Dear {app.contact_name},\n\nwe are glad to tell you that the application of "
        f"{partner.name} ({app.reference}) is approved.\n\nYour username for the partner "
        f"portal is {username}. A separate mail brings the link to choose your password; it "
        f"works once, for 60 minutes. If it has expired, use \"Forgot password\" on the sign-in "
        f"page. Your channel manager is {manager.display_name}.\n\n"
        f"Partner portal: {get_settings().app_base_url}\n", now=now)
    out = _out(app, _display_names(db, {app.decided_by_user_id}))
    return ApprovalResult(partner.id, user.id, username, invite, out)

