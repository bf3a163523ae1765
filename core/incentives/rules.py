"""The arithmetic of each incentive rule, on whole cents and basis points, exact until one
final rounding half up to the cent: what the hand-computed tests check."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
BP = Decimal(10_000)


def to_money(cents_times_bp: Decimal | int) -> Decimal:
    """cents x basis points -> money rounded half up to the cent."""
    return (Decimal(cents_times_bp) / BP / 100).quantize(CENT, ROUND_HALF_UP)


def volume_rebate(volume_cents: int, brackets: list[tuple[int, int]], basis: str) -> Decimal:
    """Brackets: (threshold in cents, rate in basis points), thresholds rising.
    basis "above": each band's rate on the sales between its threshold and the next (sales
    exactly at a threshold earn nothing from that band); "all": every cent of the sales at the
    rate of the highest threshold reached (reached means sales at or above it)."""
    if volume_cents <= 0 or not brackets:
        return Decimal("0.00")
    if basis == "all":
        reached = [bp for threshold, bp in brackets if volume_cents >= threshold]
        return to_money(volume_cents * reached[-1]) if reached else Decimal("0.00")
    total = 0
    for i, (threshold, bp) in enumerate(brackets):
        upper = brackets[i + 1][0] if i + 1 < len(brackets) else None
        top = volume_cents if upper is None else min(volume_cents, upper)
        if top > threshold:
            total += (top - threshold) * bp
    return to_money(total)


def growth_rebate(current_cents: int, prior_cents: int, rate_bp: int,
                  min_growth_bp: int) -> tuple[Decimal, Decimal | None]:
    """(rebate, growth %) on the growth over the same quarter a year earlier. Growth under the
    minimum earns nothing. From a zero (or negative) base the whole quarter is growth and the
    minimum counts as met: the percentage is then None (not a number)."""
    if current_cents <= 0:
        return Decimal("0.00"), None
    if prior_cents <= 0:
        return to_money(current_cents * rate_bp), None
    growth = current_cents - prior_cents
    percent = (Decimal(growth) * 100 / prior_cents).quantize(CENT, ROUND_HALF_UP)
    if growth <= 0 or growth * BP < Decimal(min_growth_bp) * prior_cents:
        return Decimal("0.00"), percent
    return to_money(growth * rate_bp), percent


def spiff(units: int, amount_cents: int) -> Decimal:
    """A fixed amount per unit sold (net of returns); never below zero in a quarter."""
    return (Decimal(max(units, 0) * amount_cents) / 100).quantize(CENT)
