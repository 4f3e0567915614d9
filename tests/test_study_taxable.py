"""Study files with ``tax:`` / ``harvest:``: the study runs the taxable engine per policy."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from rebal.backtest import CostModel
from rebal.backtest.taxable.settings import BracketRates, FlatRates, SimAccount, TaxSettings
from rebal.backtest.taxable.simulator import run_taxable_backtest
from rebal.cli.main import main
from rebal.errors import ConfigError, InputError
from rebal.studies import load_study, run_study, study_from_dict
from rebal.tax.harvest import HarvestSettings

ROOT = Path(__file__).resolve().parents[1]
STUDIES = ROOT / "examples" / "studies"
ETF = Path(__file__).resolve().parents[2] / "shared" / "data" / "etf_adjclose_daily_1993_2025.csv"
real = pytest.mark.skipif(not ETF.exists(), reason="shared data absent")

FIELDS = ("pre_tax_cagr", "after_tax_cagr", "after_tax_cagr_liquidated", "tax_drag",
          "tax_drag_liquidated", "total_tax_paid_usd", "harvested_loss_usd", "n_harvests",
          "liquidation_value_usd", "after_tax_value_usd", "after_tax_alpha",
          "after_tax_alpha_liquidated")


def _base(**more):
    raw = {
        "title": "t",
        "data": {"prices": "us_daily", "assets": ["US_MKT", "UST_INT"],
                 "start": "2009-01-01", "end": "2013-12-31"},
        "target": {"US_MKT": 0.6, "UST_INT": 0.4},
        "costs": {"bps": 5},
        "tax": {"rates": {"st": 0.35, "lt": 0.15}},
        "policies": {"Buy-and-hold": "buy-and-hold", "Annual": "annual",
                     "5% band": "band:abs=0.05"},
    }
    raw.update(more)
    return raw


def _same(study_res, direct, base_direct):
    """The study's outcome equals a direct run_taxable_backtest (with its own pre-tax run)."""
    np.testing.assert_array_equal(study_res.tax_result.values, direct.values)
    got = study_res.tax_metrics
    want = direct.metrics(base_direct)
    for f in FIELDS:
        assert getattr(got, f) == pytest.approx(getattr(want, f), rel=1e-12, abs=1e-12), f
    assert got.tax_paid_by_year == pytest.approx(want.tax_paid_by_year)


def test_default_study_equals_direct_calls():
    study = load_study(STUDIES / "taxable_default.yaml",
                       overrides={"data.start": "2005-01-01"})
    res = run_study(study)
    tax = TaxSettings(rates=FlatRates(st_rate=0.35, lt_rate=0.15), lot_method="hifo")
    direct = {
        name: run_taxable_backtest(study.market, study.target, pol, tax=tax,
                                   costs=CostModel(cost_bps=5), initial_usd=1e6)
        for name, pol in study.policies
    }
    for o in res.outcomes:
        _same(o, direct[o.name], direct["Buy-and-hold"])
        # the study's pre-tax run is the taxable result's pre_tax
        assert o.tax_metrics.pre_tax_cagr == pytest.approx(o.metrics.cagr, rel=1e-12)
    assert res.baseline.tax_metrics.after_tax_alpha == 0.0
    rows = res.rows()
    assert rows[1]["after_tax_cagr"] == res.outcomes[1].tax_metrics.after_tax_cagr
    d = json.loads(json.dumps(res.to_dict()))
    assert d["policies"][1]["tax_metrics"]["total_tax_paid_usd"] == pytest.approx(
        res.outcomes[1].tax_metrics.total_tax_paid_usd)
    assert d["tax"]["rates"]["st_rate"] == 0.35 and d["tax"]["harvest"] is None


def test_accounts_brackets_and_aliases_equal_direct_calls():
    raw = _base(
        tax={"rates": {"kind": "brackets", "filing_status": "mfj", "ordinary_income": 150000,
                       "state": 0.05, "table_year": 2024},
             "lot_method": "fifo", "pay_date": "04-15",
             "dividend_yield": {"US_MKT": 0.02},
             "accounts": [
                 {"id": "brokerage", "initial_usd": 600000, "target": {"US_MKT": 1.0}},
                 {"id": "ira", "type": "traditional", "initial_usd": 400000,
                  "target": {"US_MKT": 0.0, "UST_INT": 1.0}},
             ]},
        columns=["after_tax_return", "taxes_paid", "tax_alpha", "cagr"],
    )
    study = study_from_dict(raw)
    assert study.initial_usd == 1_000_000.0
    assert [c.key for c in study.columns] == ["after_tax_cagr", "total_tax_paid_usd",
                                              "after_tax_alpha", "cagr"]
    res = run_study(study)
    tax = TaxSettings(rates=BracketRates(filing_status="mfj", ordinary_income=150000,
                                         state_rate=0.05, table_year=2024),
                      lot_method="fifo", pay_month_day=(4, 15),
                      dividend_yield={"US_MKT": 0.02})
    accs = [SimAccount(id="brokerage", initial_usd=600000, target={"US_MKT": 1.0}),
            SimAccount(id="ira", type="traditional", initial_usd=400000,
                       target={"US_MKT": 0.0, "UST_INT": 1.0})]
    direct = {name: run_taxable_backtest(study.market, study.target, pol, tax=tax,
                                         accounts=accs, costs=CostModel(cost_bps=5))
              for name, pol in study.policies}
    for o in res.outcomes:
        _same(o, direct[o.name], direct["Buy-and-hold"])
    assert all(y.params_year == 2024 for y in res.outcomes[1].tax_result.year_taxes)


@real
def test_harvest_substitutes_loaded_and_equal_direct_calls():
    study = load_study(STUDIES / "taxable_60_40.yaml",
                       overrides={"data.prices": str(ETF), "data.end": "2010-12-31"})
    assert study.market.assets == ("SPY", "AGG")  # pre-tax runs: the target only
    assert study.tax.market.assets == ("SPY", "AGG", "VTI", "IEF")
    res = run_study(study)
    tax = TaxSettings(rates=FlatRates(st_rate=0.35, lt_rate=0.15), lot_method="hifo")
    hs = HarvestSettings(substitutes={"SPY": "VTI", "AGG": "IEF"}, min_loss_frac=0.05,
                         min_loss_usd=1000.0)
    direct = {name: run_taxable_backtest(study.tax.market, study.target, pol, tax=tax,
                                         harvest=hs, costs=CostModel(cost_bps=5))
              for name, pol in study.policies}
    for o in res.outcomes:
        _same(o, direct[o.name], direct["Buy-and-hold"])
    assert res.baseline.tax_metrics.n_harvests > 0  # 2008 forces harvests


@pytest.mark.parametrize(("patch", "exc", "text"), [
    ({"tax": {"rates": {"st": 1.5, "lt": 0.15}}}, InputError, "tax.rates.st"),
    ({"tax": {"rates": {"st": 0.35}}}, ConfigError, "tax.rates.lt"),
    ({"tax": {"rates": {"st": 0.35, "lt": 0.15}, "lot_method": "best"}}, ConfigError,
     "tax.lot_method"),
    ({"tax": {"rates": {"st": 0.35, "lt": 0.15}, "pay_date": "13-01"}}, ConfigError,
     "tax.pay_date"),
    ({"tax": {"rates": {"st": 0.35, "lt": 0.15}, "bogus": 1}}, InputError, "tax.bogus"),
    ({"tax": {"rates": {"kind": "brackets", "table_year": 1999}}}, ConfigError,
     "tax.rates.table_year"),
    ({"tax": {"rates": {"st": 0.35, "lt": 0.15}, "dividend_yield": {"GLD": 0.01}}},
     ConfigError, "tax.dividend_yield.GLD"),
    ({"tax": {"rates": {"st": 0.35, "lt": 0.15},
              "accounts": [{"id": "a", "type": "roth", "initial_usd": 1e6}]}},
     ConfigError, "tax.accounts"),
    ({"tax": {"rates": {"st": 0.35, "lt": 0.15},
              "accounts": [{"id": "a", "type": "piggybank", "initial_usd": 1e6}]}},
     ConfigError, "tax.accounts[0].type"),
    ({"tax": {"rates": {"st": 0.35, "lt": 0.15},
              "accounts": [{"id": "a", "initial_usd": 1e6, "target": {"US_MKT": 1.0}}]}},
     ConfigError, "the study's target"),
    ({"harvest": {"substitutes": {"US_MKT": "NOPE"}}}, ConfigError, "harvest.substitutes"),
    ({"harvest": {"substitutes": {"GLD": "UST_LONG"}}}, ConfigError,
     "harvest.substitutes.GLD"),
    ({"harvest": {"substitutes": {"US_MKT": "UST_LONG"}, "min_loss_pct": -1}}, InputError,
     "harvest.min_loss_pct"),
    ({"tax": None, "columns": ["after_tax_cagr"]}, ConfigError, "after-tax metric"),
    ({"tax": None, "harvest": {"substitutes": {"US_MKT": "UST_LONG"}}}, ConfigError,
     "needs a tax"),
    ({"policies": {"Tiers": {"kind": "tiers", "assign": {"US_MKT": "core",
                                                         "UST_INT": "satellite"}}}},
     ConfigError, 'policies["Tiers"]'),
])
def test_bad_tax_fields_name_their_path(patch, exc, text):
    raw = _base(**patch)
    if raw.get("tax") is None:
        raw.pop("tax")
    with pytest.raises(exc, match=None) as info:
        study_from_dict(raw, file="s.yaml")
    assert text in str(info.value), str(info.value)


def _main(*argv):
    try:
        main(list(argv))
    except SystemExit as exc:
        assert not exc.code, exc.code


def test_cli_compare_prints_after_tax_columns(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(_base(columns=["annual_return", "after_tax_cagr",
                                                  "after_tax_cagr_liquidated", "tax_drag",
                                                  "taxes_paid_usd", "after_tax_alpha"]),
                                   sort_keys=False))
    _main("compare", str(path))
    out = capsys.readouterr().out
    for header in ("After tax", "After tax, liq.", "Tax drag", "Taxes paid", "AT alpha"):
        assert header in out, out
    res = run_study(load_study(path))
    annual = res.outcomes[1].tax_metrics
    assert f"{100 * annual.after_tax_cagr:.2f}%" in out
    assert f"${annual.total_tax_paid_usd:,.0f}" in out
    _main("compare", str(path), "--json")
    d = json.loads(capsys.readouterr().out)
    assert d["rows"][1]["after_tax_cagr"] == pytest.approx(annual.after_tax_cagr)
    assert "tax_metrics" in d["policies"][0]


def test_default_columns_gain_after_tax_metrics():
    study = study_from_dict(_base(harvest={"substitutes": {"US_MKT": "UST_LONG"}},
                                  data={"prices": "us_daily", "assets": ["US_MKT", "UST_INT"],
                                        "start": "2012-01-01", "end": "2012-12-31"}))
    keys = [c.key for c in study.columns]
    assert "after_tax_cagr" in keys and "harvested_loss_usd" in keys
    assert study.tax.market.assets == ("US_MKT", "UST_INT", "UST_LONG")
