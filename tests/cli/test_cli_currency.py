"""`rebal backtest` with columns in other currencies and the hedge overlay, through the
real entry point: the figures equal the conversion and overlay done by hand/API; bad
currencies, FX gaps and hedge ratios are one line, exit 2."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pytest

from rebal.backtest import CostModel, run_backtest
from rebal.currency import HedgeSpec
from rebal.currency.overlay import NO_CARRY, hedge_overlay
from rebal.data import MarketData
from rebal.policy import parse_policy

Runner = Callable[..., tuple[int, str, str]]


@pytest.fixture
def files(tmp_path):
    days = np.arange(np.datetime64("2020-01-01"), np.datetime64("2021-07-01"))
    days = days[np.is_busday(days)]
    rng = np.random.default_rng(5)
    prices = 100 * np.cumprod(1 + rng.normal(0.0002, 0.01, (days.size, 2)), axis=0)
    usd_per_eur = 1.1 * np.cumprod(1 + rng.normal(0, 0.005, days.size))
    p = tmp_path / "prices.csv"
    p.write_text("Date,SPY,DAX\n" + "".join(f"{d},{float(a)!r},{float(b)!r}\n" for d, (a, b)
                                           in zip(days, prices, strict=True)))
    fx = tmp_path / "fx.csv"
    fx.write_text("Date,USD\n" + "".join(f"{d},{float(r)!r}\n"
                                         for d, r in zip(days, usd_per_eur, strict=True)))
    return p, fx, days, prices, usd_per_eur


def test_converted_and_hedged_figures_equal_the_hand_computation(cli: Runner, files) -> None:
    p, fx, days, prices, usd = files
    code, out, err = cli("backtest", "--prices", str(p), "--target", "SPY=0.6,DAX=0.4",
                         "--currency", "DAX=EUR", "--fx", str(fx), "--fx-cost-bps", "4",
                         "--cost-bps", "1", "--hedge", "0.8", "--hedge-band", "0.03", "--json")
    assert code == 0, err
    got = json.loads(out)
    # by hand: DAX in dollars = euro price × dollars per euro; its trades pay 1 + 4 bps
    market = MarketData(dates=days, assets=("SPY", "DAX"),
                        prices=np.column_stack([prices[:, 0], prices[:, 1] * usd]))
    result = run_backtest(market, {"SPY": 0.6, "DAX": 0.4}, parse_policy("monthly"),
                          costs=CostModel(cost_bps={"SPY": 1.0, "DAX": 5.0}))
    assert got["final_value"] == pytest.approx(result.final_value, rel=1e-12)
    spec = HedgeSpec(exposures={"DAX": {"EUR": 1.0}}, ratio=0.8, band=0.03, cost_bps=4)
    hedged = hedge_overlay(days, result.assets, result.holdings_usd, usd[:, None], spec)
    assert got["hedge"]["final_value"] == pytest.approx(hedged.total[-1], rel=1e-12)
    assert got["hedge"]["hedge_costs"] == pytest.approx(hedged.total_costs, rel=1e-12)
    assert got["hedge"]["notes"] == [NO_CARRY]
    assert any("converted to USD" in n and "DAX (EUR)" in n for n in got["data"]["notes"])
    # the table says the same, and that carry is not modelled
    code, out, _ = cli("backtest", "--prices", str(p), "--target", "SPY=0.6,DAX=0.4",
                       "--currency", "DAX=EUR", "--fx", str(fx), "--hedge", "0.8")
    assert code == 0
    assert "hedged (EUR, target 0.8 ±0.05)" in out and NO_CARRY in out
    # the line's figures are the hedge's (the --json run has the same hedge, no costs aside)
    code, js, _ = cli("backtest", "--prices", str(p), "--target", "SPY=0.6,DAX=0.4",
                      "--currency", "DAX=EUR", "--fx", str(fx), "--hedge", "0.8", "--json")
    h = json.loads(js)["hedge"]
    line = next(x for x in out.splitlines() if x.startswith("hedged ("))
    assert f"final value ${h['final_value']:,.2f}" in line
    assert f"annual return {100 * h['cagr']:.2f}%" in line
    assert f"volatility {100 * h['annual_volatility']:.2f}%" in line
    assert f"max drawdown {100 * h['max_drawdown']:.2f}%" in line
    assert f"{h['n_resizes']} resizes" in line


@pytest.mark.parametrize(("extra", "message"), [
    (["--currency", "DAX=CHF"], r"^error: --currency DAX=CHF: no FX rates for 'CHF' in .*fx.csv"),
    (["--currency", "FTSE=GBP"], r"^error: --currency: unknown column 'FTSE'"),
    (["--currency", "DAX=EUR", "--hedge", "1.5"],
     r"^error: --hedge must be in \[0, 1\] \(a hedge ratio\), got 1.5$"),
    (["--currency", "DAX=EUR", "--hedge-band", "-1", "--hedge", "1"],
     r"^error: --hedge-band must be >= 0"),
    (["--hedge", "1"], r"^error: --hedge: no holding is in a foreign currency"),
    (["--currency", "DAX=EUR", "--base", "dollars"], r"^error: --base: not a currency code"),
    (["--currency", "DAX"], r"^error: --currency: expected COLUMN=CURRENCY"),
])
def test_bad_currency_input_is_one_line(cli: Runner, files, extra, message) -> None:
    p, fx, *_ = files
    code, out, err = cli("backtest", "--prices", str(p), "--target", "SPY=0.6,DAX=0.4",
                         "--fx", str(fx), *extra)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    import re

    assert re.search(message, err.strip()), err


def test_fx_gap_and_missing_file_name_the_file(cli: Runner, files, tmp_path) -> None:
    p, _, days, _, _ = files
    gappy = tmp_path / "gappy.csv"
    gappy.write_text(f"Date,USD\n{days[0]},1.1\n{days[40]},1.2\n")
    code, _, err = cli("backtest", "--prices", str(p), "--target", "SPY=0.6,DAX=0.4",
                       "--currency", "DAX=EUR", "--fx", str(gappy))
    assert code == 2 and "gappy.csv, field 'EUR': no EUR/USD rate within 5 days" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = cli("backtest", "--prices", str(p), "--target", "SPY=0.6,DAX=0.4",
                       "--currency", "DAX=EUR", "--fx", str(tmp_path / "none.csv"))
    assert code == 2 and "none.csv, field '--fx': no such file" in err


def test_rates_give_carry(cli: Runner, files, tmp_path) -> None:
    p, fx, days, prices, usd = files
    rates = tmp_path / "rates.csv"
    rates.write_text("Date,USD,EUR\n2019-12-01,1.5,-0.5\n" + "".join(
        f"{d},1.5,-0.5\n" for d in days[::15]))
    code, out, err = cli("backtest", "--prices", str(p), "--target", "SPY=0.6,DAX=0.4",
                         "--currency", "DAX=EUR", "--fx", str(fx), "--hedge", "1",
                         "--rates", str(rates), "--json")
    assert code == 0, err
    got = json.loads(out)["hedge"]
    assert got["notes"] == ["hedge carry: modelled from the short-rate series USD, EUR"]
    market = MarketData(dates=days, assets=("SPY", "DAX"),
                        prices=np.column_stack([prices[:, 0], prices[:, 1] * usd]))
    result = run_backtest(market, {"SPY": 0.6, "DAX": 0.4}, parse_policy("monthly"))
    dt = np.zeros(days.size)
    dt[1:] = np.diff(days).astype(np.int64) / 365
    spec = HedgeSpec(exposures={"DAX": {"EUR": 1.0}}, ratio=1.0, band=0.05)
    hedged = hedge_overlay(days, result.assets, result.holdings_usd, usd[:, None], spec,
                           short_rates={"USD": 0.015 * dt, "EUR": -0.005 * dt})
    assert got["final_value"] == pytest.approx(hedged.total[-1], rel=1e-12)
    code, _, err = cli("backtest", "--prices", str(p), "--target", "SPY=0.6,DAX=0.4",
                       "--currency", "DAX=EUR", "--fx", str(fx), "--rates", str(rates))
    assert code == 2 and "--rates: only used by the hedge" in err


def test_hedge_ratio_per_currency(cli: Runner, files) -> None:
    p, fx, days, prices, usd = files
    code, out, err = cli("backtest", "--prices", str(p), "--target", "SPY=0.6,DAX=0.4",
                         "--currency", "DAX=EUR", "--fx", str(fx), "--hedge", "eur=0.3",
                         "--json")
    assert code == 0, err
    assert json.loads(out)["hedge"]["mean_hedge_ratio"][0] == pytest.approx(0.3, abs=0.05)
    code, _, err = cli("backtest", "--prices", str(p), "--target", "SPY=0.6,DAX=0.4",
                       "--currency", "DAX=EUR", "--fx", str(fx), "--hedge", "JPY=0.3")
    assert code == 2 and err.startswith("error: --hedge: no ratio for EUR")
    code, _, err = cli("backtest", "--prices", str(p), "--target", "SPY=0.6,DAX=0.4",
                       "--currency", "DAX=EUR", "--fx", str(fx), "--hedge", "full")
    assert code == 2 and "--hedge: expected a hedge ratio" in err


def test_fx_cost_with_a_column_the_portfolio_does_not_hold(cli: Runner, files, tmp_path) -> None:
    """A data column outside the target must not break the FX cost map (it once raised
    '--cost-bps: unknown asset(s)', a flag the user had not given)."""
    p, fx, days, prices, usd = files
    wide = tmp_path / "wide.csv"
    wide.write_text("Date,SPY,DAX,IDLE\n" + "".join(
        f"{d},{float(a)!r},{float(b)!r},100.0\n" for d, (a, b) in zip(days, prices, strict=True)))
    code, out, err = cli("backtest", "--prices", str(wide), "--target", "SPY=0.6,DAX=0.4",
                         "--currency", "DAX=EUR", "--fx", str(fx), "--fx-cost-bps", "4",
                         "--json")
    assert code == 0, err
    market = MarketData(dates=days, assets=("SPY", "DAX"),
                        prices=np.column_stack([prices[:, 0], prices[:, 1] * usd]))
    result = run_backtest(market, {"SPY": 0.6, "DAX": 0.4}, parse_policy("monthly"),
                          costs=CostModel(cost_bps={"SPY": 0.0, "DAX": 4.0}))
    assert json.loads(out)["final_value"] == pytest.approx(result.final_value, rel=1e-12)
