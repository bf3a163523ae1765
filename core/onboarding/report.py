"""Time to revenue-ready: how long partners take from approval to each step and to a first
deal."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.onboarding.schemas import DAY, OnboardingReport, PartnerOnboardingRow, SpanAverages
from core.permissions import require
from db.models import (
    AgreementAcceptance,
    DealRegistration,
    OnboardingProgress,
    OnboardingStep,
    Partner,
    PartnerApplication,
)
from db.types import utcnow

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

