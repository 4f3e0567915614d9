"""Study files: loading, the baseline, periods, and the article's studies on real data."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from rebal.data.loaders import load_prices
from rebal.errors import ConfigError, DataError, InputError
from rebal.studies import load_study, run_study

ROOT = Path(__file__).resolve().parents[1]
STUDIES = ROOT / "examples" / "studies"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
ETF = SHARED / "etf_adjclose_daily_1993_2025.csv"
VIX = SHARED / "vix_daily_cboe_1990_2026.csv"
real = pytest.mark.skipif(not (ETF.exists() and VIX.exists()), reason="shared data absent")


def _real(name, **more):
    return load_study(STUDIES / name, overrides={"data.prices": str(ETF),
                                                 "data.aux.VIX.path": str(VIX), **more})


def _closes(assets, start, end):
    m = load_prices(ETF, assets=assets, start=start, end=end)
    return m.dates, m.prices


def test_default_core_runs_with_baseline_and_columns():
    study = load_study(STUDIES / "default_core.yaml")
    assert [n for n, _ in study.policies][:3] == ["Buy-and-hold", "Annual", "Quarterly"]
    res = run_study(study)
    assert res.baseline.name == "Buy-and-hold"
    rows = res.rows()
    assert [r["policy"] for r in rows] == [n for n, _ in study.policies]
    bh = rows[0]
    assert bh["rebalances"] == 0 and bh["alpha"] == 0.0
    assert all(r["rebalances"] > 0 for r in rows[1:])
    json.dumps(res.to_dict())  # JSON-safe


def test_baseline_is_added_when_not_listed(tmp_path):
    text = (STUDIES / "default_core.yaml").read_text().replace("  Buy-and-hold: buy-and-hold\n", "")
    path = tmp_path / "s.yaml"
    path.write_text(text.replace("prices: us_daily", "prices: us_daily\n  start: 2010-01-01"))
    seen = []
    res = run_study(load_study(path), progress=lambda d, t, n: seen.append((d, t, n)))
    assert res.baseline.name == "buy-and-hold (baseline)"
    assert res.baseline.metrics.n_rebalances == 0
    assert seen[-1][0] == seen[-1][1] == len(res.outcomes) + 1
    assert res.outcomes[0].metrics.rebalancing_alpha == pytest.approx(
        res.outcomes[0].metrics.cagr - res.baseline.metrics.cagr)


@real
def test_article_2020_matches_closed_forms():
    study = _real("article_2020.yaml", **{"costs.bps": 0})
    assert str(study.market.dates[0]) == "2019-12-31"  # bought at the last close of 2019
    assert study.history is not None and str(study.history.dates[0]) == "2004-01-02"
    res = run_study(study)
    by = {o.name: o for o in res.outcomes}
    dates, p = _closes(["SPY", "AGG"], "2019-12-31", "2020-12-31")
    q1 = int(np.searchsorted(dates, np.datetime64("2020-03-31")))
    w = np.array([0.6, 0.4])
    assert by["Buy-and-hold"].periods["Q1 2020"] == pytest.approx(w @ (p[q1] / p[0]) - 1, rel=1e-12)
    assert by["Buy-and-hold"].periods["Full year 2020"] == pytest.approx(w @ (p[-1] / p[0]) - 1,
                                                                          rel=1e-12)
    # monthly, no costs: the product of month-end-to-month-end returns of the 60/40 mix
    months = dates.astype("datetime64[M]")
    ends = [0] + [i for i in range(1, len(dates) - 1) if months[i] != months[i + 1]] + [
        len(dates) - 1]
    growth = np.prod([w @ (p[b] / p[a]) for a, b in itertools.pairwise(ends)])
    assert by["Monthly"].periods["Full year 2020"] == pytest.approx(growth - 1, rel=1e-10)
    assert by["Monthly"].metrics.risk_free_source.value == "data"


@real
def test_article_2008_2023_runs():
    res = run_study(_real("article_2008_2023.yaml"))
    rows = {r["policy"]: r for r in res.rows()}
    assert set(rows) == {"Buy-and-hold", "Annual", "Quarterly", "5% threshold",
                         "Dynamic threshold"}
    assert rows["Annual"]["rebalances"] == 15  # year ends 2008 … 2022 (2023's is the last row)
    assert rows["Quarterly"]["rebalances"] == 63
    assert res.study.market.dates[0] == np.datetime64("2007-12-31")


@real
def test_vix_file_not_covering_the_span(tmp_path):
    short = tmp_path / "vix_short.csv"
    lines = VIX.read_text().splitlines()
    short.write_text("\n".join([lines[0]] + [ln for ln in lines[1:] if ln[:10] <= "2020-06-30"]))
    with pytest.raises(DataError) as err:
        _real("article_2020.yaml", **{"data.aux.VIX.path": str(short)})
    msg = str(err.value)
    assert "vix_short.csv" in msg and "first uncovered date 2020-07-01" in msg


def _write(tmp_path, **changes):
    import yaml

    raw = yaml.safe_load((STUDIES / "default_core.yaml").read_text())
    for key, value in changes.items():
        node = raw
        *head, last = key.split(".")
        for k in head:
            node = node[k]
        node[last] = value
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def test_bad_study_inputs(tmp_path):
    with pytest.raises(ConfigError, match=r"target weights must sum to 1 \(within 1e-9\), got 0.9"):
        load_study(_write(tmp_path, target={"US_MKT": 0.5, "UST_INT": 0.4}))
    with pytest.raises(ConfigError, match=r'policies\["Dyn"\].base_band must be > 0, got -0.01'):
        load_study(_write(tmp_path, policies={"Dyn": {"kind": "vol_band", "base_band": -0.01}}))
    with pytest.raises(ConfigError, match=r"policies\[\"X\"\].kind: unknown policy kind 'magic'"):
        load_study(_write(tmp_path, policies={"X": {"kind": "magic"}}))
    with pytest.raises(ConfigError, match="unknown column 'alpha2'"):
        load_study(_write(tmp_path, columns=["alpha2"]))
    with pytest.raises(InputError, match="initial_usd"):
        load_study(_write(tmp_path, initial_usd=-5))
    with pytest.raises(InputError, match="no such file"):
        load_study(_write(tmp_path, **{"data.prices": "nowhere.csv"}))
    with pytest.raises(ConfigError, match=r'policies\["C"\].*window_rows must be at most'):
        run_study(load_study(_write(tmp_path, **{"data.start": "2017-01-01"},
                                    policies={"C": {"kind": "correlation", "window": 400}})))
