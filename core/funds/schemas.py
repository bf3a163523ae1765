"""Funds' inputs (a program, a request, a claim, a decision, a payment) and frozen results."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, field_validator, model_validator

from core.funds.ledger import Balance
from core.funds.status import ACTIVITY_TYPES, KINDS, PERIODS
from core.validation import Amount, Choices, Date, OneOf, OptionalText, RequiredText, WholeNumber


def _days(what: str, high: int) -> object:
    return WholeNumber(invalid=f"Enter the {what} in whole days.", low=0, high=high,
                       too_small=f"The {what} is 0 days or more.",
                       too_large=f"The {what} is {high:,} days at most.")


def _count(what: str) -> object:
    return WholeNumber(invalid=f"Enter the {what} as a whole number.", low=0, high=10_000_000,
                       too_small=f"The {what} is 0 or more.",
                       too_large=f"The {what} is 10,000,000 at most.")


def _percent(value: Decimal, what: str) -> Decimal:
    if value > 100:
        raise ValueError(f"The {what} is 100% at most.")
    return value


class ProgramIn(BaseModel):
    name: RequiredText(120, "Enter the program's name.",
                       too_long="Keep the name to 120 characters or fewer.") = ""
    kind: OneOf(tuple(KINDS), unknown="Choose MDF or co-op.") = "mdf"
    period: OneOf(tuple(PERIODS), unknown="Choose a quarter or a year.") = "quarter"
    starts_on: Date("start of the period")
    budget: Amount("budget")
    eligible_tier_ids: list[int] = []
    activity_types: Choices(ACTIVITY_TYPES, what="the activity types",
                            at_least_one="Allow at least one activity type.") = []
    reimbursement_percent: Amount("reimbursement share") = Decimal("50")
    accrual_percent: Amount("accrual rate", zero_ok=True) = Decimal("0")
    # {tier id: amount} granted by the tier rule (MDF).
    tier_amounts: dict[int, Decimal] = {}
    lead_time_days: _days("request lead time", 365) = 14
    claim_days: _days("claim deadline", 365) = 60
    carry_over: bool = False

    @field_validator("reimbursement_percent")
    @classmethod
    def _share(cls, v: Decimal) -> Decimal:
        return _percent(v, "reimbursement share")

    @field_validator("accrual_percent")
    @classmethod
    def _accrual(cls, v: Decimal) -> Decimal:
        return _percent(v, "accrual rate")

    @field_validator("tier_amounts")
    @classmethod
    def _tier_amounts(cls, v: dict[int, Decimal]) -> dict[int, Decimal]:
        for amount in v.values():
            if amount < 0 or amount != amount.quantize(Decimal("0.01")):
                raise ValueError("A tier's amount is 0 or more, in whole cents.")
        return v

    @model_validator(mode="after")
    def _coop_rate(self) -> "ProgramIn":
        if self.kind == "coop" and not self.accrual_percent:
            raise ValueError("A co-op program accrues a share of sales: enter the "
                             "accrual rate.")
        return self


class RequestIn(BaseModel):
    program_id: int
    activity_type: OneOf(tuple(ACTIVITY_TYPES), unknown="Choose the activity type from the list.",
                         required="Choose the activity type.") = ""
    name: RequiredText(150, "Name the activity.",
                       too_long="Keep the name to 150 characters or fewer.") = ""
    starts_on: Date("activity's first day")
    ends_on: Date("activity's last day")
    description: OptionalText(4_000, too_long="Keep the description to 4,000 characters or "
                              "fewer.", multiline=True) = ""
    requested_amount: Amount("amount requested")
    expected_leads: _count("expected leads") = 0
    expected_pipeline: Amount("expected pipeline", zero_ok=True) = Decimal("0")

    @model_validator(mode="after")
    def _dates(self) -> "RequestIn":
        if self.ends_on < self.starts_on:
            raise ValueError("The activity's last day is on or after its first day.")
        return self


class ClaimIn(BaseModel):
    actual_spend: Amount("actual spend")
    claimed_amount: Amount("amount claimed")
    leads: _count("leads") = 0
    attendees: _count("attendees") = 0
    opportunities: _count("opportunities") = 0
    note: OptionalText(4_000, too_long="Keep the note to 4,000 characters or fewer.",
                       multiline=True) = ""


class PaymentIn(BaseModel):
    paid_on: Date("payment date")
    reference: RequiredText(100, "Enter the payment's reference.",
                            too_long="Keep the reference to 100 characters or fewer.") = ""
    amount: Amount("amount paid")


@dataclass(frozen=True)
class ProgramOut:
    id: int
    name: str
    kind: str
    period: str
    starts_on: date
    ends_on: date
    budget: Decimal | None  # None for a partner: other partners' business
    allocated: Decimal | None  # of the budget
    eligible_tiers: tuple[str, ...]
    eligible_tier_ids: tuple[int, ...]
    activity_types: tuple[str, ...]
    reimbursement_percent: Decimal
    accrual_percent: Decimal
    tier_amounts: dict[int, Decimal]
    lead_time_days: int
    claim_days: int
    carry_over: bool
    status: str
    successor_id: int | None

    @property
    def unallocated(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.allocated


@dataclass(frozen=True)
class AllocationOut:
    id: int
    program_id: int
    program_name: str
    program_kind: str
    partner_id: int
    partner_name: str
    tier_name: str
    balance: Balance
    claimed: Decimal  # claims waiting for finance


@dataclass(frozen=True)
class ClaimFileOut:
    id: int
    file_name: str
    kind: str
    size: int
    sha256: str
    uploaded_at: datetime


@dataclass(frozen=True)
class ClaimOut:
    id: int
    request_id: int
    partner_id: int
    status: str
    status_label: str
    actual_spend: Decimal
    claimed_amount: Decimal
    approved_amount: Decimal | None
    paid_amount: Decimal
    leads: int
    attendees: int
    opportunities: int
    note: str
    decision_note: str | None
    submitted_at: datetime
    decided_at: datetime | None
    paid_on: date | None
    payment_reference: str | None
    files: tuple[ClaimFileOut, ...] = ()


@dataclass(frozen=True)
class RequestOut:
    id: int
    program_id: int
    program_name: str
    partner_id: int
    partner_name: str
    activity_type: str
    name: str
    starts_on: date
    ends_on: date
    description: str
    requested_amount: Decimal
    approved_amount: Decimal | None
    expected_leads: int
    expected_pipeline: Decimal
    status: str
    status_label: str
    decision_note: str | None
    claim_due_on: date | None
    submitted_at: datetime
    decided_at: datetime | None
    claim: ClaimOut | None = None

    @property
    def activity_label(self) -> str:
        return ACTIVITY_TYPES.get(self.activity_type, self.activity_type)


@dataclass(frozen=True)
class FundEventOut:
    at: datetime
    actor: str
    action: str
    note: str


@dataclass(frozen=True)
class LedgerRow:
    id: int
    at: datetime
    program_name: str
    partner_name: str
    kind: str
    from_bucket: str
    to_bucket: str
    amount: Decimal
    request_id: int | None
    claim_id: int | None
    reason: str
    actor: str


@dataclass(frozen=True)
class RoiRow:
    """What funded activities brought, for one activity, program or partner."""

    key: int
    name: str
    paid: Decimal
    leads: int
    pipeline: Decimal
    won: Decimal

    @property
    def roi(self) -> float | None:
        return None if not self.paid else float(self.won / self.paid)
