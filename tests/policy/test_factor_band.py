"""The factor_band policy kind: registry grammars, a plain reference loop, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rebal.backtest import CostModel, run_backtest
from rebal.data import MarketData
from rebal.errors import RebalError
from rebal.policy import parse_policy, policy_from_spec
from rebal.policy.kinds import PolicyKind

N = 420
NAMES = ("Mkt-RF", "SMB", "HML")
TARGET = {"VAL": 0.4, "GRO": 0.4, "SML": 0.2}
# loadings on (Mkt-RF, SMB, HML): a value fund, a growth fund, a small-cap fund
BETA = np.array([[1.0, 0.1, 0.6], [1.1, -0.1, -0.4], [1.0, 0.9, 0.2]])


def _write_daily(path, dates, f, rf):
    lines = ["Made by a test in the library's layout.", "", ",Mkt-RF,SMB,HML,RF"]
    for d, row, r in zip(dates, f, rf, strict=True):
        day = str(d).replace("-", "")
        lines.append(f"{day}," + ",".join(f"{100 * x:.6f}" for x in row) + f",{100 * r:.6f}")
    lines += ["", "Copyright 2026 a test"]
    path.write_text("\n".join(lines) + "\n")


def make_case(tmp_path, seed=5, n=N):
    dates = np.arange(np.datetime64("2015-01-01"), np.datetime64("2018-01-01"))
    dates = dates[np.is_busday(dates)][:n]
    rng = np.random.default_rng(seed)
    f = rng.normal([0.0004, 0.0, 0.0], [0.01, 0.006, 0.006], (n, 3))
    f[150:, 2] += 0.004  # value rallies: the value fund grows, the style drifts
    rf = np.full(n, 0.0001)
    r = rf[:, None] + f @ BETA.T + rng.normal(0, 0.002, (n, 3))
    r[0] = 0.0
    prices = 100 * np.cumprod(1 + r, axis=0)
    path = tmp_path / "F-F_Research_Data_Factors_daily.CSV"
    _write_daily(path, dates, f, rf)
    market = MarketData(dates=dates, assets=tuple(TARGET), prices=prices, source="test prices")
    return market, path


def _factors(path, market):
    from rebal.data.french import align_factors, read_french

    return align_factors(read_french(path), market.dates)


@pytest.mark.parametrize("cost_bps", [0.0, 20.0])
def test_engine_matches_the_plain_reference_loop(tmp_path, cost_bps):
    market, path = make_case(tmp_path)
    f, rf = _factors(path, market)
    policy = parse_policy(f"factor-band:file={path},on=HML,band=0.02,window=60,check=weekly")
    assert policy.kind is PolicyKind.FACTOR_BAND
    res = run_backtest(market, TARGET, policy, costs=CostModel(cost_bps=cost_bps))
    # weekly look = the last row of each ISO week (Python's calendar), never the last row
    weeks = [d.astype(object).isocalendar()[:2] for d in market.dates]
    looks = [t for t in range(1, market.n_days - 1) if weeks[t] != weeks[t + 1]]
    ref = _reference_on_rows(market, f, rf, 60, 0.02, looks, cost_bps)
    assert len(ref) >= 3, "the case must make the trigger fire several times"
    assert res.rebalance_days.tolist() == ref
    # the logged ratio says how far out of the band the drift was: > 1 on every rebalance,
    # <= 1 on every other look row with loadings, NaN off the look rows
    assert (res.regime[res.rebalance_days] > 1).all()
    quiet = np.setdiff1d([t for t in looks if t >= 60], res.rebalance_days)
    assert (res.regime[quiet] <= 1).all()
    assert np.isnan(np.delete(res.regime, looks)).all()


def _reference_on_rows(market, f, rf, window, band, rows, cost_bps, stated_hml=None):
    """A plain loop: holdings in shares; on each look row with a full window, regress each
    asset's excess returns on the factors (lstsq on the window), compute the HML drift of
    the current weights and trade to target (paying proportional costs) when it exceeds
    ``band``."""
    p = market.prices
    tgt = np.array(list(TARGET.values()))
    shares = 1_000_000.0 * tgt / p[0]
    days = []
    for t in rows:
        if stated_hml is None:
            if t < window:
                continue
            x = np.column_stack([np.ones(window), f[t - window + 1 : t + 1]])
            y = (p[t - window + 1 : t + 1] / p[t - window : t] - 1
                 - rf[t - window + 1 : t + 1, None])
            hml = np.linalg.lstsq(x, y, rcond=None)[0][1:].T[:, 2]
        else:
            hml = np.asarray(stated_hml)
        hold = shares * p[t]
        w = hold / hold.sum()
        if abs((w - tgt) @ hml) > band:
            days.append(t)
            v = hold.sum()
            lo, hi = 0.0, v  # V' = V − c·Σ|V'·tgt − hold|, by bisection
            for _ in range(200):
                mid = (lo + hi) / 2
                if mid + cost_bps * 1e-4 * np.abs(mid * tgt - hold).sum() > v:
                    hi = mid
                else:
                    lo = mid
            shares = lo * tgt / p[t]
    return days


def test_study_spec_with_per_factor_bands(tmp_path):
    market, path = make_case(tmp_path)
    spec = {"kind": "factor_band", "file": str(path), "window": 60, "check": "weekly",
            "bands": {"HML": {"abs": 0.02}, "SMB": {"abs": 0.5}}}
    a = run_backtest(market, TARGET, policy_from_spec(spec, name="fb"))
    b = run_backtest(market, TARGET, parse_policy(
        f"factor-band:file={path},on=HML,band=0.02,window=60,check=weekly"))
    # an SMB band too wide to bind changes nothing
    assert a.rebalance_days.tolist() == b.rebalance_days.tolist()
    # the mapping spells the short form's "on" as "banded" (YAML reads a bare on: as true)
    c = run_backtest(market, TARGET, policy_from_spec(
        {"kind": "factor_band", "file": str(path), "banded": "HML", "band": 0.02, "window": 60,
         "check": "weekly"}, name="fb"))
    assert c.rebalance_days.tolist() == b.rebalance_days.tolist()


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ("on=RMW", r"F-F_Research_Data_Factors_daily\.CSV, field 'RMW': no factor column"),
        ("window=500", r"F-F_Research_Data_Factors_daily\.CSV, field 'window': window of 500 "
                       r"rows is longer than the 419 returns"),
        ("factors=Mkt-RF+SMB", r"banded factors \['HML'\] are not in the regression"),
        ("band=-1", r"\.band must be > 0"),
    ],
)
def test_bad_input_is_one_line(tmp_path, extra, match):
    market, path = make_case(tmp_path)
    with pytest.raises(RebalError, match=match) as info:
        run_backtest(market, TARGET, parse_policy(f"factor-band:file={path},{extra}"))
    assert "\n" not in str(info.value)


def test_monthly_factors_with_daily_prices_is_a_one_line_error(tmp_path):
    market, _ = make_case(tmp_path)
    monthly = tmp_path / "F-F_Research_Data_Factors.CSV"
    monthly.write_text(",Mkt-RF,SMB,HML,RF\n201501,1.0,0.5,0.2,0.01\n201502,1.0,0.5,0.2,0.01\n")
    policy = parse_policy(f"factor-band:file={monthly}")
    with pytest.raises(RebalError, match=r"F-F_Research_Data_Factors\.CSV, field 'Date': the "
                                        r"factor table is monthly but the prices are daily"):
        run_backtest(market, TARGET, policy)


def test_study_reads_the_factor_file_beside_it(tmp_path, monkeypatch):
    """A relative ``file`` in a study is relative to the study file (as its data paths are),
    in both the short form and the mapping; the rebalance days equal a direct backtest's."""
    from rebal.studies.load import load_study

    market, path = make_case(tmp_path)
    prices = tmp_path / "prices.csv"
    lines = ["date," + ",".join(market.assets)]
    lines += [f"{d}," + ",".join(f"{x:.12g}" for x in row)
              for d, row in zip(market.dates, market.prices, strict=True)]
    prices.write_text("\n".join(lines) + "\n")
    (tmp_path / "study.yaml").write_text(
        "title: factor file beside the study\n"
        "data: {prices: prices.csv}\n"
        "target: {VAL: 0.4, GRO: 0.4, SML: 0.2}\n"
        "policies:\n"
        f"  short: factor-band:file={path.name},on=HML,band=0.02,window=60,check=weekly\n"
        "  long:\n"
        f"    {{kind: factor_band, file: {path.name}, window: 60, check: weekly,\n"
        "     bands: {HML: {abs: 0.02}}}\n"
    )
    monkeypatch.chdir("/")
    study = load_study(tmp_path / "study.yaml")
    direct = run_backtest(market, TARGET, parse_policy(
        f"factor-band:file={path},on=HML,band=0.02,window=60,check=weekly")).rebalance_days
    assert [n for n, _ in study.policies] == ["short", "long"]
    for _name, policy in study.policies:
        res = run_backtest(study.market, TARGET, policy)
        assert res.rebalance_days.tolist() == direct.tolist()


def test_example_study_loads():
    from pathlib import Path

    from rebal.studies.load import load_study

    example = Path(__file__).resolve().parents[2] / "examples/studies/factor_band_default.yaml"
    study = load_study(example)
    kinds = [p.kind for _, p in study.policies]
    assert kinds.count(PolicyKind.FACTOR_BAND) == 3


def test_stated_loadings_instead_of_a_file(tmp_path):
    """Loadings stated per asset (constant) replace the regression; the reference loop with
    the same constant HML loadings makes the same decisions, from the first look day on."""
    market, _ = make_case(tmp_path)
    stated = {"VAL": {"HML": 0.6}, "GRO": {"HML": -0.4}, "SML": {"HML": 0.2}}
    spec = {"kind": "factor_band", "loadings": stated, "bands": {"HML": {"abs": 0.02}},
            "check": "weekly"}
    res = run_backtest(market, TARGET, policy_from_spec(spec, name="stated"))
    weeks = [d.astype(object).isocalendar()[:2] for d in market.dates]
    looks = [t for t in range(1, market.n_days - 1) if weeks[t] != weeks[t + 1]]
    ref = _reference_on_rows(market, None, None, 0, 0.02, looks, 0.0,
                             stated_hml=[0.6, -0.4, 0.2])
    assert len(ref) >= 3 and ref[0] < 60  # no warm-up: fires before a window would exist
    assert res.rebalance_days.tolist() == ref
    with pytest.raises(RebalError, match=r"no stated loadings for the held assets \['SML'\]"):
        run_backtest(market, TARGET, policy_from_spec(
            {**spec, "loadings": {"VAL": {"HML": 0.6}, "GRO": {"HML": -0.4}}}, name="x"))
    with pytest.raises(RebalError, match=r"loadings\.VAL\.HML is required"):
        policy_from_spec({**spec, "loadings": {"VAL": {"SMB": 0.6}}}, name="x")
    with pytest.raises(RebalError, match=r"give file .* or loadings .*, one of them"):
        policy_from_spec({**spec, "file": "us_ff3_monthly"}, name="x")


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), band=st.floats(0.005, 0.05),
       cost_bps=st.sampled_from([0.0, 10.0]))
def test_engine_matches_the_reference_on_random_markets(tmp_path_factory, seed, band, cost_bps):
    tmp = tmp_path_factory.mktemp("fb")
    market, path = make_case(tmp, seed=seed)
    f, rf = _factors(path, market)
    policy = parse_policy(f"factor-band:file={path},on=HML,band={band!r},window=60,check=weekly")
    res = run_backtest(market, TARGET, policy, costs=CostModel(cost_bps=cost_bps))
    weeks = [d.astype(object).isocalendar()[:2] for d in market.dates]
    looks = [t for t in range(1, market.n_days - 1) if weeks[t] != weeks[t + 1]]
    assert res.rebalance_days.tolist() == _reference_on_rows(market, f, rf, 60, band, looks,
                                                             cost_bps)
