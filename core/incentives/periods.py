"""Incentive periods are calendar quarters: a statement is one partner's quarter."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta


@dataclass(frozen=True, order=True)
class Quarter:
    starts_on: date
    ends_on: date

    @property
    def label(self) -> str:
        return f"{self.starts_on.year}-Q{(self.starts_on.month - 1) // 3 + 1}"

    @property
    def end_moment(self) -> datetime:
        """The quarter's last instant (UTC): standing (tier, certifications) is read there."""
        return datetime.combine(self.ends_on + timedelta(days=1), time(), UTC) - timedelta(
            microseconds=1)

    def year_earlier(self) -> "Quarter":
        return quarter_of(self.starts_on.replace(year=self.starts_on.year - 1))

    def previous(self) -> "Quarter":
        return quarter_of(self.starts_on - timedelta(days=1))

    def next(self) -> "Quarter":
        return quarter_of(self.ends_on + timedelta(days=1))


def quarter_of(day: date) -> Quarter:
    first_month = (day.month - 1) // 3 * 3 + 1
    start = date(day.year, first_month, 1)
    following = date(day.year + (first_month == 10), first_month % 12 + 3 if first_month < 10
                     else 1, 1)
    return Quarter(start, following - timedelta(days=1))


def parse_label(label: str) -> Quarter:
    """"2026-Q3" -> that quarter; ValueError otherwise."""
    year, _, q = label.strip().upper().partition("-Q")
    if not (year.isdigit() and q in {"1", "2", "3", "4"}):
        raise ValueError(f"{label!r} is not a quarter such as 2026-Q3.")
    return quarter_of(date(int(year), (int(q) - 1) * 3 + 1, 1))


def last_complete(today: date, count: int) -> list[Quarter]:
    """The `count` quarters ended before today's, oldest first."""
    out, q = [], quarter_of(today).previous()
    for _ in range(count):
        out.append(q)
        q = q.previous()
    return out[::-1]


def year_before(day: date) -> date:
    """The same day a year earlier (February 29th: the 28th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)
