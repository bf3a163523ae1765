"""Domain errors with messages a user can act on. Pages show them beside the form."""

from pydantic import ValidationError

__all__ = ["DomainError", "NotFound", "PermissionDenied", "RuleViolation", "ValidationError",
           "field_errors"]


class DomainError(Exception):
    """Base of the errors a service raises on purpose."""


class PermissionDenied(DomainError):
    def __init__(self, message: str = "You do not have access to this."):
        super().__init__(message)


class NotFound(DomainError):
    def __init__(self, what: str = "record"):
        super().__init__(f"The {what} was not found.")


class RuleViolation(DomainError):
    """A business rule said no; `field` names the input it is about, when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def field_errors(exc: ValidationError | RuleViolation) -> dict[str, str]:
    """Map an error to {field name: message} for showing beside each input."""
    if isinstance(exc, RuleViolation):
        return {exc.field or "": str(exc)}
    out: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else ""
        msg = err["msg"].removeprefix("Value error, ")
        out.setdefault(field, msg)
    return out
