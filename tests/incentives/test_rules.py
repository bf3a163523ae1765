"""Each rule's arithmetic against figures worked out by hand."""

from decimal import Decimal

import pytest

from core.incentives import rules

D = Decimal
BANDS = [(100_000_00, 200), (250_000_00, 300)]  # 2% from 100,000; 3% from 250,000


@pytest.mark.parametrize("sales, above, all_", [
    (99_999_99, "0.00", "0.00"),          # below the first threshold: nothing either way
    (100_000_00, "0.00", "2000.00"),      # at it: "above" has nothing above; "all" reached it
    (100_050_00, "1.00", "2001.00"),      # 50.00 above at 2%; all 100,050 at 2%
    (250_000_00, "3000.00", "7500.00"),   # 150,000 at 2%; all at 3%
    (250_000_01, "3000.00", "7500.00"),   # one cent at 3% is 0.0003: rounds to nothing
    (300_000_00, "4500.00", "9000.00"),   # 3,000 + 50,000 at 3%
    (0, "0.00", "0.00"),
    (-5_000_00, "0.00", "0.00"),          # a quarter of returns earns nothing, owes nothing
])
def test_volume_rebate_at_and_around_the_thresholds(sales, above, all_):
    assert rules.volume_rebate(sales, BANDS, "above") == D(above)
    assert rules.volume_rebate(sales, BANDS, "all") == D(all_)


def test_volume_rebate_rounds_once_half_up():
    # 100,012.50 above 100,000 at 2% is 0.25; at 2.5%: 12.50 x 0.025 = 0.3125 -> 0.31
    assert rules.volume_rebate(100_012_50, [(100_000_00, 250)], "above") == D("0.31")
    # 20.50 x 2.5% = 0.5125 -> 0.51; 21.00 x 2.5% = 0.525 -> 0.53 (half up, not to even)
    assert rules.volume_rebate(21_00, [(0, 250)], "all") == D("0.53")


@pytest.mark.parametrize("current, prior, rebate, percent", [
    (120_000_00, 100_000_00, "1000.00", "20.00"),  # growth 20,000 at 5%
    (110_000_00, 100_000_00, "500.00", "10.00"),   # exactly the 10% minimum: it counts
    (109_999_99, 100_000_00, "0.00", "10.00"),     # a cent short of it (shown rounded)
    (90_000_00, 100_000_00, "0.00", "-10.00"),     # shrinking
    (50_00, 0, "2.50", None),                      # from a zero base: all of it is growth
    (50_00, -10_00, "2.50", None),                 # a year of returns is no base either
    (0, 0, "0.00", None),
])
def test_growth_rebate(current, prior, rebate, percent):
    amount, growth = rules.growth_rebate(current, prior, 500, 1000)
    assert amount == D(rebate)
    assert growth == (None if percent is None else D(percent))


def test_spiff_is_per_unit_and_never_negative():
    assert rules.spiff(4, 25_00) == D("100.00")
    assert rules.spiff(-3, 25_00) == D("0.00")
