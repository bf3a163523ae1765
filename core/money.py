"""Money in words, the one formatter for pages, reasons and timelines."""

from decimal import ROUND_HALF_UP, Decimal

from core.settings import get_settings


def format_money(amount: Decimal | None, currency: str | None = "USD", *,
                 symbol: bool = True) -> str:
    """ "$1,234.50" for dollars, "1,234.50 EUR" for any other currency (and for dollars with
    symbol=False, where a "$" would start Markdown maths); with currency None the figure
    alone, "1,234.50", where the currency is said elsewhere. None gives ""."""
    if amount is None:
        return ""
    figure = f"{amount:,.2f}"
    if currency is None:
        return figure
    return f"${figure}" if symbol and currency == "USD" else f"{figure} {currency}"


def base_money(amount: Decimal | None, *, symbol: bool = True) -> str:
    """format_money in the program's base currency (settings)."""
    return format_money(amount, get_settings().base_currency, symbol=symbol)


_COMPACT = ((Decimal(10) ** 3, "K"), (Decimal(10) ** 6, "M"), (Decimal(10) ** 9, "B"),
            (Decimal(10) ** 12, "T"))
_TENTH = Decimal("0.1")


def compact_money(amount: Decimal | None, currency: str | None = None) -> str:
    """A headline figure short enough to read whole in a narrow column: "398.5K USD",
    "1.2M USD", "12K USD" (thousands and up, to one decimal, rounded half up); below a
    thousand the exact "950.00 USD". Currency: the base currency unless given. None gives
    ""; show the exact `base_money` beside it (a metric's help)."""
    if amount is None:
        return ""
    currency = currency or get_settings().base_currency
    size = abs(amount)
    if size < _COMPACT[0][0]:
        return format_money(amount, currency, symbol=False)
    unit, suffix = next(c for c in reversed(_COMPACT) if size >= c[0])
    shown = (size / unit).quantize(_TENTH, ROUND_HALF_UP)
    bigger = [c for c in _COMPACT if c[0] > unit]
    if shown >= 1000 and bigger:  # 999,960 is 1M, not 1,000K
        unit, suffix = bigger[0]
        shown = (size / unit).quantize(_TENTH, ROUND_HALF_UP)
    figure = f"{shown:,.1f}".removesuffix(".0")
    return f"{'-' if amount < 0 else ''}{figure}{suffix} {currency}"
