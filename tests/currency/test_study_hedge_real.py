"""The currency-hedge study (scripts/study_currency_hedge.py) on the shared real data:
its inputs pass a published spot check, the unhedged variant is the plain backtest, and
a fully hedged international holding earns exactly the local-currency return backed out
of its USD return and the basket, up to the cross term (an identity, checked monthly)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from realdata import SHARED_DATA
from rebal.backtest import CostModel, run_backtest
from rebal.currency import HedgeSpec, run_overlay
from rebal.datasets import load_fx
from rebal.policy import parse_policy

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "study_currency_hedge.py"
NEEDED = ("ff3_factors_monthly_pct_1926_2024.csv",
          "ff_developed_ex_us_5_factors_daily_pct_1990_2026.csv",
          "us10y_yield_monthly_1953_2026.csv")


@pytest.fixture(scope="module")
def study():
    if not all((SHARED_DATA / f).exists() for f in NEEDED):
        pytest.skip(f"real data not available in {SHARED_DATA}")
    spec = importlib.util.spec_from_file_location("study_currency_hedge", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_inputs_and_unhedged(study):
    market = study.load(SHARED_DATA)
    d = market.dates
    i0, i1 = np.searchsorted(d, np.datetime64("2007-12-31")), np.searchsorted(
        d, np.datetime64("2008-12-31"))
    # README spot check: French US market 2008 −36.75 %
    assert market.prices[i1, 0] / market.prices[i0, 0] - 1 == pytest.approx(-0.3675, abs=1e-4)
    assert str(d[0]) == "1999-01-31" and str(d[-1]) == "2024-08-31"
    figures = study.run(SHARED_DATA)
    plain = run_backtest(market, study.TARGET, parse_policy("quarterly"),
                         costs=CostModel(cost_bps=study.COST_BPS))
    assert figures["unhedged"]["final_value"] == pytest.approx(plain.final_value, rel=1e-12)
    assert figures["unhedged"]["hedge_costs"] == 0
    full = figures["fully hedged"]["mean_hedge_ratio"]
    assert all(abs(x - 1) <= study.BAND for x in full)
    assert figures["_check"]["max_gap_hedged_vs_local"] == pytest.approx(
        figures["_check"]["max_cross_term"], rel=1e-9)


def test_fully_hedged_is_local_return_plus_cross_term(study):
    alone = study.load(SHARED_DATA).select(("INTL",))
    fx = load_fx()
    res = run_backtest(alone, {"INTL": 1.0}, parse_policy("buy-and-hold"))
    spec = HedgeSpec(exposures={"INTL": study.BASKET}, ratio=1.0, band=0.0, roll="monthly",
                     check="monthly")
    hedged = run_overlay(res, spec, fx)
    spot = np.column_stack([fx.rate(c, "USD", alone.dates) for c in spec.currencies])
    f = (spot[1:] / spot[:-1] - 1) @ np.array([study.BASKET[c] for c in spec.currencies])
    r_usd = alone.prices[1:, 0] / alone.prices[:-1, 0] - 1
    local = (1 + r_usd) / (1 + f) - 1
    r_hedged = r_usd + (hedged.settled[1:] + np.diff(hedged.unrealized)) / hedged.portfolio[:-1]
    # r_USD − f − (1 + r_USD)/(1 + f) + 1 = local × f, month by month
    np.testing.assert_allclose(r_hedged - local, local * f, rtol=0, atol=1e-12)


def test_example_study_with_a_hedge_runs():
    from realdata import ETF_FILE
    from rebal.currency.overlay import NO_CARRY
    from rebal.studies import load_study, run_study

    if not ETF_FILE.exists():
        pytest.skip(f"real data not available at {ETF_FILE}")
    path = SCRIPT.parents[1] / "examples" / "studies" / "currency_hedge_2007_2025.yaml"
    res = run_study(load_study(path))
    assert res.hedge_notes == (NO_CARRY,)
    for o in res.outcomes:
        assert o.hedge is not None and o.hedge.currencies == ("EUR", "GBP", "JPY")
        # hedge ratio held within its band after every decision
        assert np.all(np.abs(o.hedge.actual[1:] - 1.0) <= 0.05 + 1e-12)
