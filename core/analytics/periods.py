"""Periods of whole calendar months: what the pages offer, and the month arithmetic."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Period:
    """Whole calendar months, `first` to `last` included (each the first day of its month)."""

    first: date
    last: date

    @classmethod
    def months_to(cls, last: date, months: int) -> "Period":
        return cls(add_months(month_start(last), 1 - months), month_start(last))

    @property
    def months(self) -> int:
        return (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1

    def previous(self) -> "Period":
        """The same number of months just before."""
        return Period(add_months(self.first, -self.months), add_months(self.first, -1))

    @property
    def label(self) -> str:
        return f"{self.first:%b %Y} to {self.last:%b %Y}"


def period_choices(today: date) -> dict[str, Period]:
    """The periods the pages offer, by label, the first the default."""
    this = month_start(today)
    return {
        "Last 12 months": Period.months_to(this, 12),
        "Last 3 months": Period.months_to(this, 3),
        "Last 6 months": Period.months_to(this, 6),
        "This year": Period(date(today.year, 1, 1), this),
        "Last year": Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 1)),
    }


def month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
