"""Field types for the input models: each is the parser it stands for, with its messages, so
that a model declares a field in one line:

    company: RequiredText(200, "Enter the end customer's company name.") = ""
    country: Country(required="Choose the customer's country.",
                     unknown="Choose the customer's country from the list.") = ""

Every type also checks the field's default, so a field left out gets the same message as
an empty one. A check that needs another field's value (a phone number read in the chosen
country) names that field; one that needs the service (its clock, its catalog) reads the
validation context."""

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationInfo

from core.validation import parsers as p


def _field(kind: Any, parse: Callable[..., Any]) -> Any:
    return Annotated[kind, BeforeValidator(parse), Field(validate_default=True)]


def _keep_none(parse: Callable[[Any], Any], optional: bool) -> Callable[[Any], Any]:
    return (lambda v: None if v is None else parse(v)) if optional else parse


def RequiredText(max_len: int, required: str, *, too_long: str | None = None,
                 multiline: bool = False) -> Any:
    """Text under the kernel's text rule (parsers.clean_text) that must not be empty;
    `multiline`: tabs and line breaks allowed (notes, descriptions)."""
    return _field(str, lambda v: p.text_field(v, max_len, required=required,
                                              too_long=too_long, multiline=multiline))


def OptionalText(max_len: int, *, too_long: str | None = None, multiline: bool = False) -> Any:
    """Text under the kernel's text rule, "" when empty."""
    return _field(str, lambda v: p.text_field(v, max_len, too_long=too_long,
                                              multiline=multiline))


def Email(required: str | None = None, *, optional: bool = False) -> Any:
    """A normalized e-mail address. `required`: the message when empty (else an empty one
    is not a valid address); `optional`: empty gives ""."""
    def parse(v: Any) -> str:
        if optional and not p.text_field(v, 254):
            return ""
        return p.email_address(v, required=required)
    return _field(str, parse)


def Country(*, unknown: str, required: str | None = None) -> Any:
    """An ISO 3166 alpha-2 code, from a code or an English name."""
    return _field(str, lambda v: p.country(v, unknown=unknown, required=required))


def Website(*, invalid: str, required: str | None = None, too_long: str | None = None,
            own: str | None = None, scheme: bool = False) -> Any:
    """A website with a registrable domain ("" when optional and empty); see
    parsers.website."""
    return _field(str, lambda v: p.website(v, invalid=invalid, required=required,
                                           too_long=too_long, own=own, scheme=scheme))


def Amount(what: str, *, zero_ok: bool = False, floats: bool = True,
           invalid: str | None = None, optional: bool = False) -> Any:
    """Money as Decimal, two decimals at most; see parsers.parse_amount. `optional`: None
    stays None (an update that leaves it as it is)."""
    parse = _keep_none(lambda v: p.parse_amount(v, what=what, zero_ok=zero_ok, floats=floats,
                                                invalid=invalid), optional)
    return _field(Decimal | None if optional else Decimal, parse)


def Date(what: str, *, check: Callable[[date, ValidationInfo], date] | None = None,
         optional: bool = False) -> Any:
    """A date or its ISO text. `check` sees the date and the validation info (the
    service's clock in its context, say) and returns it or raises ValueError."""
    def parse(v: Any, info: ValidationInfo) -> date | None:
        if optional and v is None:
            return None
        day = p.parse_date(v, what=what)
        return check(day, info) if check else day
    return _field(date | None if optional else date, parse)


def WholeNumber(*, invalid: str, low: int | None = None, high: int | None = None,
                too_small: str | None = None, too_large: str | None = None) -> Any:
    """An int from low to high; see parsers.parse_whole_number."""
    return _field(int, lambda v: p.parse_whole_number(v, invalid=invalid, low=low, high=high,
                                                      too_small=too_small,
                                                      too_large=too_large))


Headcount = _field(int, p.parse_headcount)


def Phone(*, country_field: str | None = None, required: str = "Enter the contact's phone "
          "number.", invalid: str = p.PHONE_EXAMPLE) -> Any:
    """A phone number in international format, read in the country of `country_field` (an
    earlier field of the model) when it has no country code."""
    def parse(v: Any, info: ValidationInfo) -> str:
        country = info.data.get(country_field) if country_field else None
        return p.parse_phone(v, country, required=required, invalid=invalid)
    return _field(str, parse)


def Choices(allowed: Iterable[str], *, what: str | None = None, unknown: str | None = None,
            at_least_one: str | None = None) -> Any:
    """Several of `allowed`, in its order; text is a comma-separated list. `unknown`
    defaults to "Choose {what} from the list."; `at_least_one`: none may be chosen without
    it."""
    allowed = tuple(allowed)
    unknown = unknown or f"Choose {what} from the list."
    return _field(list[str], lambda v: p.choices(v, allowed, unknown=unknown,
                                                 at_least_one=at_least_one))


def OneOf(options: Mapping[str, Any] | Iterable[str], *, unknown: str,
          required: str | None = None, fold: bool = False, blank: str | None = None,
          kind: Any = str, optional: bool = False) -> Any:
    """One of `options` (accepted spellings -> value, or the values); see parsers.one_of.
    `kind`: the value's type (an enum, say)."""
    options = dict(options) if isinstance(options, Mapping) else tuple(options)
    parse = _keep_none(lambda v: p.one_of(v, options, unknown=unknown, required=required,
                                          fold=fold, blank=blank), optional)
    return _field(kind | None if optional else kind, parse)
