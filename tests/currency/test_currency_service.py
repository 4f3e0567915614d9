"""The backtest service with a hedge: the run round-trips through the codec exactly."""

from __future__ import annotations

import numpy as np

from rebal.services.backtest import BacktestRequest, backtest
from rebal.services.codec import from_json, to_json


def test_hedged_run_round_trips(tmp_path):
    days = np.arange(np.datetime64("2020-01-01"), np.datetime64("2020-12-31"))
    days = days[np.is_busday(days)]
    rng = np.random.default_rng(2)
    prices = 100 * np.cumprod(1 + rng.normal(0, 0.01, (days.size, 2)), axis=0)
    p = tmp_path / "p.csv"
    p.write_text("Date,A,B\n" + "".join(f"{d},{float(x)!r},{float(y)!r}\n"
                                       for d, (x, y) in zip(days, prices, strict=True)))
    run = backtest(BacktestRequest(prices=str(p), target={"A": 0.5, "B": 0.5},
                                   currencies={"B": "GBP"}, hedge=0.5, hedge_dynamic=False,
                                   exposures={"A": {"EUR": 0.3, "JPY": 0.2}},
                                   fx_cost_bps=2))
    assert run.hedge is not None and run.hedge.currencies == ("EUR", "GBP", "JPY")
    back = from_json(to_json(run))
    assert back.to_dict() == run.to_dict()
    np.testing.assert_array_equal(back.hedge.total, run.hedge.total)


def test_api_on_market_data_equals_the_request_path(tmp_path):
    import rebal
    from rebal.data.loaders import load_prices

    days = np.arange(np.datetime64("2020-01-01"), np.datetime64("2021-03-31"))
    days = days[np.is_busday(days)]
    rng = np.random.default_rng(4)
    prices = 100 * np.cumprod(1 + rng.normal(0, 0.01, (days.size, 2)), axis=0)
    p = tmp_path / "p.csv"
    p.write_text("Date,A,B\n" + "".join(f"{d},{float(x)!r},{float(y)!r}\n"
                                       for d, (x, y) in zip(days, prices, strict=True)))
    options = dict(currencies={"B": "JPY"}, fx_cost_bps=3.0, hedge=0.6, hedge_dynamic=True)
    by_path = rebal.backtest_policy(str(p), {"A": 0.5, "B": 0.5}, "monthly", **options)
    by_market = rebal.backtest_policy(load_prices(p), {"A": 0.5, "B": 0.5}, "monthly",
                                      **options)
    assert by_market.hedge is not None
    assert by_market.to_dict()["hedge"] == by_path.to_dict()["hedge"]
    assert by_market.result.final_value == by_path.result.final_value
