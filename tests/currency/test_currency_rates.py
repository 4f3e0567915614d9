"""Carry from short-rate series: rates in force per row, accrued by hand; the overlay's
carry on a hand-worked month; stale or missing rates are one-line errors."""

from __future__ import annotations

import numpy as np
import pytest

from rebal.currency import HedgeSpec
from rebal.currency.overlay import hedge_overlay
from rebal.currency.rates import short_rate_returns
from rebal.errors import InputError

DAYS = np.array(["2020-01-30", "2020-01-31", "2020-02-03"], dtype="datetime64[D]")


def test_rates_in_force_accrue_act_365(tmp_path):
    f = tmp_path / "rates.csv"
    f.write_text("Date,USD,EUR\n2020-01-01,5.0,-0.5\n2020-02-01,4.0,-0.4\n")
    got = short_rate_returns(f, ("USD", "EUR", "JPY"), DAYS)
    assert set(got) == {"USD", "EUR"}  # JPY absent: left to the caller to say so
    # row 1 earns January's rate for 1 day, row 2 January's (in force on Jan 31) for 3
    np.testing.assert_allclose(got["USD"], [0, 0.05 / 365, 0.05 * 3 / 365], rtol=1e-15)
    np.testing.assert_allclose(got["EUR"], [0, -0.005 / 365, -0.005 * 3 / 365], rtol=1e-15)
    with pytest.raises(InputError, match=r"rates.csv, field 'USD': no rate on or before "
                                         r"2019-12-31"):
        short_rate_returns(f, ("USD",), np.array(["2019-12-31"], dtype="datetime64[D]"))
    with pytest.raises(InputError, match=r"field 'USD': no rate within 40 days before "
                                         r"2020-04-01 \(the last is 2020-02-01\)"):
        short_rate_returns(f, ("USD",), np.array(["2020-04-01"], dtype="datetime64[D]"))


def test_carry_on_a_hand_worked_month():
    dates = np.array(["2024-01-30", "2024-01-31", "2024-02-01"], dtype="datetime64[D]")
    spec = HedgeSpec(exposures={"DAX": {"EUR": 1.0}}, ratio=1.0, band=1.0)
    rates = {"USD": np.array([0, 0.001, 0.001]), "EUR": np.array([0, 0.0004, 0.0004])}
    out = hedge_overlay(dates, ("DAX",), np.array([[1000.0], [1100.0], [900.0]]),
                        np.array([[1.10], [1.21], [1.00]]), spec, short_rates=rates)
    # day 1: carry on 1000 $ of notional at 0.06 % = 0.60; settled −100 + 0.60
    # day 2: the new forward (1100 $ at 1.21) accrues 0.66; unrealized 190.909 + 0.66
    np.testing.assert_allclose(out.settled, [0, -99.4, 0], atol=1e-10)
    np.testing.assert_allclose(out.unrealized, [0, 0, 1000 / 1.1 * 0.21 + 0.66], atol=1e-10)
    assert out.carry_modelled and "USD, EUR" in out.notes[0]
    partial = hedge_overlay(dates, ("DAX",), np.array([[1000.0], [1100.0], [900.0]]),
                            np.array([[1.10], [1.21], [1.00]]), spec,
                            short_rates={"USD": rates["USD"]})
    assert partial.notes == ("hedge carry: not modelled (no rate series for EUR)",)
