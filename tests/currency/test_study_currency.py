"""A study file with data.currencies: columns converted to the base currency at the FX
file's daily rates (by hand), costs.fx_bps on foreign columns; bad keys name file and key."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from rebal.backtest import CostModel, run_backtest
from rebal.currency import HedgeSpec
from rebal.data import MarketData
from rebal.errors import ConfigError, InputError
from rebal.policy import parse_policy
from rebal.studies import load_study, run_study


@pytest.fixture
def study_dir(tmp_path):
    days = np.arange(np.datetime64("2019-01-01"), np.datetime64("2020-06-30"))
    days = days[np.is_busday(days)]
    rng = np.random.default_rng(8)
    prices = 100 * np.cumprod(1 + rng.normal(0.0002, 0.01, (days.size, 2)), axis=0)
    jpy_per_eur = 120 * np.cumprod(1 + rng.normal(0, 0.004, days.size))
    usd_per_eur = 1.12 * np.cumprod(1 + rng.normal(0, 0.004, days.size))
    (tmp_path / "p.csv").write_text("Date,US,JP\n" + "".join(
        f"{d},{float(a)!r},{float(b)!r}\n" for d, (a, b) in zip(days, prices, strict=True)))
    (tmp_path / "fx.csv").write_text("Date,USD,JPY\n" + "".join(
        f"{d},{float(u)!r},{float(j)!r}\n"
        for d, u, j in zip(days, usd_per_eur, jpy_per_eur, strict=True)))
    return tmp_path, days, prices, usd_per_eur / jpy_per_eur


def _write(path, **data):
    doc = {"title": "t", "data": {"prices": "p.csv", "currencies": {"JP": "JPY"},
                                  "fx": "fx.csv", **data.pop("data", {})},
           "target": {"US": 0.5, "JP": 0.5}, "costs": {"bps": 2, "fx_bps": 3},
           "policies": {"Monthly": "monthly"}, **data}
    f = path / "study.yaml"
    f.write_text(yaml.safe_dump(doc))
    return f


def test_study_converts_and_charges_fx(study_dir):
    path, days, prices, usd_per_jpy = study_dir
    res = run_study(load_study(_write(path)))
    market = MarketData(dates=days, assets=("US", "JP"),
                        prices=np.column_stack([prices[:, 0], prices[:, 1] * usd_per_jpy]))
    want = run_backtest(market, {"US": 0.5, "JP": 0.5}, parse_policy("monthly"),
                        costs=CostModel(cost_bps={"US": 2.0, "JP": 5.0}))
    got = next(o for o in res.outcomes if o.name == "Monthly").result
    assert got.final_value == pytest.approx(want.final_value, rel=1e-12)
    assert any("JP (JPY)" in n for n in res.study.market.notes)


def test_study_currency_errors_name_file_and_key(study_dir):
    path, *_ = study_dir
    with pytest.raises(ConfigError, match=r"study.yaml: data.currencies JP=CHF: no FX rates "
                                          r"for 'CHF'"):
        load_study(_write(path, data={"currencies": {"JP": "CHF"}}))
    with pytest.raises(ConfigError, match=r"study.yaml: data.currencies: unknown column 'UK'"):
        load_study(_write(path, data={"currencies": {"UK": "GBP"}}))
    with pytest.raises(InputError, match=r"nofx.csv, field 'data.fx': no such file"):
        load_study(_write(path, data={"fx": "nofx.csv"}))
    (path / "gap.csv").write_text("Date,USD,JPY\n2019-01-01,1.1,120\n2019-03-01,1.1,120\n")
    with pytest.raises(InputError, match=r"gap.csv, field 'JPY': no JPY/USD rate within 5"):
        load_study(_write(path, data={"fx": "gap.csv"}))


def test_study_hedge_runs_over_every_policy(study_dir):
    from rebal.currency.overlay import NO_CARRY, hedge_overlay
    from rebal.reports.tables import study_table

    path, days, _prices, usd_per_jpy = study_dir
    f = _write(path, hedge={"ratio": 0.75, "band": 0.02,
                            "exposures": {"US": {"EUR": 0.1}}},
               policies={"Monthly": "monthly", "Band": "band:abs=0.05"})
    res = run_study(load_study(f))
    table = study_table(res)
    assert table.header[-4:] == ("Hedged return", "Hedged vol", "Hedged max DD", "Hedge costs")
    assert any(NO_CARRY in n for n in table.notes)
    # each policy's hedge is the overlay over its own holdings, EUR and JPY spot by hand
    usd_per_eur = np.array([float(line.split(",")[1]) for line in
                            (path / "fx.csv").read_text().splitlines()[1:]])
    for o in res.outcomes:
        spec = HedgeSpec(exposures={"JP": {"JPY": 1.0}, "US": {"EUR": 0.1}}, ratio=0.75,
                         band=0.02, cost_bps=3.0)  # cost: costs.fx_bps
        want = hedge_overlay(days, o.result.assets, o.result.holdings_usd,
                             np.column_stack([usd_per_eur, usd_per_jpy]), spec)
        np.testing.assert_allclose(o.hedge.total, want.total, rtol=1e-12)
        row = next(r for r in res.rows() if r["policy"] == o.name)
        assert row["hedged_cagr"] == o.hedge.summary()["cagr"]
    doc = res.to_dict()
    assert doc["hedge"]["currencies"] == ["EUR", "JPY"] and doc["hedge"]["notes"] == [NO_CARRY]
    assert "hedge" in doc["policies"][0]
    from rebal.reports.html import compare_report_from_study

    page = compare_report_from_study(res, path / "r.html").read_text()
    assert 'id="hedge-table"' in page and NO_CARRY in page and "Hedged vol" in page


def test_study_hedge_errors_name_file_and_key(study_dir):
    path, *_ = study_dir
    with pytest.raises(ConfigError, match=r"study.yaml: hedge.ratio must be in \[0, 1\] \(a "
                                          r"hedge ratio\), got 1.5"):
        load_study(_write(path, hedge={"ratio": 1.5}))
    with pytest.raises(ConfigError, match=r"study.yaml: hedge.exposures: 'UK' is not in the "
                                          r"target"):
        load_study(_write(path, hedge={"exposures": {"UK": {"GBP": 1}}}))
    with pytest.raises(ConfigError, match=r"study.yaml: costs.fx_bps: needs data.currencies or "
                                          r"hedge:"):
        load_study(_write(path, data={"currencies": {}, "fx": None}))
    with pytest.raises(ConfigError, match=r"study.yaml: columns: 'hedged_return' is a hedge "
                                          r"column; add a hedge: section"):
        load_study(_write(path, columns=["cagr", "hedged_return"]))
