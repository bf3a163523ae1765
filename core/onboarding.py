"""Partner agreements (versioned), the onboarding checklist and time to revenue-ready.

Agreements: the admin publishes a new version as Markdown; a partner's admin accepts the
current version for the whole partner. Until a partner has accepted the current version its
users see only the agreement, their profile and sign-out (`SignedIn.agreement_current`, read
by the page registry). A new version asks every partner again.

Checklist: steps are defined by the admin (title, order, active) and each names the core event
that ticks it. Steps tick themselves from those events, never by hand:

    agreement_accepted     accept_agreement (here)
    profile_completed      core.partners.update_partner_profile, once the profile is complete
    team_member_added      core.accounts.create_user, once the partner has a second user
    course_completed       a later training capability calls record_event
    first_deal_registered  core.deals.workflow.register_deal

An event is recorded for the step that carries it even while that step is inactive, so that
reactivating a step shows what partners have really done; inactive steps are not shown."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import and_, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor, Role
from core.errors import NotFound, PermissionDenied, RuleViolation
from core.notifications import notify_role
from core.permissions import can, require
from core.validation import text_field
from db.models import (
    Agreement,
    AgreementAcceptance,
    DealRegistration,
    OnboardingProgress,
    OnboardingStep,
    Partner,
    PartnerApplication,
    User,
)
from db.types import utcnow

KNOWN_EVENTS: tuple[str, ...] = (
    "agreement_accepted",
    "profile_completed",
    "team_member_added",
    "course_completed",
    "first_deal_registered",
)
EVENT_LABELS = {
    "agreement_accepted": "The partner agreement is accepted",
    "profile_completed": "The company profile is complete",
    "team_member_added": "A second user is added to the partner",
    "course_completed": "The onboarding course is completed (training)",
    "first_deal_registered": "A first deal is registered",
}
AGREEMENT_PAGE = "pages/agreement.py"
TICKER = "onboarding"  # the system actor label of checklist ticks in the audit log
STEP_FIELDS = ["title", "event", "position", "active"]
DAY = 86400.0


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class AgreementOut:
    id: int
    version: int
    title: str
    body_markdown: str
    published_at: datetime
    published_by: str | None  # display name; None for the version shipped with the app


@dataclass(frozen=True)
class AgreementStatus:
    """The current agreement as the actor's partner stands with it. `accepted` is True when
    there is no agreement at all; `can_accept` says whether this actor may accept it now."""

    agreement: AgreementOut | None
    accepted: bool
    accepted_at: datetime | None
    accepted_by: str | None  # display name of the partner admin who accepted
    can_accept: bool = False


@dataclass(frozen=True)
class AgreementHistoryRow:
    agreement: AgreementOut
    current: bool
    accepted_count: int  # partners that accepted this version
    partner_count: int  # partners in all (not terminated), for "12 of 40"


@dataclass(frozen=True)
class StepOut:
    id: int
    title: str
    event: str
    position: int
    active: bool


@dataclass(frozen=True)
class ChecklistStep:
    step_id: int
    title: str
    event: str
    position: int
    done: bool
    completed_at: datetime | None


@dataclass(frozen=True)
class Checklist:
    partner_id: int
    partner_name: str
    steps: list[ChecklistStep]
    done_count: int
    total: int

    @property
    def complete(self) -> bool:
        return self.done_count == self.total


@dataclass(frozen=True)
class PartnerOnboardingRow:
    partner_id: int
    name: str
    status: str
    applied_at: datetime | None
    approved_at: datetime | None
    agreement_at: datetime | None  # first acceptance of any version
    first_deal_at: datetime | None
    # Days from the application, each span on its own (None when either end is unknown).
    days_to_approval: float | None
    days_to_agreement: float | None
    days_to_first_deal: float | None
    steps_done: int
    stuck_at: str | None  # title of the first active step not done; None when all are done
    days_stuck: float | None  # since the partner's last checklist tick (or since approval)


@dataclass(frozen=True)
class SpanAverages:
    """Average days over the partners that have both ends of the span; n counts them."""

    days_to_approval: float | None
    days_to_agreement: float | None
    days_to_first_deal: float | None
    n_approval: int = 0
    n_agreement: int = 0
    n_first_deal: int = 0


@dataclass(frozen=True)
class OnboardingReport:
    rows: list[PartnerOnboardingRow]
    averages: SpanAverages
    # Active step title -> partners whose first open step it is, in checklist order (zeros
    # included); only partners waiting there at least `stuck_after_days` are counted.
    stuck_counts: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------- inputs


class AgreementIn(BaseModel):
    title: str = Field(default="", validate_default=True)
    body_markdown: str = Field(default="", validate_default=True)

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, v: Any) -> str:
        return text_field(v, 200, required="Enter the agreement's title.",
                          too_long="Keep the title to 200 characters or fewer.")

    @field_validator("body_markdown", mode="before")
    @classmethod
    def _body(cls, v: Any) -> str:
        return text_field(v, 200_000, required="Enter the agreement's text (Markdown).",
                          too_long="The text is too long (200,000 characters at most).") + "\n"


class StepIn(BaseModel):
    title: str = Field(default="", validate_default=True)
    event: str = Field(default="", validate_default=True)
    position: int = Field(default=1)
    active: bool = True

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, v: Any) -> str:
        return text_field(v, 120, required="Enter the step's title.",
                          too_long="Keep the title to 120 characters or fewer.")

    @field_validator("event", mode="before")
    @classmethod
    def _event(cls, v: Any) -> str:
        text = str(v or "").strip()
        if text not in KNOWN_EVENTS:
            raise ValueError("Choose the event that ticks this step from the list.")
        return text

    @field_validator("position", mode="before")
    @classmethod
    def _position(cls, v: Any) -> int:
        try:
            value = int(v)
        except (TypeError, ValueError):
            raise ValueError("Enter the step's position as a whole number.") from None
        if not 1 <= value <= 1000:
            raise ValueError("The position must be between 1 and 1000.")
        return value


def _validated(model: type[BaseModel], data: Any) -> Any:
    raw = data.model_dump() if isinstance(data, BaseModel) else dict(data)
    return model.model_validate(raw)


# ---------------------------------------------------------------- agreements


def current_agreement(db: Session) -> AgreementOut | None:
    """The highest published version, or None when none was ever published."""
    row = db.scalar(select(Agreement).order_by(Agreement.version.desc()).limit(1))
    return _agreement_out(db, row) if row else None


def has_accepted_current(db: Session, partner_id: int) -> bool:
    """One indexed query: has the partner accepted the highest version? True when there is
    no agreement at all. Called on every page load of a partner user."""
    row = db.execute(
        select(Agreement.id, AgreementAcceptance.id)
        .outerjoin(AgreementAcceptance,
                   and_(AgreementAcceptance.agreement_id == Agreement.id,
                        AgreementAcceptance.partner_id == partner_id))
        .order_by(Agreement.version.desc())
        .limit(1)
    ).first()
    return row is None or row[1] is not None


AGREEMENT_PENDING = ("Your company has not accepted the current partner agreement yet. A "
                     "partner admin accepts it on the Partner agreement page.")


def require_agreement(db: Session, actor: Actor) -> None:
    """Partner users work (deals, their team) only once their company has accepted the
    current agreement. The menu hides those pages; this refuses the service calls."""
    if (actor.is_partner and actor.partner_id is not None
            and not has_accepted_current(db, actor.partner_id)):
        raise PermissionDenied(AGREEMENT_PENDING)


def get_agreement_for(db: Session, actor: Actor) -> AgreementStatus:
    """The current agreement and whether the actor's partner has accepted it. Vendor users
    see the text with accepted=False and can_accept=False."""
    require(actor, "agreement.view")
    current = db.scalar(select(Agreement).order_by(Agreement.version.desc()).limit(1))
    if current is None:
        return AgreementStatus(None, True, None, None, False)
    return _status(db, actor, current)


def accept_agreement(db: Session, actor: Actor, version: int, *,
                     now: datetime | None = None) -> AgreementStatus:
    """The partner admin accepts `version` for its partner. Only the current version can be
    accepted (the page passes the version it showed, so a version published meanwhile is not
    accepted unread). Accepting again is a no-op."""
    require(actor, "agreement.accept")
    now = now or utcnow()
    partner = db.get(Partner, actor.partner_id)
    if partner is None:
        raise NotFound("partner")
    current = db.scalar(select(Agreement).order_by(Agreement.version.desc()).limit(1))
    if current is None:
        raise NotFound("agreement")
    if int(version) > current.version:
        raise RuleViolation(f"There is no version {version} of the agreement; the current one "
                            f"is version {current.version}.", field="version")
    if int(version) != current.version:
        raise RuleViolation(
            f"Version {version} is not the current agreement: version {current.version} has "
            "been published since. Read it and accept that one.", field="version")
    done = db.scalar(select(AgreementAcceptance).where(
        AgreementAcceptance.agreement_id == current.id,
        AgreementAcceptance.partner_id == partner.id))
    if done is None:
        acceptance = AgreementAcceptance(agreement_id=current.id, partner_id=partner.id,
                                         user_id=actor.user_id, accepted_at=now)
        try:
            with db.begin_nested():  # another admin of the partner may accept at this moment
                db.add(acceptance)
                db.flush()
        except IntegrityError:
            return _status(db, actor, current)
        audit.record(db, actor, "agreement.accept", "agreement_acceptance", acceptance.id,
                     after={"agreement_id": current.id, "version": current.version,
                            "partner_id": partner.id, "user_id": actor.user_id,
                            "accepted_at": now}, partner_id=partner.id, now=now)
        record_event(db, partner.id, "agreement_accepted", now=now, actor=actor)
    return _status(db, actor, current)


def publish_agreement(db: Session, actor: Actor, title: str, body_markdown: str, *,
                      now: datetime | None = None) -> AgreementOut:
    """A new version (the highest + 1). Every partner must accept it; their admins are
    notified once per version. On SQLite call it in unit_of_work(engine, immediate=True)."""
    require(actor, "agreement.publish")
    now = now or utcnow()
    data = AgreementIn.model_validate({"title": title, "body_markdown": body_markdown})
    version = (db.scalar(select(func.max(Agreement.version))) or 0) + 1
    row = Agreement(version=version, title=data.title, body_markdown=data.body_markdown,
                    published_at=now, published_by_user_id=actor.user_id)
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError:
        raise RuleViolation("Another version was published at the same moment; reload the "
                            "page and check it before publishing.") from None
    audit.record(db, actor, "agreement.publish", "agreement", row.id,
                 after={"version": version, "title": data.title, "published_at": now},
                 now=now)
    notify_role(db, Role.PARTNER_ADMIN.value,
                f"New partner agreement (version {version}) awaits your acceptance",
                f"Version {version} of the partner agreement, \"{data.title}\", was published. "
                "Until you accept it, your team sees only the agreement and their profile.",
                dedupe_key=f"agreement:v{version}", link=AGREEMENT_PAGE, now=now)
    return _agreement_out(db, row)


def list_agreements(db: Session, actor: Actor) -> list[AgreementHistoryRow]:
    """Every version, newest first, with how many partners accepted each (vendor roles)."""
    require(actor, "agreement.view")
    if actor.is_partner:
        raise PermissionDenied()
    counts = (select(AgreementAcceptance.agreement_id, func.count().label("n"))
              .group_by(AgreementAcceptance.agreement_id).subquery())
    rows = db.execute(select(Agreement, func.coalesce(counts.c.n, 0))
                      .outerjoin(counts, counts.c.agreement_id == Agreement.id)
                      .order_by(Agreement.version.desc())).all()
    partners = db.scalar(select(func.count()).select_from(Partner)
                         .where(Partner.status != "terminated")) or 0
    names = _user_names(db, {a.published_by_user_id for a, _ in rows})
    return [AgreementHistoryRow(_agreement_out(db, a, names), i == 0, int(n), partners)
            for i, (a, n) in enumerate(rows)]


def _status(db: Session, actor: Actor, current: Agreement) -> AgreementStatus:
    out = _agreement_out(db, current)
    if not actor.is_partner:
        return AgreementStatus(out, False, None, None, False)
    row = db.execute(
        select(AgreementAcceptance.accepted_at, User.display_name)
        .join(User, User.id == AgreementAcceptance.user_id)
        .where(AgreementAcceptance.agreement_id == current.id,
               AgreementAcceptance.partner_id == actor.partner_id)
    ).first()
    if row is None:
        return AgreementStatus(out, False, None, None, can(actor, "agreement.accept"))
    return AgreementStatus(out, True, row[0], row[1], False)


def _agreement_out(db: Session, a: Agreement, names: dict[int, str] | None = None,
                   ) -> AgreementOut:
    if names is None:
        names = _user_names(db, {a.published_by_user_id})
    return AgreementOut(a.id, a.version, a.title, a.body_markdown, a.published_at,
                        names.get(a.published_by_user_id) if a.published_by_user_id else None)


def _user_names(db: Session, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


# ---------------------------------------------------------------- events


def record_event(db: Session, partner_id: int, event: str, *, now: datetime | None = None,
                 actor: Actor | None = None) -> bool:
    """Tick the step that `event` completes for the partner. True when a step was newly
    ticked; False when there is no such step or it was ticked already (safe to call twice,
    and from two transactions at once). Runs in the caller's transaction; no permission
    check: core services call it after their own. `actor`, whose action caused the event,
    is who the audit log shows (default: the system actor "onboarding")."""
    if event not in KNOWN_EVENTS:
        raise ValueError(f"unknown onboarding event {event!r}")
    now = now or utcnow()
    step_id = db.scalar(select(OnboardingStep.id).where(OnboardingStep.event == event))
    if step_id is None:
        return False
    if db.scalar(select(OnboardingProgress.id).where(OnboardingProgress.partner_id == partner_id,
                                                     OnboardingProgress.step_id == step_id)):
        return False
    progress = OnboardingProgress(partner_id=partner_id, step_id=step_id, completed_at=now)
    try:
        with db.begin_nested():
            db.add(progress)
            db.flush()
    except IntegrityError:
        return False
    audit.record(db, actor or Actor.system(TICKER), "onboarding.step_done", "onboarding_progress",
                 progress.id, after={"partner_id": partner_id, "step_id": step_id,
                                     "event": event, "completed_at": now},
                 partner_id=partner_id, now=now)
    return True


def checklist(db: Session, actor: Actor, partner_id: int | None = None) -> Checklist:
    """The active steps in order, each done or not. A partner admin gets its own partner's
    (whatever partner_id says: another partner's is refused); vendor roles name a partner."""
    require(actor, "onboarding.view")
    if partner_id is None:
        partner_id = actor.partner_id
    partner = db.get(Partner, partner_id) if partner_id is not None else None
    if partner is None:
        raise NotFound("partner")
    require(actor, "onboarding.view", partner)
    rows = db.execute(
        select(OnboardingStep, OnboardingProgress.completed_at)
        .outerjoin(OnboardingProgress,
                   and_(OnboardingProgress.step_id == OnboardingStep.id,
                        OnboardingProgress.partner_id == partner.id))
        .where(OnboardingStep.active)
        .order_by(OnboardingStep.position, OnboardingStep.id)
    ).all()
    steps = [ChecklistStep(s.id, s.title, s.event, s.position, at is not None, at)
             for s, at in rows]
    return Checklist(partner.id, partner.name, steps, sum(s.done for s in steps), len(steps))


# ---------------------------------------------------------------- steps (admin)


def list_steps(db: Session, actor: Actor) -> list[StepOut]:
    """Every step, inactive ones included, in checklist order."""
    require(actor, "onboarding.manage")
    rows = db.scalars(select(OnboardingStep).order_by(OnboardingStep.position,
                                                      OnboardingStep.id))
    return [_step_out(s) for s in rows]


def save_step(db: Session, actor: Actor, data: StepIn | dict, *,
              now: datetime | None = None) -> StepOut:
    """A new step. Each event ticks one step, so an event that already has a step (active or
    not) is refused: edit or reactivate that step instead."""
    require(actor, "onboarding.manage")
    data = _validated(StepIn, data)
    if (taken := _step_for_event(db, data.event)) is not None:
        raise RuleViolation(f'The step "{taken.title}" is already ticked by this event; edit '
                            "it (or reactivate it) instead.", field="event")
    step = OnboardingStep(title=data.title, event=data.event, position=data.position,
                          active=data.active)
    try:
        with db.begin_nested():
            db.add(step)
            db.flush()
    except IntegrityError:
        raise RuleViolation("Another step with this event was added at the same moment.",
                            field="event") from None
    audit.record(db, actor, "onboarding_step.create", "onboarding_step", step.id,
                 after=audit.snapshot(step, STEP_FIELDS), now=now)
    return _step_out(step)


def update_step(db: Session, actor: Actor, step_id: int, data: StepIn | dict, *,
                now: datetime | None = None) -> StepOut:
    """Change a step's title, position, active flag or event. Steps are deactivated, never
    deleted; the event of a step that partners have already ticked cannot change (those
    ticks were for the old event)."""
    require(actor, "onboarding.manage")
    data = _validated(StepIn, data)
    step = db.get(OnboardingStep, step_id)
    if step is None:
        raise NotFound("onboarding step")
    if data.event != step.event:
        taken = _step_for_event(db, data.event)
        if taken is not None:
            raise RuleViolation(f'The step "{taken.title}" is already ticked by this event.',
                                field="event")
        if db.scalar(select(exists().where(OnboardingProgress.step_id == step.id))):
            raise RuleViolation("Partners have already completed this step, so its event "
                                "cannot change.", field="event")
    before = audit.snapshot(step, STEP_FIELDS)
    step.title, step.event, step.position, step.active = (data.title, data.event,
                                                          data.position, data.active)
    db.flush()
    audit.record(db, actor, "onboarding_step.update", "onboarding_step", step.id,
                 before=before, after=audit.snapshot(step, STEP_FIELDS), now=now)
    return _step_out(step)


def set_step_active(db: Session, actor: Actor, step_id: int, active: bool, *,
                    now: datetime | None = None) -> StepOut:
    """Deactivate (hide from every checklist) or reactivate a step."""
    require(actor, "onboarding.manage")
    step = db.get(OnboardingStep, step_id)
    if step is None:
        raise NotFound("onboarding step")
    return update_step(db, actor, step_id, StepIn(title=step.title, event=step.event,
                                                  position=step.position, active=active),
                       now=now)


def _step_for_event(db: Session, event: str) -> OnboardingStep | None:
    return db.scalar(select(OnboardingStep).where(OnboardingStep.event == event))


def _step_out(s: OnboardingStep) -> StepOut:
    return StepOut(s.id, s.title, s.event, s.position, bool(s.active))


# ---------------------------------------------------------------- time to revenue-ready


def onboarding_report(db: Session, actor: Actor, *, now: datetime | None = None,
                      stuck_after_days: float = 0) -> OnboardingReport:
    """Per partner (terminated ones left out) and on average: days from the application to
    its approval, to the first agreement acceptance and to the first deal registration; and
    where each partner is in the checklist.

    One query of grouped subqueries (no table is pulled into Python): the application that
    became the partner (PartnerApplication.partner_id), min(accepted_at), min(submitted_at) of
    deals, the last tick and the first open active step. Partners that did not come through
    an application (the demo partners, imported ones) have no applied/approved time, so their
    spans are None and they do not count in the averages."""
    require(actor, "onboarding.report")
    now = now or utcnow()
    apps = (select(PartnerApplication.partner_id.label("pid"),
                   func.min(PartnerApplication.submitted_at).label("applied_at"),
                   func.min(PartnerApplication.decided_at).label("approved_at"))
            .where(PartnerApplication.partner_id.is_not(None))
            .group_by(PartnerApplication.partner_id).subquery())
    acc = (select(AgreementAcceptance.partner_id.label("pid"),
                  func.min(AgreementAcceptance.accepted_at).label("agreement_at"))
           .group_by(AgreementAcceptance.partner_id).subquery())
    deals = (select(DealRegistration.partner_id.label("pid"),
                    func.min(DealRegistration.submitted_at).label("first_deal_at"))
             .group_by(DealRegistration.partner_id).subquery())
    prog = (select(OnboardingProgress.partner_id.label("pid"),
                   func.count().label("done"),
                   func.max(OnboardingProgress.completed_at).label("last_tick"))
            .join(OnboardingStep, OnboardingStep.id == OnboardingProgress.step_id)
            .where(OnboardingStep.active)
            .group_by(OnboardingProgress.partner_id).subquery())
    ticked = (select(OnboardingProgress.id)
              .where(OnboardingProgress.partner_id == Partner.id,
                     OnboardingProgress.step_id == OnboardingStep.id)
              .correlate_except(OnboardingProgress).exists())
    open_step = (select(OnboardingStep.id)
                 .where(OnboardingStep.active, ~ticked)
                 .order_by(OnboardingStep.position, OnboardingStep.id)
                 .limit(1).correlate(Partner).scalar_subquery())
    q = (select(Partner.id, Partner.name, Partner.status, Partner.created_at,
                apps.c.applied_at, apps.c.approved_at, acc.c.agreement_at,
                deals.c.first_deal_at, func.coalesce(prog.c.done, 0), prog.c.last_tick,
                open_step.label("open_step"))
         .outerjoin(apps, apps.c.pid == Partner.id)
         .outerjoin(acc, acc.c.pid == Partner.id)
         .outerjoin(deals, deals.c.pid == Partner.id)
         .outerjoin(prog, prog.c.pid == Partner.id)
         .where(Partner.status != "terminated")
         .order_by(Partner.name, Partner.id))
    steps = db.execute(select(OnboardingStep.id, OnboardingStep.title)
                       .where(OnboardingStep.active)
                       .order_by(OnboardingStep.position, OnboardingStep.id)).all()
    titles = dict(steps)
    stuck_counts = {title: 0 for _, title in steps}
    rows: list[PartnerOnboardingRow] = []
    spans: dict[str, list[float]] = {"approval": [], "agreement": [], "first_deal": []}
    for (pid, name, status, created_at, applied, approved, agreed, first_deal, done,
         last_tick, open_id) in db.execute(q):
        stuck_at = titles.get(open_id) if open_id is not None else None
        days_stuck = None
        if stuck_at is not None:
            days_stuck = _days(last_tick or approved or created_at, now)
            if days_stuck is not None and days_stuck >= stuck_after_days:
                stuck_counts[stuck_at] += 1
        for key, end in (("approval", approved), ("agreement", agreed),
                         ("first_deal", first_deal)):
            if applied is not None and end is not None:
                spans[key].append((end - applied).total_seconds() / DAY)
        rows.append(PartnerOnboardingRow(
            pid, name, status, applied, approved, agreed, first_deal,
            _days(applied, approved), _days(applied, agreed), _days(applied, first_deal),
            int(done), stuck_at, days_stuck))
    averages = SpanAverages(_avg(spans["approval"]), _avg(spans["agreement"]),
                            _avg(spans["first_deal"]), len(spans["approval"]),
                            len(spans["agreement"]), len(spans["first_deal"]))
    return OnboardingReport(rows, averages, stuck_counts)


def _days(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / DAY, 1)


def _avg(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None
