"""Walk-forward (out-of-sample) evaluation of a parameter grid.

Windows are cut on dates: training ``[s, s + train_years)``, test
``[s + train_years, s + train_years + test_years)``; then ``s`` moves on by
``test_years`` until the test window would pass the data's end. In each window:

1. every grid configuration is backtested on the training rows (a fresh portfolio
   bought at the window's first close) and the best one by the stated criterion
   (:class:`rebal.sweep.grid.Criterion`; ``alpha`` = CAGR − buy-and-hold CAGR on the
   same rows) is chosen — ties go to the earlier grid point;
2. the chosen configuration (and, for reference, every configuration and
   buy-and-hold) is backtested on the test rows, bought at the close of the last
   training row so every test day contributes a return.

In-sample alpha is the chosen configuration's alpha on its training rows; out-of-
sample alpha its alpha on the test rows that follow. Their gap is what
optimising on the past was worth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rebal.backtest.costs import CostModel
from rebal.data.market import MarketData
from rebal.errors import ConfigError
from rebal.policy.policy import Policy
from rebal.sweep.grid import Criterion, GridPoint
from rebal.sweep.runner import Job, SweepStats, run_configs

__all__ = ["WalkForward", "WalkWindow", "walk_forward"]


@dataclass(frozen=True, slots=True)
class WalkWindow:
    """One training/test window (dates ISO strings; alphas fractions per year).

    ``in_sample_rebalances`` / ``out_of_sample_rebalances``: the chosen point's
    rebalances (after the initial purchase) on the training / test rows. With none on
    the test rows it held what buy-and-hold held, so its out-of-sample alpha is 0
    (up to the initial purchase's costs).
    """

    train_start: str
    train_end: str
    test_start: str
    test_end: str
    chosen: int
    params: dict[str, Any]
    in_sample_score: float
    in_sample_alpha: float
    out_of_sample_alpha: float
    out_of_sample_score: float
    out_of_sample_rank: int
    best_out_of_sample_alpha: float
    in_sample_rebalances: int = 0
    out_of_sample_rebalances: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class WalkForward:
    criterion: Criterion
    train_years: float
    test_years: float
    windows: tuple[WalkWindow, ...]

    @property
    def mean_in_sample_alpha(self) -> float:
        return float(np.mean([w.in_sample_alpha for w in self.windows]))

    @property
    def mean_out_of_sample_alpha(self) -> float:
        return float(np.mean([w.out_of_sample_alpha for w in self.windows]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion.value,
            "train_years": self.train_years,
            "test_years": self.test_years,
            "mean_in_sample_alpha": self.mean_in_sample_alpha,
            "mean_out_of_sample_alpha": self.mean_out_of_sample_alpha,
            "windows": [{f: getattr(w, f) for f in w.__dataclass_fields__} for w in self.windows],
        }


def criterion_values(
    stats: SweepStats, criterion: Criterion, bh_cagr: float, bh_sharpe: float
) -> np.ndarray:
    """``(K,)`` criterion of each configuration on path 0, oriented so larger is better."""
    if criterion is Criterion.ALPHA:
        v = stats.cagr[0] - bh_cagr
    elif criterion is Criterion.SHARPE_DIFFERENCE:
        v = stats.sharpe[0] - bh_sharpe
    else:
        v = stats.get(criterion.value)[0]
    return np.where(np.isfinite(v), criterion.sense * v, -np.inf)


def _add_years(d: np.datetime64, years: float) -> np.datetime64:
    return d + np.timedelta64(round(years * 365.25), "D")


def walk_forward(
    market: MarketData,
    target: dict[str, float],
    points: Sequence[GridPoint],
    *,
    criterion: Criterion | str,
    train_years: float,
    test_years: float,
    initial_usd: float = 1_000_000.0,
    history: MarketData | None = None,
) -> WalkForward:
    """Roll training/test windows over ``market`` (module docstring). Cash flows are
    not used (each window starts a fresh portfolio)."""
    criterion = Criterion.parse(criterion)
    jobs = [Job(policy=p.policy, costs=p.costs) for p in points]
    bh = Job(policy=Policy.buy_and_hold(), costs=CostModel())
    dates = market.dates
    start = dates[0]
    hist = history if history is not None else market
    windows = []
    while True:
        train_end = _add_years(start, train_years)
        test_end = _add_years(train_end, test_years)
        if test_end > dates[-1] + np.timedelta64(1, "D"):
            break
        a = int(np.searchsorted(dates, start, "left"))
        b = int(np.searchsorted(dates, train_end, "left"))  # first test row
        c = int(np.searchsorted(dates, test_end, "left"))
        if b - a < 3 or c - b < 2:
            start = _add_years(start, test_years)
            continue
        train = market.between(dates[a], dates[b - 1])
        test = market.between(dates[b - 1], dates[c - 1])
        # the triggers' estimators see every row up to each decision (never later ones:
        # the policies' no-look-ahead contract), including the rows before the window
        s_tr = run_configs(train, target, [*jobs, bh], initial_usd=initial_usd, history=hist)
        s_te = run_configs(test, target, [*jobs, bh], initial_usd=initial_usd, history=hist)
        score_tr = criterion_values(s_tr, criterion, s_tr.cagr[0, -1], s_tr.sharpe[0, -1])[:-1]
        score_te = criterion_values(s_te, criterion, s_te.cagr[0, -1], s_te.sharpe[0, -1])[:-1]
        best = int(np.argmax(score_tr))
        alpha_te = s_te.cagr[0, :-1] - s_te.cagr[0, -1]
        windows.append(
            WalkWindow(
                train_start=str(dates[a]),
                train_end=str(dates[b - 1]),
                test_start=str(dates[b]),
                test_end=str(dates[c - 1]),
                chosen=best,
                params=dict(points[best].params),
                in_sample_score=float(criterion.sense * score_tr[best]),
                in_sample_alpha=float(s_tr.cagr[0, best] - s_tr.cagr[0, -1]),
                out_of_sample_alpha=float(alpha_te[best]),
                out_of_sample_score=float(criterion.sense * score_te[best]),
                out_of_sample_rank=int(1 + np.sum(score_te > score_te[best])),
                best_out_of_sample_alpha=float(np.nanmax(alpha_te)),
                in_sample_rebalances=int(s_tr.n_rebalances[0, best]),
                out_of_sample_rebalances=int(s_te.n_rebalances[0, best]),
            )
        )
        start = _add_years(start, test_years)
    if not windows:
        raise ConfigError(
            f"walk_forward: the data ({dates[0]} … {dates[-1]}) is shorter than one "
            f"training + test window ({train_years:g} + {test_years:g} years)"
        )
    return WalkForward(
        criterion=criterion, train_years=train_years, test_years=test_years, windows=tuple(windows)
    )
