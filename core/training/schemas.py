"""Training's inputs (a course, its modules and quiz, a track) and frozen results. What a
learner is shown of a quiz (`QuizView`) holds no answer: answers stay in core until an
attempt is graded."""

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, field_validator, model_validator

from core.validation import OneOf, OptionalText, RequiredText, Website, WholeNumber

LEVELS = {"foundation": "Foundation", "advanced": "Advanced", "expert": "Expert"}


def _percent(field: str) -> object:
    return WholeNumber(invalid=f"Enter the {field} as a whole number from 1 to 100.", low=1,
                       high=100, too_small=f"The {field} is at least 1.",
                       too_large=f"The {field} is at most 100.")


class CourseIn(BaseModel):
    title: RequiredText(160, "Enter the course's title.",
                        too_long="Keep the title to 160 characters or fewer.") = ""
    summary: OptionalText(2_000, too_long="Keep the summary to 2,000 characters or fewer.",
                          multiline=True) = ""
    product_line_id: int | None = None
    level: OneOf(LEVELS, unknown="Choose the level from the list.") = "foundation"
    minutes: WholeNumber(invalid="Enter the estimated minutes as a whole number.", low=1,
                         high=10_000, too_small="A course takes at least a minute.",
                         too_large="Estimate 10,000 minutes or fewer.") = 30
    onboarding: bool = False
    min_tier_rank: WholeNumber(invalid="Enter the lowest tier's rank as a whole number.",
                               low=0, high=100, too_small="The rank is 0 or more.",
                               too_large="The rank is 100 or less.") = 0
    pass_mark: _percent("pass mark") = 80
    attempts_allowed: WholeNumber(invalid="Enter the attempts allowed as a whole number.",
                                  low=1, high=100, too_small="Allow at least one attempt.",
                                  too_large="Allow 100 attempts or fewer.") = 3
    wait_minutes: WholeNumber(invalid="Enter the wait between attempts in whole minutes.",
                              low=0, high=60 * 24 * 30, too_small="The wait is 0 or more.",
                              too_large="Wait 30 days or less.") = 60


class ModuleIn(BaseModel):
    title: RequiredText(160, "Enter the module's title.",
                        too_long="Keep the title to 160 characters or fewer.") = ""
    body: OptionalText(100_000, too_long="The text is too long (100,000 characters at most).",
                       multiline=True) = ""
    video_url: Website(invalid="Enter the video's address (https://...).",
                       too_long="Keep the address to 500 characters or fewer.") = None


class OptionIn(BaseModel):
    text: RequiredText(500, "Enter the answer's text.",
                       too_long="Keep an answer to 500 characters or fewer.") = ""
    correct: bool = False


class QuestionIn(BaseModel):
    text: RequiredText(2_000, "Enter the question.",
                       too_long="Keep the question to 2,000 characters or fewer.",
                       multiline=True) = ""
    multiple: bool = False
    options: list[OptionIn] = []

    @model_validator(mode="after")
    def _answerable(self) -> "QuestionIn":
        right = sum(o.correct for o in self.options)
        if len(self.options) < 2:
            raise ValueError("Give the question at least two answers.")
        if right == 0:
            raise ValueError("Mark at least one answer as right.")
        if not self.multiple and right > 1:
            raise ValueError("A single-choice question has exactly one right answer.")
        return self


class TrackIn(BaseModel):
    name: RequiredText(160, "Enter the track's name.",
                       too_long="Keep the name to 160 characters or fewer.") = ""
    validity_months: WholeNumber(invalid="Enter the validity in whole months.", low=1,
                                 high=120, too_small="A certification lasts a month or more.",
                                 too_large="A certification lasts 120 months or less.") = 24
    course_families: list[str] = []
    product_line_ids: list[int] = []
    renewal_family: str | None = None
    renewal_grace_days: WholeNumber(invalid="Enter the grace period in whole days.", low=0,
                                    high=365, too_small="The grace period is 0 days or more.",
                                    too_large="The grace period is a year or less.") = 30

    @field_validator("course_families")
    @classmethod
    def _some_course(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("Choose the courses the track requires.")
        return list(dict.fromkeys(value))


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class ModuleOut:
    id: int
    position: int
    title: str
    body: str
    video_url: str | None
    file_name: str | None
    done: bool = False  # for the learner reading it


@dataclass(frozen=True)
class OptionView:
    id: int
    text: str


@dataclass(frozen=True)
class QuestionView:
    id: int
    text: str
    multiple: bool
    options: tuple[OptionView, ...]


@dataclass(frozen=True)
class QuizView:
    """A quiz as a learner sees it before an attempt: no answer is marked right."""

    course_id: int
    pass_mark: int
    questions: tuple[QuestionView, ...]


@dataclass(frozen=True)
class CourseOut:
    id: int
    family: str
    version: int
    status: str
    kind: str
    title: str
    summary: str
    product_line_id: int | None
    level: str
    minutes: int
    onboarding: bool
    min_tier_rank: int
    pass_mark: int
    attempts_allowed: int
    wait_minutes: int
    modules: tuple[ModuleOut, ...]
    questions: int


@dataclass(frozen=True)
class AttemptOut:
    id: int
    course_id: int
    submitted_at: datetime
    score: int
    passed: bool
    attempts_left: int
    next_attempt_at: datetime | None  # None: another attempt may start now (or none left)
    completed: bool  # the course is completed with this attempt


@dataclass(frozen=True)
class Standing:
    """Where a learner stands with a course version."""

    modules_done: int
    modules: int
    attempts: int
    attempts_left: int
    best_score: int | None
    passed: bool
    completed: bool
    next_attempt_at: datetime | None


@dataclass(frozen=True)
class TrackOut:
    id: int
    name: str
    validity_months: int
    course_families: tuple[str, ...]
    product_line_ids: tuple[int, ...]
    renewal_family: str | None
    renewal_grace_days: int
    active: bool


@dataclass(frozen=True)
class CertificationOut:
    id: int
    user_id: int
    holder: str
    partner_id: int
    partner_name: str
    track_id: int
    track_name: str
    code: str
    issued_at: datetime
    renewed_at: datetime | None
    expires_at: datetime
    current: bool
