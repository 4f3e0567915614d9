"""Schedule D netting and the Capital Loss Carryover Worksheet, worked by hand."""

from __future__ import annotations

import pytest

from rebal.errors import ConfigError
from rebal.tax.netting import net_capital_gains


def _net(st: float, lt: float, status: str = "single", **kw):
    return net_capital_gains(
        status,
        st_gains=max(st, 0.0), st_losses=max(-st, 0.0),
        lt_gains=max(lt, 0.0), lt_losses=max(-lt, 0.0), **kw,
    )


# (ST, LT) → (net capital gain, ordinary ST gain, gain in AGI, ST carry out, LT carry out)
CASES = [
    ((5_000, 3_000), (3_000, 5_000, 8_000, 0, 0)),  # both gains
    ((5_000, -2_000), (0, 3_000, 3_000, 0, 0)),  # LT loss eats ST gain
    ((-2_000, 5_000), (3_000, 0, 3_000, 0, 0)),  # ST loss eats LT gain
    ((-6_000, 5_000), (0, 0, -1_000, 0, 0)),  # net loss 1,000, all deductible
    ((-1_000, -1_000), (0, 0, -2_000, 0, 0)),  # both losses under the limit
    ((1_000, -8_000), (0, 0, -3_000, 0, 4_000)),  # 8,000 − (1,000 + 3,000)
    ((-8_000, 1_000), (0, 0, -3_000, 4_000, 0)),  # 8,000 − (3,000 + 1,000)
    ((-2_000, -4_000), (0, 0, -3_000, 0, 3_000)),  # deduction takes ST first
    ((-4_000, -2_000), (0, 0, -3_000, 1_000, 2_000)),
    ((0, -5_000), (0, 0, -3_000, 0, 2_000)),  # the −5,000 LT year
    ((0, 0), (0, 0, 0, 0, 0)),
]


@pytest.mark.parametrize(("given", "expected"), CASES)
def test_sign_combinations(given, expected) -> None:
    n = _net(*given)
    got = (n.net_capital_gain, n.ordinary_st_gain, n.gain_in_agi,
           n.st_carryforward_out, n.lt_carryforward_out)
    assert got == pytest.approx(expected)
    assert n.loss_deduction == pytest.approx(max(0.0, -expected[2]))
    # Every dollar of net loss is either deducted or carried (full deduction used).
    assert n.loss_deduction + n.st_carryforward_out + n.lt_carryforward_out == pytest.approx(
        max(0.0, -(given[0] + given[1]))
    )


def test_gross_gains_and_losses_net_within_term() -> None:
    n = net_capital_gains(
        "single", st_gains=7_000, st_losses=9_000, lt_gains=4_000, lt_losses=1_000
    )
    assert (n.net_st, n.net_lt, n.net_total) == (-2_000, 3_000, 1_000)
    assert n.net_capital_gain == 1_000 and n.ordinary_st_gain == 0


def test_mfs_limit_1500() -> None:
    n = _net(-5_000, 0, "mfs")
    assert n.loss_limit == 1_500 and n.gain_in_agi == -1_500
    assert n.st_carryforward_out == 3_500 and n.lt_carryforward_out == 0


def test_multi_year_carryforward() -> None:
    # Year 1: LT −20,000 → 3,000 deducted, 17,000 LT carried.
    y1 = _net(0, -20_000)
    assert y1.lt_carryforward_out == 17_000
    # Year 2: ST +2,000; LT carry 17,000 → net −15,000; 3,000 deducted;
    # LT carry = 17,000 − (2,000 + 3,000) = 12,000.
    y2 = _net(2_000, 0, lt_carryforward=y1.lt_carryforward_out)
    assert (y2.net_st, y2.net_lt, y2.gain_in_agi) == (2_000, -17_000, -3_000)
    assert y2.lt_carryforward_out == 12_000 and y2.ordinary_st_gain == 0
    # Year 3: LT +15,000 uses the 12,000; 3,000 LT gain remains at preferential rates.
    y3 = _net(0, 15_000, lt_carryforward=y2.lt_carryforward_out)
    assert y3.net_capital_gain == 3_000 and y3.lt_carryforward_out == 0


def test_st_carryforward_keeps_character() -> None:
    # ST carry 4,000 against ST gain 1,000 and LT gain 10,000: net ST −3,000 absorbs LT.
    n = _net(1_000, 10_000, st_carryforward=4_000)
    assert n.net_st == -3_000 and n.net_capital_gain == 7_000
    assert n.st_carryforward_out == 0


def test_low_income_keeps_unused_deduction() -> None:
    # Worksheet lines 1-4: taxable income before the deduction is 1,000, so only 1,000 of
    # the 3,000 deduction uses up carryover: LT carried = 5,000 − 1,000 = 4,000.
    n = _net(0, -5_000, adjusted_taxable_income=1_000)
    assert n.loss_deduction == 3_000 and n.loss_deduction_used == 1_000
    assert n.lt_carryforward_out == 4_000
    # Negative adjusted taxable income: nothing is used.
    assert _net(0, -5_000, adjusted_taxable_income=-2_000).lt_carryforward_out == 5_000


def test_rejects_negative_magnitudes() -> None:
    with pytest.raises(ConfigError, match="st_losses"):
        net_capital_gains("single", st_losses=-1)
    with pytest.raises(ConfigError, match="filing_status"):
        net_capital_gains("widow")
