"""The simulation on the shared real ETF data (skipped when ../shared/data is absent): the
naive strategy against the plain reference over 2008-2013, and the article's client
2008-2023 (planner never washes; the naive strategy's washes are taxed; the tax alpha's
interval brackets it)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

import realdata
from rebal.simulation import (
    SimSettings,
    load_sim_prices,
    load_simulation,
    simulate,
    simulation_from_dict,
)
from rebal.simulation.market import sim_prices
from rebal.tax.ledger import audit
from reference_household_sim import reference_naive
from sim_households import reference_inputs, small_dict

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "households"
           / "article_client_sim.yaml")


def _etf_file() -> str:
    if not realdata.ETF_FILE.exists():
        pytest.skip(f"real data not available at {realdata.ETF_FILE}")
    return str(realdata.ETF_FILE)


def test_naive_matches_reference_on_real_data() -> None:
    from rebal.data.loaders import load_prices

    path = _etf_file()
    data = small_dict()
    cols = {"VTI": "VTI", "ITOT": "VTI", "BND": "AGG", "AGG": "AGG", "FXAIX": "SPY",
            "FXNAX": "IEF"}
    data["simulation"].update(prices=cols, start="2008-01-02", end="2013-12-31")
    spec = simulation_from_dict(data, source="small_sim.yaml")
    market = load_prices(path, assets=sorted(set(cols.values())))
    px = sim_prices(spec, market)
    res = simulate(spec, px, SimSettings(every="year"), ("naive",), n_bootstrap=0)
    run = res.runs[0]
    h, dates, prices = reference_inputs(data, market, spec.start, spec.end)
    ref = reference_naive(h, dates, prices, income=spec.ordinary_income, inflation=0.025,
                          state_rate=0.05)
    np.testing.assert_allclose(run.values, ref["values"], rtol=1e-9, atol=0)
    for y, tax in ref["taxes"].items():
        assert {r.year: r.tax_usd for r in run.years}[y] == pytest.approx(tax, abs=0.005), y


def test_article_client_2008_2023() -> None:
    path = _etf_file()
    spec = load_simulation(EXAMPLE)
    px = load_sim_prices(spec, path)
    assert (px.dates[0].isoformat(), px.dates[-1].isoformat()) == ("2008-01-02", "2023-12-29")
    # Yearly decisions keep the test short; monthly and quarterly runs are in the notes
    # (benchmarks/bench_simulate.py times the monthly loop).
    res = simulate(spec, px, SimSettings(every="year"), ("planner", "naive"), n_bootstrap=300)
    planner = next(r for r in res.runs if r.strategy == "planner")
    found = audit(planner.trades, list(spec.household.accounts), planner.audit.settings)
    assert sum(d.disallowed_usd for d in found.dispositions) == 0.0
    a = res.tax_alpha
    assert a is not None and a.low <= a.value <= a.high
    assert a.value == pytest.approx(res.summary("planner").after_tax_cagr
                                    - res.summary("naive").after_tax_cagr)
    # Sixteen yearly rows each, carryforwards chained.
    for name in ("planner", "naive"):
        years = res.summary(name).years
        assert [y.year for y in years] == list(range(2008, 2024))
        for prev, nxt in itertools.pairwise(years):
            assert (nxt.st_carry_in_usd, nxt.lt_carry_in_usd) == (
                prev.st_carry_out_usd, prev.lt_carry_out_usd)
