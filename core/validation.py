"""Field checks shared by the input models, each failing with a message a user can act on."""

from typing import Any

from email_validator import EmailNotValidError, validate_email


def text_field(value: Any, max_len: int, *, required: str | None = None,
               too_long: str | None = None) -> str:
    """Trimmed text; `required` is the message when it is empty, `too_long` when it is over
    max_len characters."""
    text = str(value if value is not None else "").strip()
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
