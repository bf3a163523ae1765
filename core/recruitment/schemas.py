"""Recruitment's inputs (the public form, checked field by field) and its frozen results."""

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import phonenumbers
from pydantic import BaseModel, Field, ValidationInfo, field_validator

from core.customers import country_code, is_free_mail, normalize_name, registrable_domain
from core.deals.schemas import parse_amount
from core.errors import NotFound, RuleViolation
from core.partners import INDUSTRIES, PARTNER_TYPES, REGIONS
from core.validation import email_address, text_field

MAX_TEXT = 4000  # questions, answers, reasons
MAX_HEADCOUNT = 5_000_000

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


def _choices(value: Any, allowed: tuple[str, ...], *, what: str) -> list[str]:
    """A subset of `allowed` (matched case-insensitively) in `allowed`'s order. A string is
    read as a comma-separated list."""
    if value is None or value == "":
        items: list[str] = []
    elif isinstance(value, str):
        items = [p.strip() for p in value.split(",") if p.strip()]
    elif isinstance(value, list | tuple | set | frozenset):
        items = [str(v).strip() for v in value]
    else:
        raise ValueError(f"Choose {what} from the list.")
    lookup = {a.lower(): a for a in allowed}
    if any(i.lower() not in lookup for i in items):
        raise ValueError(f"Choose {what} from the list.")
    chosen = {lookup[i.lower()] for i in items}
    return [a for a in allowed if a in chosen]


def parse_phone(value: Any, country: str | None = None) -> str:
    """A phone number the phonenumbers library can place (with its country code, or in the
    applicant's country), stored in international format."""
    text_ = text_field(value, 40, required="Enter the contact's phone number.")
    try:
        number = phonenumbers.parse(text_, country or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValueError("Enter a phone number with its country code, e.g. +44 20 7946 0958.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def parse_headcount(value: Any) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("Enter the number of employees.")
    if isinstance(value, bool):
        raise ValueError("Enter the number of employees as a whole number, e.g. 25.")
    if isinstance(value, float | Decimal):
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        if not finite or value != int(value):
            raise ValueError("Enter the number of employees as a whole number, e.g. 25.")
        value = int(value)
    if isinstance(value, int):
        number = value
    else:
        raw = str(value).strip().replace(",", "").replace(" ", "").replace("_", "")
        if not re.fullmatch(r"-?[0-9]+", raw):
            raise ValueError("Enter the number of employees as a whole number, e.g. 25.")
        number = int(raw)
    if number < 1:
        raise ValueError("The number of employees must be at least 1.")
    if number > MAX_HEADCOUNT:
        raise ValueError("The number of employees is too large; check the number.")
    return number


class ApplicationIn(BaseModel):
    """The "Become a partner" form. Every field has its own message (field_errors maps them to
    the inputs), missing fields included; a page may pass a plain dict of widget values.

    Industries may be left empty: a generalist reseller or distributor serves no particular
    industry. Regions need at least one."""

    company_name: str = Field(default="", validate_default=True)
    website: str = Field(default="", validate_default=True)
    country: str = Field(default="", validate_default=True)
    regions: list[str] = Field(default_factory=list, validate_default=True)
    partner_type: str = Field(default="", validate_default=True)
    industries: list[str] = Field(default_factory=list, validate_default=True)
    expected_annual_revenue: Decimal | None = Field(default=None, validate_default=True)
    headcount: int | None = Field(default=None, validate_default=True)
    contact_name: str = Field(default="", validate_default=True)
    contact_email: str = Field(default="", validate_default=True)
    contact_phone: str = Field(default="", validate_default=True)
    terms_accepted: bool = Field(default=False, validate_default=True)

    @field_validator("company_name", mode="before")
    @classmethod
    def _company_name(cls, v: Any) -> str:
        name = text_field(v, 200, required="Enter your company's name.")
        if not normalize_name(name):
            raise ValueError("Enter your company's name in letters or digits.")
        return name

    @field_validator("website", mode="before")
    @classmethod
    def _website(cls, v: Any) -> str:
        site = text_field(v, 300, required="Enter your company's website, e.g. acme.com.")
        domain = registrable_domain(site)
        if domain is None:
            raise ValueError("Enter your company's website, e.g. acme.com.")
        if is_free_mail(domain):
            raise ValueError("Enter your company's own website, not a mailbox provider's.")
        if "//" not in site:
            site = "https://" + site
        if len(site) > 300:
            raise ValueError("Keep this to 300 characters or fewer.")
        return site

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, v: Any) -> str:
        code = country_code(text_field(v, 60, required="Choose your company's country."))
        if code is None:
            raise ValueError("Choose your company's country from the list.")
        return code

    @field_validator("regions", mode="before")
    @classmethod
    def _regions(cls, v: Any) -> list[str]:
        regions = _choices(v, REGIONS, what="the regions you serve")
        if not regions:
            raise ValueError("Choose at least one region you serve.")
        return regions

    @field_validator("partner_type", mode="before")
    @classmethod
    def _partner_type(cls, v: Any) -> str:
        key = text_field(v, 60, required="Choose your partner type.").lower()
        for code, label in PARTNER_TYPE_LABELS.items():
            if key in (code, code.replace("_", " "), label.lower()):
                return code
        raise ValueError("Choose a partner type from the list.")

    @field_validator("industries", mode="before")
    @classmethod
    def _industries(cls, v: Any) -> list[str]:
        return _choices(v, INDUSTRIES, what="industries")

    @field_validator("expected_annual_revenue", mode="before")
    @classmethod
    def _revenue(cls, v: Any) -> Decimal:
        return parse_amount(v, what="expected annual revenue")

    @field_validator("headcount", mode="before")
    @classmethod
    def _headcount(cls, v: Any) -> int:
        return parse_headcount(v)

    @field_validator("contact_name", mode="before")
    @classmethod
    def _contact_name(cls, v: Any) -> str:
        return text_field(v, 120, required="Enter the main contact's name.")

    @field_validator("contact_email", mode="before")
    @classmethod
    def _contact_email(cls, v: Any) -> str:
        return email_address(v, required="Enter the main contact's e-mail address.")

    @field_validator("contact_phone", mode="before")
    @classmethod
    def _contact_phone(cls, v: Any, info: ValidationInfo) -> str:
        return parse_phone(v, info.data.get("country"))

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


def _as_input(data: ApplicationIn | Mapping[str, Any]) -> ApplicationIn:
    raw = data.model_dump() if isinstance(data, BaseModel) else dict(data)
    return ApplicationIn.model_validate(raw)



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
    """The temporary password is here once, to show to the approver; only its hash is stored.
    It is left out of repr() so that it never lands in a log or a traceback."""

    partner_id: int
    user_id: int
    username: str
    temporary_password: str = field(repr=False)
    application: ApplicationOut | None = field(default=None, repr=False)

