"""What goes in (pydantic models, one message per field) and what comes out (frozen
dataclasses). Partner-facing results never carry another partner's data: conflict details
live only in the desk's results (DeskRow, DeskDetail, Match)."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from core.deals.status import DealStatus
from core.validation import (
    Amount,
    Country,
    Date,
    Email,
    OneOf,
    OptionalText,
    RequiredText,
    Website,
    parse_whole_number,
)

MAX_CLOSE_MONTHS = 18
MAX_ID = 2**63 - 1  # the largest id a database key holds


class DealStage(StrEnum):
    PROSPECTING = "prospecting"
    QUALIFICATION = "qualification"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    COMMIT = "commit"


STAGE_LABELS = {
    DealStage.PROSPECTING: "Prospecting",
    DealStage.QUALIFICATION: "Qualification",
    DealStage.PROPOSAL: "Proposal",
    DealStage.NEGOTIATION: "Negotiation",
    DealStage.COMMIT: "Commit",
}


D = TypeVar("D", date, datetime)


def add_months(day: D, months: int) -> D:
    """The same day n months later, or the month's last day (Aug 31 + 6 months = Feb 28); a
    datetime keeps its time of day."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- inputs


def check_close_window(day: date, today: date) -> date:
    if day <= today:
        raise ValueError("The expected close date must be in the future.")
    limit = add_months(today, MAX_CLOSE_MONTHS)
    if day > limit:
        raise ValueError(f"The expected close date must be within {MAX_CLOSE_MONTHS} months "
                         f"(on or before {limit:%Y-%m-%d}).")
    return day


def _in_close_window(day: date, info: ValidationInfo) -> date:
    """Checked against the service's clock (context: today) when it gives one."""
    today = (info.context or {}).get("today")
    return check_close_window(day, today) if today else day


def CloseDate(*, optional: bool = False) -> Any:
    return Date("expected close date", check=_in_close_window, optional=optional)


def Stage(*, optional: bool = False) -> Any:
    return OneOf({s.value: s for s in DealStage}, kind=DealStage, optional=optional,
                 required="Choose the sales stage.", unknown="Choose a sales stage from the list.")


class DealIn(BaseModel):
    """The registration form. The service validates it again with its own clock and the
    active catalog (context: today, product_line_ids), so a page may pass a plain dict of the
    widget values and get every message at once."""

    company: RequiredText(200, "Enter the end customer's company name.") = ""
    website: Website(invalid="Enter the company's website, e.g. acme.com.") = ""
    country: Country(required="Choose the customer's country.",
                     unknown="Choose the customer's country from the list.") = ""
    state: OptionalText(100) = ""
    contact_name: RequiredText(120, "Enter the customer contact's name.") = ""
    contact_email: Email(required="Enter the customer contact's e-mail address.") = ""
    contact_title: OptionalText(120) = ""
    product_line_ids: list[int] = Field(default_factory=list, validate_default=True)
    estimated_value: Amount("estimated value") = None
    expected_close_date: CloseDate() = None
    stage: Stage() = None
    description: OptionalText(4000, multiline=True) = ""
    # The funded marketing activity (an approved fund request of the partner's) it came from.
    fund_request_id: int | None = None

    @field_validator("product_line_ids", mode="before")
    @classmethod
    def _product_lines(cls, v: Any, info: ValidationInfo) -> list[int]:
        """Catalog ids, each still offered when the service gives the catalog (context:
        product_line_ids)."""
        unknown = "Choose product lines from the catalog."
        if v is None or v == "":
            v = []
        if not isinstance(v, list | tuple | set | frozenset):
            raise ValueError(unknown)
        ids = sorted({parse_whole_number(i, invalid=unknown, low=1, high=MAX_ID) for i in v})
        if not ids:
            raise ValueError("Choose at least one product line.")
        active = (info.context or {}).get("product_line_ids")
        if active is not None and not set(ids) <= set(active):
            raise ValueError("Choose product lines from the catalog; one of them is no "
                             "longer offered.")
        return ids


class DealUpdateIn(BaseModel):
    """What a partner may change while the registration is open; None leaves it as it is."""

    stage: Stage(optional=True) = None
    estimated_value: Amount("estimated value", optional=True) = None
    expected_close_date: CloseDate(optional=True) = None


# ---------------------------------------------------------------- outputs


@dataclass(frozen=True)
class DealOut:
    """A registration as its viewer may see it. `actions` names what the viewer can do now:
    note, update, withdraw, answer, won, lost, extend, reassign (partner side); review,
    approve, reject, more_info, merge, extension, final_amount (desk side)."""

    id: int
    partner_id: int
    partner_name: str
    owner_user_id: int
    owner_name: str
    customer_name: str
    customer_website: str | None
    customer_country: str
    customer_state: str | None
    region: str | None
    contact_name: str
    contact_email: str
    contact_title: str | None
    product_line_ids: tuple[int, ...]
    product_lines: tuple[str, ...]
    estimated_value: Decimal
    final_amount: Decimal | None
    expected_close_date: date
    closed_on: date | None
    stage: str
    description: str
    status: DealStatus
    status_label: str
    submitted_at: datetime
    decided_at: datetime | None
    protection_days: int | None
    protection_ends_at: datetime | None
    days_left: int | None  # whole days of protection left; None unless approved
    extension_status: str | None  # None, "requested", "granted" or "declined"
    lost_reason: str | None
    rejection_reason: str | None
    merged_into_id: int | None  # for a partner, only when it is one of its own
    updated_at: datetime
    actions: frozenset[str]


@dataclass(frozen=True)
class DealEventOut:
    at: datetime
    actor: str
    kind: str  # status / note / edit / owner / extension / amount
    text: str
    internal: bool  # desk-only; never present in a partner's timeline


@dataclass(frozen=True)
class DealDetail:
    deal: DealOut
    timeline: tuple[DealEventOut, ...]  # oldest first


@dataclass(frozen=True)
class DealFilter:
    status: str | None = None
    search: str | None = None  # customer name or domain
    owner_user_id: int | None = None
    partner_id: int | None = None  # vendors only; ignored for partner roles


@dataclass(frozen=True)
class DeskFilter:
    """statuses None: everything that waits for the desk (pending registrations and pending
    extension requests)."""

    statuses: tuple[str, ...] | None = None
    partner_id: int | None = None
    region: str | None = None
    min_age_days: int | None = None
    max_age_days: int | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    # "possible" or "conflict": registrations whose strongest match is at least that;
    # "clear": no match at all.
    match: str | None = None
    mine_only: bool = False  # partners whose channel manager is the actor
    # A registration's number ("123" or "#123"), or part of its customer's or partner's name.
    search: str | None = None
    sort: str = "oldest"  # a key of DESK_SORTS


# The desk queue's orders. Oldest first is first come, first served; "untouched" puts first
# what nobody has changed for longest (a registration answered yesterday after a month
# waiting is not the most urgent).
DESK_SORTS = {"oldest": "Oldest first", "newest": "Newest first",
              "value": "Highest value first", "untouched": "Untouched longest"}


@dataclass(frozen=True)
class DeskRow:
    deal: DealOut
    tier: str
    channel_manager: str | None
    age_days: int
    match_verdict: str  # clear / possible / conflict (the strongest match when checked)
    match_score: int


@dataclass(frozen=True)
class Match:
    """Another registration or direct opportunity that may be for the same company."""

    kind: str  # "registration" or "direct"
    id: int
    who: str  # partner name, or "Direct sales" with the owner's e-mail
    customer_name: str
    country: str
    domain: str | None
    status: str
    amount: Decimal
    at: datetime | date  # submitted (registration) or close date (direct)
    verdict: str  # possible / conflict
    score: int
    reasons: tuple[str, ...]  # every signal, in words
    open: bool  # still claims the customer
    same_partner: bool  # a registration of the same partner: a duplicate to merge
    end_customer_id: int
    product_lines: tuple[str, ...] = ()
    window: str = ""  # "2026-11-01 to 2027-02-28"


@dataclass(frozen=True)
class DeskDetail:
    deal: DealOut
    tier: str
    default_protection_days: int  # from the partner's tier
    first_come: bool  # no earlier open registration conflicts with it
    matches: tuple[Match, ...]
    timeline: tuple[DealEventOut, ...]
    match_verdict: str = "clear"
    match_score: int = 0
    end_customer_id: int = 0
    end_customer_name: str = ""


@dataclass(frozen=True)
class BulkApproveResult:
    approved: tuple[int, ...]
    skipped: dict[int, str] = field(default_factory=dict)  # deal id -> why


@dataclass(frozen=True)
class WonDealRow:
    deal_id: int
    partner: str
    tier: str
    customer: str
    country: str
    product_lines: str
    final_amount: Decimal
    closed_on: date
    owner: str
    submitted_at: datetime


@dataclass(frozen=True)
class WonSummary:
    count: int
    total: Decimal
