"""Reading one cell's text as a date, an amount in cents or a whole quantity. Each runs once
per distinct text of a column (a file of 2,000,000 lines holds a few thousand distinct dates
and prices), so a column is parsed by a dict look-up per line."""

import re
from datetime import date, datetime, timedelta
from fractions import Fraction

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y",
                "%m-%d-%Y", "%Y%m%d", "%d %b %Y", "%b %d, %Y", "%d-%b-%Y", "%d/%m/%y",
                "%m/%d/%y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
EXCEL_EPOCH = date(1899, 12, 30)
_SYMBOLS = re.compile(r"[$€£¥₹\s]|[A-Z]{3}$|^[A-Z]{3}", re.IGNORECASE)
_COMMA_DECIMAL = re.compile(r"^-?\d{1,3}(\.\d{3})*,\d+$|^-?\d+,\d{1,2}$")


def detect_date_format(samples: list[str]) -> str | None:
    """The format that reads the most of these texts (day first wins a tie only when a
    value's first number is over 12), or None when none reads any."""
    best, best_count = None, 0
    for fmt in DATE_FORMATS:
        count = sum(1 for s in samples if _strptime(s, fmt) is not None)
        if count > best_count:
            best, best_count = fmt, count
    return best


def _strptime(text: str, fmt: str) -> date | None:
    try:
        return datetime.strptime(text, fmt).date()
    except ValueError:
        return None


def parse_date(text: str, fmt: str | None) -> date | None:
    """A date in `fmt` (or ISO), or an Excel serial day number (1955 to 2118)."""
    if not text:
        return None
    if text.replace(".", "", 1).isdigit() and 20_000 <= float(text) <= 80_000:
        return EXCEL_EPOCH + timedelta(days=int(float(text)))
    for f in (fmt, "%Y-%m-%d", "%Y-%m-%d %H:%M:%S") if fmt else DATE_FORMATS:
        if f and (found := _strptime(text, f)) is not None:
            return found
    return None


def comma_decimal(samples: list[str]) -> bool:
    """Whether the file writes amounts as 1.234,56 (more values read that way than not)."""
    comma = sum(1 for s in samples if _COMMA_DECIMAL.match(_SYMBOLS.sub("", s)))
    point = sum(1 for s in samples if re.search(r"\.\d{1,2}$", _SYMBOLS.sub("", s)))
    return comma > point


def parse_cents(text: str, decimal_comma: bool) -> int | None:
    """Cents of "1,234.50", "$1 234,50" (with decimal_comma), "(12.50)" or "12.50-"; None
    when it is not an amount (more than two decimals included)."""
    s = _SYMBOLS.sub("", text or "")
    if not s:
        return None
    negative = False
    if s.startswith("(") and s.endswith(")"):
        s, negative = s[1:-1], True
    if s.endswith("-"):
        s, negative = s[:-1], True
    if s.startswith("-"):
        s, negative = s[1:], not negative
    s = s.replace("'", "")
    group, point = (".", ",") if decimal_comma else (",", ".")
    whole = s.split(point, 1)[0]
    if group in whole and not re.fullmatch(rf"\d{{1,3}}(\{group}\d{{3}})+", whole):
        return None  # "12.34.56" is no grouping of thousands
    s = s.replace(group, "").replace(point, ".")
    if not re.fullmatch(r"\d+(\.\d{1,2})?|\.\d{1,2}", s):
        return None
    whole, _, part = s.partition(".")
    cents = int(whole or "0") * 100 + int((part + "00")[:2])
    return -cents if negative else cents


def parse_quantity(text: str) -> int | None:
    s = (text or "").replace(",", "").strip()
    if s.endswith("-"):
        s = "-" + s[:-1]
    if re.fullmatch(r"-?\d+(\.0+)?", s):
        return int(float(s)) if "." in s else int(s)
    return None


def convert(cents: int, rate: Fraction) -> int:
    """cents x rate, rounded half up (away from zero) to the cent, exactly."""
    q, r = divmod(abs(cents) * rate.numerator, rate.denominator)
    if 2 * r >= rate.denominator:
        q += 1
    return -q if cents < 0 else q
