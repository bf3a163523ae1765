"""The validation kernel: pure parsers (`parsers`), the field types the input models declare
their fields with (`fields`), and `as_model`, the one way a service (re)validates its input.

Every check fails with a message a user can act on, under the field's name."""

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from core.validation.fields import (
    Amount,
    Choices,
    Country,
    Date,
    Email,
    Headcount,
    OneOf,
    OptionalText,
    Phone,
    RequiredText,
    Website,
    WholeNumber,
)
from core.validation.parsers import (
    checked,
    choices,
    clean_text,
    country,
    email_address,
    one_of,
    parse_amount,
    parse_date,
    parse_headcount,
    parse_phone,
    parse_whole_number,
    text_field,
    website,
)

M = TypeVar("M", bound=BaseModel)


def raw_values(data: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    """A model's values or a mapping's, as a dict to validate (again)."""
    return data.model_dump() if isinstance(data, BaseModel) else dict(data)


def as_model(model: type[M], data: M | Mapping[str, Any], **context: Any) -> M:
    """`data` (a model instance or a plain mapping of widget values) validated as `model` at
    the service boundary, every message at once; `context` reaches the validators that need
    the service's clock or catalog."""
    return model.model_validate(raw_values(data), context=context or None)


__all__ = [
    "Amount", "Choices", "Country", "Date", "Email", "Headcount", "OneOf", "OptionalText",
    "Phone", "RequiredText", "Website", "WholeNumber", "as_model", "checked", "choices",
    "clean_text", "country", "email_address", "one_of", "parse_amount", "parse_date",
    "parse_headcount", "parse_phone", "parse_whole_number", "raw_values", "text_field",
    "website",
]
