"""Recruitment's inputs (the public form, checked field by field) and its frozen results."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, field_validator

from core.accounts.links import IssuedLink
from core.customers import normalize_name, registrable_domain
from core.errors import NotFound, RuleViolation
from core.partners import INDUSTRIES, PARTNER_TYPES, REGIONS
from core.validation import (
    Amount,
    Choices,
    Country,
    Email,
    Headcount,
    OneOf,
    Phone,
    RequiredText,
    Website,
)

MAX_TEXT = 4000  # questions, answers, reasons

PARTNER_TYPE_LABELS: dict[str, str] = {
    "reseller": "Reseller",
    "var": "Value-added reseller (VAR)",
    "distributor": "Distributor",
    "msp": "Managed service provider (MSP)",
    "referral_agent": "Referral agent",
    "isv": "Independent software vendor (ISV)",
}
assert set(PARTNER_TYPE_LABELS) == set(PARTNER_TYPES)

LOOKUP_FAILED = ("We found no application with this reference and e-mail address. "
                 "Check both and try again.")



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

# What an applicant may type for a partner type: its code or its label, in any case, with
# spaces or underscores (OneOf folds them).
PARTNER_TYPE_SPELLINGS = {spelling: code for code, label in PARTNER_TYPE_LABELS.items()
                          for spelling in (code, label)}


class ApplicationIn(BaseModel):
    """The "Become a partner" form. Every field has its own message (field_errors maps them to
    the inputs), missing fields included; a page may pass a plain dict of widget values.

    Industries may be left empty: a generalist reseller or distributor serves no particular
    industry. Regions need at least one."""

    company_name: RequiredText(200, "Enter your company's name.") = ""
    website: Website(required="Enter your company's website, e.g. acme.com.",
                     invalid="Enter your company's website, e.g. acme.com.",
                     own="Enter your company's own website, not a mailbox provider's.",
                     scheme=True) = ""
    country: Country(required="Choose your company's country.",
                     unknown="Choose your company's country from the list.") = ""
    regions: Choices(REGIONS, what="the regions you serve",
                     at_least_one="Choose at least one region you serve.") = []
    partner_type: OneOf(PARTNER_TYPE_SPELLINGS, fold=True, required="Choose your partner type.",
                        unknown="Choose a partner type from the list.") = ""
    industries: Choices(INDUSTRIES, what="industries") = []
    expected_annual_revenue: Amount("expected annual revenue") = None
    headcount: Headcount = None
    contact_name: RequiredText(120, "Enter the main contact's name.") = ""
    contact_email: Email(required="Enter the main contact's e-mail address.") = ""
    contact_phone: Phone(country_field="country") = ""  # read in the company's country
    terms_accepted: bool = Field(default=False, validate_default=True)

    @field_validator("company_name")
    @classmethod
    def _named(cls, name: str) -> str:
        if not normalize_name(name):
            raise ValueError("Enter your company's name in letters or digits.")
        return name

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
    """The partner admin's invitation link is here once (mailed to the contact; shown to the
    approver only where no mail server is). Left out of repr() so that it never lands in a log
    or a traceback."""

    partner_id: int
    user_id: int
    username: str
    invite: IssuedLink = field(repr=False)
    application: ApplicationOut | None = field(default=None, repr=False)

