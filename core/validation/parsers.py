"""The pure parsers behind the field types: a value as a person typed it, the checked value
out, or ValueError with a message the person can act on. No pydantic here: a service calls
them on its plain arguments too (see `checked`)."""

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from core.customers.identity import country_code, is_free_mail, registrable_domain
from core.errors import RuleViolation

T = TypeVar("T")

MAX_AMOUNT = Decimal("10000000000")  # ten billion: anything above is a typo
CENT = Decimal("0.01")
MAX_HEADCOUNT = 5_000_000
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2100, 12, 31)  # the dates a form accepts
PHONE_EXAMPLE = "Enter a phone number with its country code, e.g. +44 20 7946 0958."


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ---------------------------------------------------------------- the text rule

NOT_TEXT = "Enter this as text."
CONTROL_CHARACTERS = "Remove the control characters (such as a NUL byte) from this text."
ONE_LINE = "Keep this on one line: no line breaks or tabs."
PRIVATE_USE = ("Remove the private-use characters from this text: they are not letters and "
               "show differently on every device.")
_LINE_BREAKS = re.compile(r"\r\n?|[\x85\u2028\u2029]")
_BREAKS = frozenset("\t\n\r\x0b\x0c\x85\u2028\u2029")


def clean_text(value: Any, *, multiline: bool = False) -> str:
    """The one rule for text a person typed, before any other check: text only (None is "");
    invisible format characters (zero-width spaces and joiners, bidi controls such as U+202E,
    soft hyphens) removed; trimmed; NUL and other control characters refused, tabs and line
    breaks too unless `multiline` (where line breaks are written "\\n"); private-use
    characters refused; the result in Unicode NFC."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(NOT_TEXT)
    text = "".join(ch for ch in value if unicodedata.category(ch) != "Cf").strip()
    if multiline:
        text = _LINE_BREAKS.sub("\n", text)
    for ch in text:
        kind = unicodedata.category(ch)
        if ch in _BREAKS:
            if not (multiline and ch in "\t\n"):
                raise ValueError(CONTROL_CHARACTERS if multiline else ONE_LINE)
        elif kind in ("Cc", "Cs"):
            raise ValueError(CONTROL_CHARACTERS)
        elif kind == "Co":
            raise ValueError(PRIVATE_USE)
    return unicodedata.normalize("NFC", text).strip()


def text_field(value: Any, max_len: int, *, required: str | None = None,
               too_long: str | None = None, multiline: bool = False) -> str:
    """Text under the text rule (`clean_text`); `required` is the message when it is empty,
    `too_long` when it is over max_len characters; `multiline` lets tabs and line breaks
    in (notes, descriptions, reasons)."""
    text = clean_text(value, multiline=multiline)
    if required and not text:
        raise ValueError(required)
    if len(text) > max_len:
        raise ValueError(too_long or f"Keep this to {max_len} characters or fewer.")
    return text


def email_address(value: Any, *, required: str | None = None) -> str:
    """A normalized e-mail address, checked for syntax only (no DNS look-up)."""
    text = text_field(value, 254, required=required)
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as e:
        raise ValueError(f"Not a valid e-mail address: {e}") from None


def country(value: Any, *, unknown: str, required: str | None = None) -> str:
    """An ISO 3166 alpha-2 code for a code or an English name; `required` is the message when
    it is empty (`unknown` when there is none). Text only: 292 is not a country, even though
    pycountry reads "292" as Gibraltar's numeric code."""
    text = clean_text(value)
    if not text:
        raise ValueError(required or unknown)
    code = country_code(text) if len(text) <= 60 else None
    if code is None:
        raise ValueError(unknown)
    return code


def website(value: Any, *, invalid: str, required: str | None = None,
            too_long: str | None = None, own: str | None = None, scheme: bool = False,
            max_len: int = 300) -> str:
    """A website with a registrable domain, or "" when optional and empty. `own`: the message
    for a mailbox provider's domain (refused only when given); `scheme`: add https:// when it
    has none."""
    text = text_field(value, max_len, required=required, too_long=too_long)
    if not text:
        return ""
    domain = registrable_domain(text)
    if domain is None:
        raise ValueError(invalid)
    if own and is_free_mail(domain):
        raise ValueError(own)
    if scheme and "//" not in text:
        text = text_field("https://" + text, max_len, too_long=too_long)
    return text


# Digits grouped by thousands the way people type them: 1,250 / 1 250 / 1,250,000.50.
_GROUPED = re.compile(r"([+-]?[0-9]{1,3})((?:([, \u00a0\u202f])[0-9]{3})(?:\3[0-9]{3})*)"
                      r"(\.[0-9]+)?")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def ungrouped(text: str, *, fraction: bool) -> str | None:
    """A number as typed, without its thousands separators; None when it is not a plain
    number: a comma (or a space) only groups thousands, so "12,5" and "1,2" are not numbers
    (read as 125 and 12 they would be wrong by a factor). `fraction`: a decimal point may
    follow."""
    if (grouped := _GROUPED.fullmatch(text)) is not None:
        if grouped[4] and not fraction:
            return None
        text = grouped[1] + grouped[2].replace(grouped[3], "") + (grouped[4] or "")
    if not _NUMBER.fullmatch(text) or ("." in text and not fraction):
        return None
    return text


def parse_amount(value: Any, *, what: str, zero_ok: bool = False, floats: bool = True,
                 invalid: str | None = None) -> Decimal:
    """A money amount with at most two decimals ("25,000", "$25000" and Decimal alike), above
    0 (or 0 and above with zero_ok); `what` names it in messages. `floats=False` refuses a
    float (money is never one). `invalid` replaces the messages for an empty, unreadable or
    too small amount with one."""
    not_a_number = invalid or f"Enter the {what} as a number, e.g. 25000."
    if _blank(value):
        raise ValueError(invalid or f"Enter the {what}.")
    if isinstance(value, bool) or (isinstance(value, float) and not floats):
        raise ValueError(not_a_number)
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        text = value.strip().lstrip("$€£").strip()
        value = ungrouped(text, fraction=True)
        if value is None:
            raise ValueError(invalid or (
                f"Write the {what} with a decimal point, e.g. 1250.50: a comma only separates "
                "thousands, as in 1,250.50." if "," in text else not_a_number))
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(not_a_number) from None
    if not amount.is_finite():
        raise ValueError(not_a_number)
    if amount < 0 or (amount == 0 and not zero_ok):
        raise ValueError(invalid or f"The {what} must be greater than 0.")
    if amount > MAX_AMOUNT:
        raise ValueError(f"The {what} is too large; check the number.")
    if amount != amount.quantize(CENT):
        raise ValueError(f"Give the {what} with at most two decimal places.")
    return amount.quantize(CENT)


def parse_date(value: Any, *, what: str) -> date:
    """A date, or its ISO text (YYYY-MM-DD); a datetime gives its date. Only FIRST_DAY to
    LAST_DAY: a year outside is a typo (and some years do not fit every database)."""
    if _blank(value):
        raise ValueError(f"Enter the {what}.")
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, str):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"Enter the {what} as YYYY-MM-DD.") from None
    else:
        raise ValueError(f"Enter the {what} as YYYY-MM-DD.")
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"Enter the {what} between {FIRST_DAY.year} and {LAST_DAY.year}.")
    return day


def parse_whole_number(value: Any, *, invalid: str, low: int | None = None,
                       high: int | None = None, required: str | None = None,
                       too_small: str | None = None, too_large: str | None = None,
                       grouping: bool = False) -> int:
    """A whole number (an int, a float or Decimal without fraction, or text holding one),
    from low to high. `grouping`: text may group digits ("1,200", "1 200"). Each message
    defaults to `invalid`."""
    if _blank(value):
        raise ValueError(required or invalid)
    if isinstance(value, bool):
        raise ValueError(invalid)
    if isinstance(value, float | Decimal):
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        if not finite or value != int(value):
            raise ValueError(invalid)
        number = int(value)
    elif isinstance(value, int):
        number = value
    else:
        if not isinstance(value, str):
            raise ValueError(invalid)
        raw = ungrouped(value.strip(), fraction=False) if grouping else value.strip()
        if raw is None or not re.fullmatch(r"[+-]?[0-9]+", raw):
            raise ValueError(invalid)
        number = int(raw)
    if low is not None and number < low:
        raise ValueError(too_small or invalid)
    if high is not None and number > high:
        raise ValueError(too_large or invalid)
    return number


def parse_headcount(value: Any) -> int:
    """A company's number of employees, as people type it ("1,200")."""
    return parse_whole_number(
        value, required="Enter the number of employees.",
        invalid="Enter the number of employees as a whole number, e.g. 25.",
        low=1, too_small="The number of employees must be at least 1.",
        high=MAX_HEADCOUNT, too_large="The number of employees is too large; check the number.",
        grouping=True)


def parse_phone(value: Any, country: str | None = None, *,
                required: str = "Enter the contact's phone number.",
                invalid: str = PHONE_EXAMPLE) -> str:
    """A phone number the phonenumbers library can place (with its country code, or in
    `country`), in international format."""
    text = text_field(value, 40, required=required)
    try:
        number = phonenumbers.parse(text, country or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValueError(invalid)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def choices(value: Any, allowed: Iterable[str], *, unknown: str,
            at_least_one: str | None = None) -> list[str]:
    """A subset of `allowed` (matched case-insensitively), in `allowed`'s order. Text is read
    as a comma-separated list. `at_least_one`: the message when none is chosen (none may be
    without it)."""
    allowed = tuple(allowed)
    if value is None or value == "":
        items: list[str] = []
    elif isinstance(value, str):
        items = [p.strip() for p in value.split(",") if p.strip()]
    elif isinstance(value, list | tuple | set | frozenset):
        items = [str(v).strip() for v in value]
    else:
        raise ValueError(unknown)
    lookup = {a.lower(): a for a in allowed}
    if any(i.lower() not in lookup for i in items):
        raise ValueError(unknown)
    if at_least_one and not items:
        raise ValueError(at_least_one)
    chosen = {lookup[i.lower()] for i in items}
    return [a for a in allowed if a in chosen]


def _folded(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").split())


def one_of(value: Any, options: Mapping[str, T] | Iterable[str], *, unknown: str,
           required: str | None = None, fold: bool = False, blank: str | None = None) -> T:
    """One of `options` (a mapping of the accepted spellings to the value, or the values
    themselves). `fold`: matched ignoring case, underscores and repeated spaces; `blank`: what
    an empty value stands for; `required`: the message when empty (`unknown` when there is
    none)."""
    lookup = dict(options) if isinstance(options, Mapping) else {o: o for o in options}
    for chosen in lookup.values():
        if value is not None and not isinstance(value, str) and value == chosen:
            return chosen  # already a value (validated again)
    text = clean_text(value) or (blank or "")
    if not text:
        raise ValueError(required or unknown)
    if fold:
        lookup = {_folded(k): v for k, v in lookup.items()}
        text = _folded(text)
    if text not in lookup:
        raise ValueError(unknown)
    return lookup[text]


def checked(field: str, parse: Callable[..., T], value: Any, *args: Any, **kwargs: Any) -> T:
    """A parser run on a service's plain argument: its message as a RuleViolation on
    `field`."""
    try:
        return parse(value, *args, **kwargs)
    except ValueError as e:
        raise RuleViolation(str(e), field=field) from None
