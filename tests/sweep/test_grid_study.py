"""The sweep: section, the sweep study runner, walk-forward, the CLI and the report."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from rebal.backtest import CostModel, run_backtest
from rebal.errors import ConfigError, InputError
from rebal.policy import Policy
from rebal.sweep.grid import parse_sweep
from rebal.sweep.study import load_sweep, run_sweep, sweep_from_dict

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "studies"


def _raw(**sweep):
    return {
        "title": "t",
        "data": {
            "prices": "us_daily",
            "assets": ["US_MKT", "UST_INT"],
            "start": "2004-01-01",
            "end": "2011-12-31",
        },
        "target": {"US_MKT": 0.6, "UST_INT": 0.4},
        "costs": {"bps": 5},
        "policies": {"BH": "buy-and-hold", "Quarterly": "quarterly"},
        "sweep": sweep,
    }


def test_axes_ranges_and_product():
    spec = parse_sweep(
        {
            "policy": {"kind": "band", "abs": 0.05},
            "axes": {
                "abs": {"from": 0.01, "to": 0.05, "step": 0.01},
                "check": ["daily", "monthly"],
                "costs.bps": {"from": 0, "to": 10, "num": 3},
            },
        }
    )
    assert spec.grid.axes[0].values == (0.01, 0.02, 0.03, 0.04, 0.05)
    assert spec.grid.axes[2].values == (0.0, 5.0, 10.0)
    points = spec.grid.points(CostModel(cost_bps=1.0))
    assert len(points) == 5 * 2 * 3
    p = points[-1]
    assert p.params == {"abs": 0.05, "check": "monthly", "costs.bps": 10.0}
    assert p.costs.cost_bps == 10.0 and p.policy.trigger.absolute.width == 0.05


@pytest.mark.parametrize(
    "bad, msg",
    [
        ({"policy": {"kind": "band", "abs": 0.05}, "axes": {"abs": [-0.1]}}, "abs must be > 0"),
        ({"policy": {"kind": "band", "abs": 0.05}, "axes": {}}, "sweep.axes"),
        (
            {"policy": {"kind": "band", "abs": 0.05}, "axes": {"abs": [0.1]}, "criterion": "x"},
            "sweep.criterion",
        ),
        ({"policy": "band:abs=0.05", "axes": {"abs": [0.1]}}, "sweep.policy"),
        (
            {"policy": {"kind": "band", "abs": 0.05}, "axes": {"abs": {"from": 1}}},
            "sweep.axes.abs",
        ),
    ],
)
def test_bad_sweep_sections_name_the_field(bad, msg):
    with pytest.raises((ConfigError, InputError), match=msg):
        sweep_from_dict(_raw(**bad), file="s.yaml")


def test_sweep_study_matches_single_backtests():
    sw = sweep_from_dict(
        _raw(
            policy={"kind": "band", "abs": 0.05},
            axes={"abs": [0.03, 0.06], "check": ["daily", "monthly"]},
            criterion="alpha",
        )
    )
    res = run_sweep(sw)
    market, target = sw.study.market, sw.study.target
    bh = run_backtest(market, target, Policy.buy_and_hold(), costs=sw.study.costs)
    for i, p in enumerate(sw.points):
        r = run_backtest(market, target, p.policy, costs=p.costs)
        m = r.metrics(bh)
        row = res.rows()[i]
        assert row["alpha"] == pytest.approx(m.rebalancing_alpha, rel=1e-9, abs=1e-14)
        assert row["n_rebalances"] == m.n_rebalances
    alphas = [r["alpha"] for r in res.rows()]
    assert res.best == int(np.argmax(alphas))
    assert [b["policy"] for b in res.baseline_rows()] == ["BH", "Quarterly"]
    assert res.baseline_rows()[0]["alpha"] == 0.0


def test_walk_forward_windows_and_out_of_sample():
    sw = sweep_from_dict(
        _raw(
            policy={"kind": "band", "abs": 0.05},
            axes={"abs": [0.02, 0.05, 0.1]},
            criterion="alpha",
            walk_forward={"train_years": 3, "test_years": 2},
        )
    )
    w = run_sweep(sw).walk
    assert w is not None and len(w.windows) == 2
    first = w.windows[0]
    assert first.train_start == str(sw.study.market.dates[0])
    # the chosen point's out-of-sample alpha is an ordinary backtest on the test rows
    m = sw.study.market
    test = m.between(np.datetime64(first.train_end), np.datetime64(first.test_end))
    pol = sw.points[first.chosen]
    r = run_backtest(test, sw.study.target, pol.policy, costs=pol.costs)
    bh = run_backtest(test, sw.study.target, Policy.buy_and_hold())
    assert first.out_of_sample_alpha == pytest.approx(r.metrics(bh).rebalancing_alpha, abs=1e-12)


def test_cli_and_report(tmp_path):
    from rebal.cli import sweep_cmd

    app = typer.Typer()
    sweep_cmd.register(app)
    app.command("noop")(lambda: None)
    study = tmp_path / "s.yaml"
    import yaml

    study.write_text(
        yaml.safe_dump(
            _raw(
                policy={"kind": "band", "abs": 0.05},
                axes={"abs": [0.03, 0.06], "check": ["daily", "monthly"]},
                bootstrap={"samples": 20, "seed": 3},
            )
        )
    )
    out = tmp_path / "r.html"
    r = CliRunner().invoke(app, ["sweep", str(study), "--report", str(out)])
    assert r.exit_code == 0, r.output
    assert "Top 4 by sharpe" in r.output and "Baselines" in r.output
    html = out.read_text()
    assert "sweep-alpha" in html and "sweep-heatmap" in html and "Uncertainty" in html
    r = CliRunner().invoke(app, ["sweep", str(study), "--json"])
    import json

    payload = json.loads(r.output)
    assert payload["n_configurations"] == 4 and len(payload["rows"]) == 4


def test_examples_load():
    for path in sorted(EXAMPLES.glob("sweep_*.yaml")):
        sw = load_sweep(path)
        assert len(sw.points) >= 2
