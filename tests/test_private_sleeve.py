"""The private-sleeve study (rebal.studies.private_sleeve) on a short synthetic case:
calls paid = cash out of the liquid part, distributions = cash in, month by month, and
the flows equal a plain hand loop of the Takahashi–Alexander equations."""

from __future__ import annotations

import numpy as np
import pytest

from realdata import SHARED_DATA
from rebal.alternatives import TAParams
from rebal.studies.private_sleeve import (
    SleeveMarket,
    SleeveSpec,
    appraisal_smooth,
    load_sleeve_market,
    run_private_sleeve,
)

PARAMS = TAParams((0.3, 0.4), bow=2.0, growth=0.08, yield_rate=0.02, life_years=10.0)


def _market(n: int = 30) -> SleeveMarket:
    rng = np.random.default_rng(7)
    months = np.arange(np.datetime64("2010-01"), np.datetime64("2010-01") + n)
    returns = np.column_stack([rng.normal(0.006, 0.05, n), rng.normal(0.003, 0.01, n),
                               np.full(n, 0.001)])
    returns[14, 0] = -0.30  # a crash in month 15
    return SleeveMarket(months=months, assets=("STK", "BND", "CASH"), returns=returns,
                        nav_returns=rng.normal(0.008, 0.02, n), source="synthetic")


def _hand_flows(market: SleeveMarket, commitments: dict[int, float]) -> tuple[np.ndarray, ...]:
    """Calls and distributions of funds started each January, by the published equations
    converted to months: rc = 1-(1-RC_t)^(1/12), rd = 1-(1-max(Y,(t/L)^B))^(1/12)."""
    n = len(market.months)
    calls, dists = np.zeros(n), np.zeros(n)
    for vintage, k in commitments.items():
        nav = paid = 0.0
        for i in range(n):
            year = 2010 + i // 12
            if year < vintage:
                continue
            t = year - vintage + 1  # fund year
            rc = 1 - (1 - PARAMS.contribution_rates[min(t, 2) - 1]) ** (1 / 12)
            rd = 1 - (1 - max(0.02, (t / 10) ** 2)) ** (1 / 12)
            grown = nav * (1 + market.nav_returns[i])
            c, d = rc * (k - paid), rd * grown
            paid += c
            nav = grown + c - d
            calls[i] += c
            dists[i] += d
    return calls, dists


@pytest.mark.parametrize("reserve_months", [0, 6])
@pytest.mark.parametrize("band", [None, 0.05])
def test_cash_conservation_and_flows_by_hand(reserve_months, band):
    market = _market()
    spec = SleeveSpec("t", target_private=0.15, liquid_targets={"STK": 0.7, "BND": 0.3},
                      liquid_band_abs=band, reserve_months=reserve_months, params=PARAMS,
                      seed_vintages=0, initial_usd=1000.0)
    res = run_private_sleeve(market, spec)
    assert set(res.commitments) == {2010, 2011, 2012} and res.commitments[2010] > 0
    calls, dists = _hand_flows(market, res.commitments)
    np.testing.assert_allclose(res.calls_usd, calls, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res.distributions_usd, dists, rtol=1e-10, atol=1e-12)
    # the liquid part changes by its returns, minus calls, plus distributions; trades net 0.
    # It opens (no seed funds, no calls to reserve for yet) as 1000 split 70/30.
    before = np.vstack([[700.0, 300.0, 0.0], res.holdings_usd[:-1]])
    grown = (before * (1 + market.returns)).sum(axis=1)
    np.testing.assert_allclose(res.liquid_usd - grown, dists - calls, atol=1e-9)
    assert res.shortfall_usd.sum() == 0
    np.testing.assert_allclose(res.sold_for_calls_usd.sum(axis=1), calls, atol=1e-9)
    if reserve_months:  # the reserve pays first: stock is sold for a call only past it
        cash_before = before[:, 2] * (1 + market.returns[:, 2])
        covered = calls <= cash_before
        assert covered[1:].any() and not covered[0]  # month 1: no reserve yet
        assert (res.sold_for_calls_usd[covered, 0] == 0).all()
    else:
        assert res.sold_for_calls_usd[:, 2].sum() == 0  # no cash is held
    total = res.total_usd
    assert total[-1] == pytest.approx(res.liquid_usd[-1] + res.private_nav_usd[-1])


def test_appraisal_smoothing_by_hand():
    # s0 = 0.1; s1 = 0.5*0 + 0.5*0.1 = 0.05; s2 = 0.5*(-0.1) + 0.5*0.05 = -0.025
    np.testing.assert_allclose(appraisal_smooth(np.array([0.1, 0.0, -0.1]), 0.5),
                               [0.1, 0.05, -0.025])
    np.testing.assert_allclose(appraisal_smooth(np.array([0.1, 0.2]), 0.0), [0.1, 0.2])


def test_real_data_lag_and_cash():
    if not (SHARED_DATA / "derived_etf_monthly_total_returns_1993_2025.csv").exists():
        pytest.skip("shared data not available")
    m = load_sleeve_market(SHARED_DATA, start="2008-01", end="2009-12", lag_months=3,
                           smoothing=0.0)
    import pandas as pd

    etf = pd.read_csv(SHARED_DATA / "derived_etf_monthly_total_returns_1993_2025.csv",
                      index_col="Month")
    # no smoothing: the reported NAV return of 2009-01 is IWM's of 2008-10
    k = list(m.months.astype(str)).index("2009-01")
    assert m.nav_returns[k] == pytest.approx(etf.loc["2008-10", "IWM"])
    assert m.returns[k, m.assets.index("SPY")] == pytest.approx(etf.loc["2009-01", "SPY"])
    fred = pd.read_csv(SHARED_DATA / "fred_rates_monthly_pct_1919_2023.csv", index_col="Month")
    assert m.returns[k, m.assets.index("CASH")] == pytest.approx(
        fred.loc["2008-12", "TB3MS"] / 1200)


def test_summary_counts_what_it_says():
    market = _market(36)
    spec = SleeveSpec("t", target_private=0.15, private_band_abs=0.01,
                      liquid_targets={"STK": 0.7, "BND": 0.3}, params=PARAMS, seed_vintages=0,
                      initial_usd=1000.0)
    res = run_private_sleeve(market, spec)
    s = res.summary(window=("2011-01", "2011-06"), stock="STK")
    w = res.private_nav_usd / (res.holdings_usd.sum(axis=1) + res.private_nav_usd)
    above = [x > 0.16 for x in w]
    assert s["months_above_band"] == sum(above)
    assert s["months_outside_band"] == sum(x > 0.16 or x < 0.14 for x in w)
    assert s["max_private_weight"] == max(w)
    inside = slice(12, 18)  # 2011-01 … 2011-06
    assert s["stock_sold_for_calls_in_window_usd"] == pytest.approx(
        res.sold_for_calls_usd[inside, 0].sum())
    assert s["calls_in_window_usd"] == pytest.approx(res.calls_usd[inside].sum())


def test_fill_and_sell_by_hand():
    from rebal.studies.private_sleeve import fill_shortfalls, sell_pro_rata

    # shortfalls 50, 20, 0: 40 fills down to the level lam with (50-lam) + max(20-lam,0) = 40
    # -> lam = 15: +35 and +5
    hold = np.array([50.0, 80.0, 100.0])
    fill_shortfalls(hold, 40.0, np.array([100.0, 100.0, 100.0]), np.array([0.5, 0.5, 0.0]))
    np.testing.assert_allclose(hold, [85.0, 85.0, 100.0])
    # 100 more: the shortfalls 15 + 15 are filled, the other 70 goes 50/50
    fill_shortfalls(hold, 100.0, np.array([100.0, 100.0, 100.0]), np.array([0.5, 0.5, 0.0]))
    np.testing.assert_allclose(hold, [135.0, 135.0, 100.0])
    # sell 60 pro rata to 10 and 90 would take 6 and 54; asset 0 holds only 5 -> 5 and 55
    sold = sell_pro_rata(np.array([5.0, 100.0]), 60.0, np.array([10.0, 90.0]))
    np.testing.assert_allclose(sold, [5.0, 55.0])
