"""Incentives' inputs (a program with its terms, a payment) and frozen results."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, field_validator, model_validator

from core.errors import RuleViolation
from core.incentives.status import BASES, KINDS, PAYEES
from core.validation import Amount, Date, OneOf, OptionalText, RequiredText, WholeNumber


def _percent(value: Decimal, what: str) -> Decimal:
    if value < 0 or value > 100:
        raise ValueError(f"The {what} is from 0% to 100%.")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"Give the {what} to two decimals at most (2.25%).")
    return value


class Bracket(BaseModel):
    """Sales from `threshold` up earn `rate_percent`."""

    threshold: Amount("threshold", zero_ok=True)
    rate_percent: Amount("rate", zero_ok=True)

    @field_validator("rate_percent")
    @classmethod
    def _rate(cls, v: Decimal) -> Decimal:
        return _percent(v, "rate")


class ProgramIn(BaseModel):
    """A program and its working terms (what "Publish" puts in force)."""

    name: RequiredText(120, "Enter the program's name.",
                       too_long="Keep the name to 120 characters or fewer.") = ""
    kind: OneOf(tuple(KINDS), unknown="Choose a volume rebate, a growth rebate or a SPIFF.") \
        = "volume"
    description: OptionalText(2000, multiline=True) = ""
    starts_on: Date("start")
    ends_on: Date("end", optional=True) = None
    # Who takes part: tiers (none: every tier) and certified users at the quarter's end.
    eligible_tier_ids: list[int] = []
    min_certified_users: WholeNumber(invalid="Enter the certified users as a whole number.",
                                     low=0, high=10_000,
                                     too_small="The certified users are 0 or more.",
                                     too_large="The certified users are 10,000 at most.") = 0
    certified_line_id: int | None = None
    # Rebates: the product lines whose sales count (none: all).
    product_line_ids: list[int] = []
    brackets: list[Bracket] = []
    basis: OneOf(tuple(BASES), unknown="Choose how the rate applies.") = "above"
    rate_percent: Amount("rate", zero_ok=True) = Decimal("0")
    min_growth_percent: Amount("minimum growth", zero_ok=True) = Decimal("0")
    # SPIFFs: the SKUs that qualify, the amount per unit, who is paid.
    product_ids: list[int] = []
    amount_per_unit: Amount("amount per unit", zero_ok=True) = Decimal("0")
    payee: OneOf(tuple(PAYEES), unknown="Choose who is paid.") = "partner"

    @field_validator("rate_percent")
    @classmethod
    def _rate(cls, v: Decimal) -> Decimal:
        return _percent(v, "rate")

    @field_validator("min_growth_percent")
    @classmethod
    def _growth(cls, v: Decimal) -> Decimal:
        if v < 0 or v > 1000:
            raise ValueError("The minimum growth is from 0% to 1,000%.")
        return v

    @model_validator(mode="after")
    def _by_kind(self) -> "ProgramIn":
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise _at("ends_on", "The end comes on or after the start.")
        if self.kind == "volume":
            if not self.brackets:
                raise _at("brackets", "A volume rebate needs at least one threshold and rate.")
            thresholds = [b.threshold for b in self.brackets]
            if thresholds != sorted(set(thresholds)):
                raise _at("brackets", "Each threshold is higher than the one before.")
        if self.kind == "growth" and not self.rate_percent:
            raise _at("rate_percent", "A growth rebate pays a share of the growth: enter the "
                                      "rate.")
        if self.kind == "spiff":
            if not self.product_ids:
                raise _at("product_ids", "Choose at least one SKU the SPIFF pays on.")
            if not self.amount_per_unit:
                raise _at("amount_per_unit", "Enter the amount paid per unit sold.")
            if self.ends_on is None:
                raise _at("ends_on", "A SPIFF runs in a window: enter its last day.")
        return self


def _at(field: str, message: str) -> RuleViolation:
    """A refusal that concerns several fields, pointed at the one to change (the page shows it
    beside that input; pydantic lets it through as it is)."""
    return RuleViolation(message, field=field)


@dataclass(frozen=True)
class Terms:
    """Published terms, as the calculation reads them: cents and basis points."""

    eligible_tier_ids: tuple[int, ...] = ()
    min_certified_users: int = 0
    certified_line_id: int | None = None
    product_line_ids: tuple[int, ...] = ()
    brackets: tuple[tuple[int, int], ...] = ()  # (threshold cents, rate bp)
    basis: str = "above"
    rate_bp: int = 0
    min_growth_bp: int = 0
    product_ids: tuple[int, ...] = ()
    amount_cents: int = 0
    payee: str = "partner"
    # The window sales count in, published with the rest (None: open).
    starts_on: date | None = None
    ends_on: date | None = None

    def as_json(self) -> dict[str, Any]:
        return {"eligible_tier_ids": list(self.eligible_tier_ids),
                "min_certified_users": self.min_certified_users,
                "certified_line_id": self.certified_line_id,
                "product_line_ids": list(self.product_line_ids),
                "brackets": [list(b) for b in self.brackets], "basis": self.basis,
                "rate_bp": self.rate_bp, "min_growth_bp": self.min_growth_bp,
                "product_ids": list(self.product_ids), "amount_cents": self.amount_cents,
                "payee": self.payee,
                "starts_on": self.starts_on.isoformat() if self.starts_on else None,
                "ends_on": self.ends_on.isoformat() if self.ends_on else None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Terms":
        d = dict(data or {})
        return cls(tuple(d.get("eligible_tier_ids", ())), int(d.get("min_certified_users", 0)),
                   d.get("certified_line_id"), tuple(d.get("product_line_ids", ())),
                   tuple(tuple(b) for b in d.get("brackets", ())), d.get("basis", "above"),
                   int(d.get("rate_bp", 0)), int(d.get("min_growth_bp", 0)),
                   tuple(d.get("product_ids", ())), int(d.get("amount_cents", 0)),
                   d.get("payee", "partner"), _day(d.get("starts_on")), _day(d.get("ends_on")))

    @classmethod
    def of(cls, data: ProgramIn) -> "Terms":
        def bp(percent: Decimal) -> int:
            return int(percent * 100)
        return cls(tuple(sorted(set(data.eligible_tier_ids))), data.min_certified_users,
                   data.certified_line_id, tuple(sorted(set(data.product_line_ids))),
                   tuple((int(b.threshold * 100), bp(b.rate_percent)) for b in data.brackets),
                   data.basis, bp(data.rate_percent), bp(data.min_growth_percent),
                   tuple(sorted(set(data.product_ids))), int(data.amount_per_unit * 100),
                   data.payee, data.starts_on, data.ends_on)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@dataclass(frozen=True)
class ProgramOut:
    id: int
    name: str
    kind: str
    kind_label: str
    status: str
    starts_on: date
    ends_on: date | None
    description: str
    terms: Terms  # the working copy
    in_force: Terms | None  # the latest published terms
    in_force_from: date | None
    summary: str  # the working terms in words
    form: dict[str, Any]  # the working copy as ProgramIn values (the edit form's defaults)


@dataclass(frozen=True)
class TermsVersion:
    effective_from: date
    summary: str
    note: str
    published_by: str
    published_at: datetime
