"""Partner agreements (versioned), the onboarding checklist and time to revenue-ready.

Agreements: the admin publishes a new version as Markdown; a partner's admin accepts the
current version for the whole partner. Until a partner has accepted the current version its
users see only the agreement, their profile and sign-out (`SignedIn.agreement_current`, read
by the page registry). A new version asks every partner again.

Checklist: steps are defined by the admin (title, order, active) and each names the core event
that ticks it. Steps tick themselves from those events, never by hand:

    agreement_accepted     accept_agreement (here)
    profile_completed      a saved profile that is complete (core.partners publishes it)
    team_member_added      a second user at the partner (core.accounts publishes UserCreated)
    course_completed       a later training capability calls record_event
    first_deal_registered  a registered deal (core.deals publishes DealRegistered)

An event is recorded for the step that carries it even while that step is inactive, so that
reactivating a step shows what partners have really done; inactive steps are not shown.

    schemas      inputs and results, the known events and their labels
    agreements   publish, accept, the agreement gate other services call
    checklist    record_event and a partner's checklist
    subscribers  the domain events that tick steps
    steps        the admin's steps
    report       time to revenue-ready
"""

from core.onboarding.agreements import (
    AGREEMENT_PENDING,
    accept_agreement,
    current_agreement,
    get_agreement_for,
    has_accepted_current,
    list_agreements,
    publish_agreement,
    require_agreement,
)
from core.onboarding.checklist import checklist, record_event
from core.onboarding.report import onboarding_report
from core.onboarding.schemas import (
    AGREEMENT_PAGE,
    EVENT_LABELS,
    KNOWN_EVENTS,
    AgreementHistoryRow,
    AgreementIn,
    AgreementOut,
    AgreementStatus,
    Checklist,
    ChecklistStep,
    OnboardingReport,
    PartnerOnboardingRow,
    SpanAverages,
    StepIn,
    StepOut,
)
from core.onboarding.steps import list_steps, save_step, set_step_active, update_step

__all__ = [
    "AGREEMENT_PAGE", "AGREEMENT_PENDING", "EVENT_LABELS", "KNOWN_EVENTS", "AgreementHistoryRow",
    "AgreementIn", "AgreementOut", "AgreementStatus", "Checklist", "ChecklistStep",
    "OnboardingReport", "PartnerOnboardingRow", "SpanAverages", "StepIn", "StepOut",
    "accept_agreement", "checklist", "current_agreement", "get_agreement_for",
    "has_accepted_current", "list_agreements", "list_steps", "onboarding_report",
    "publish_agreement", "record_event", "require_agreement", "save_step", "set_step_active",
    "update_step",
]
