"""Column types that behave the same on SQLite and PostgreSQL."""

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger, DateTime, Integer
from sqlalchemy.types import TypeDecorator

from db import clock

CENT = Decimal("0.01")

# The surrogate key of a table that will hold millions of rows: 64-bit on PostgreSQL
# (BIGSERIAL), and on SQLite the INTEGER PRIMARY KEY that aliases the rowid (already 64-bit
# there, and the only form that autoincrements; a BIGINT primary key would not).
BigIntKey = BigInteger().with_variant(Integer(), "sqlite")


class Money(TypeDecorator):
    """Decimal in Python, integer cents in the database, so SQL sums are exact everywhere."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("Money must be Decimal, not float")
        cents = (Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return int(cents)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return cents_to_decimal(value)


def cents_to_decimal(cents) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(CENT)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both databases (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """Now, in UTC (moved forward only by a test clock: db.clock)."""
    return datetime.now(UTC) + clock.offset()


def created_or_now(context) -> datetime:
    """Column default of an `updated_at`: the row's own `created_at` when the insert gives
    one (so a new row reads "created at T, updated at T" with the caller's clock), else now."""
    created = context.get_current_parameters().get("created_at") if context else None
    return created if isinstance(created, datetime) else utcnow()
