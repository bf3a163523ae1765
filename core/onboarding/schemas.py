"""Onboarding's inputs (agreement versions, checklist steps) and frozen results."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel

from core.validation import OneOf, RequiredText, WholeNumber

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
AGREEMENT_PAGE = "agreement"  # route name of the agreement page
TICKER = "onboarding"  # the system actor label of checklist ticks in the audit log
STEP_FIELDS = ["title", "event", "position", "active"]
DAY = 86400.0
POSITION_RANGE = "The position must be between 1 and 1000."

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
    title: RequiredText(200, "Enter the agreement's title.",
                        too_long="Keep the title to 200 characters or fewer.") = ""
    # Stored with one final newline.
    body_markdown: Annotated[
        RequiredText(200_000, "Enter the agreement's text (Markdown).",
                     too_long="The text is too long (200,000 characters at most).",
                     multiline=True),
        AfterValidator(lambda text: text + "\n")] = ""


class StepIn(BaseModel):
    title: RequiredText(120, "Enter the step's title.",
                        too_long="Keep the title to 120 characters or fewer.") = ""
    event: OneOf(KNOWN_EVENTS, unknown="Choose the event that ticks this step from the list.") = ""
    position: WholeNumber(invalid="Enter the step's position as a whole number.", low=1,
                          high=1000, too_small=POSITION_RANGE, too_large=POSITION_RANGE) = 1
    active: bool = True
