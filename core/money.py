"""Money in words, the one formatter for pages, reasons and timelines."""

from decimal import Decimal

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
