"""A portfolio with a private-equity sleeve over history: the denominator effect, what
rebalancing the liquid part does, and a capital-call reserve (issue 20's study;
``scripts/study_private_sleeve.py`` prints it, ``docs/alternatives.md`` explains it).

The model, month by month (state at each month's end, no trading costs):

1. **Commitments.** Each January, :func:`rebal.alternatives.pace` decides the year's
   commitment to a new fund (vintage = the year) from the funds held and the liquid part
   then (target private weight, an assumed liquid growth, a look-ahead).
2. **Returns.** Each liquid asset earns its month's total return. Each fund's NAV earns
   the sleeve's *reported* return: a public proxy's return lagged ``lag_months`` and
   appraisal-smoothed (:func:`appraisal_smooth`), as private-fund statements are.
3. **Cash flows.** Each fund calls and distributes by the Takahashi–Alexander equations
   (:func:`rebal.alternatives.takahashi.ta_step`, monthly steps, the month's reported
   return as the NAV's growth). Distributions are paid into the liquid assets furthest
   below their target dollars (water-filling the shortfalls; pro rata to targets once
   none is short). Calls are paid from the reserve asset first, when there is a reserve
   rule, then by selling the other liquid assets in proportion to their holdings (the
   forced sale).
4. **Reserve** (optional). The reserve asset should hold ``reserve_coverage`` × the
   calls the model projects for the funds held over the next ``reserve_months``
   months. After the month's flows it is topped up by selling the liquid assets above
   their target dollars (pro rata to the excess; to holdings when none is above);
   distributions beyond it go to the other assets.
5. **Rebalancing the liquid part** (optional). When a non-reserve liquid asset's weight
   within the non-reserve liquid part is beyond its target ± ``liquid_band_abs``
   (:func:`rebal.policy.breach.breach_rule`, the one band rule), the liquid part is
   traded to its targets (reserve first). Private funds cannot be traded: the private
   weight ``NAV / (liquid + NAV)`` is only watched against its band.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from rebal.alternatives import (
    TA_PRESETS,
    PrivateFund,
    TAParams,
    pace,
    project,
    projected_calls,
)
from rebal.alternatives.takahashi import ta_step
from rebal.errors import ConfigError, DataError
from rebal.policy.breach import breach_rule
from rebal.types import FloatArray

__all__ = [
    "SleeveMarket",
    "SleeveResult",
    "SleeveSpec",
    "appraisal_smooth",
    "fill_shortfalls",
    "load_sleeve_market",
    "run_private_sleeve",
    "sell_pro_rata",
]

CASH = "CASH"
"""Name of the T-bill cash asset :func:`load_sleeve_market` adds."""


def appraisal_smooth(raw: FloatArray, smoothing: float) -> FloatArray:
    """Appraisal-smoothed returns: ``s_t = (1 − φ) · r_t + φ · s_{t−1}``, ``s_0 = r_0``.

    The first-order smoothing of appraisal-based returns (Geltner 1993); ``φ = 0`` is no
    smoothing. ``raw`` is ``(n,)`` periodic returns (fractions).
    """
    phi = float(smoothing)
    if not 0.0 <= phi < 1.0:
        raise ConfigError(f"smoothing must be in [0, 1), got {smoothing!r}")
    out = np.empty(len(raw))
    for k, r in enumerate(np.asarray(raw, dtype=float)):
        out[k] = r if k == 0 else (1.0 - phi) * r + phi * out[k - 1]
    return out


@dataclass(frozen=True, eq=False)
class SleeveMarket:
    """Monthly returns of the study.

    Attributes
    ----------
    months
        ``(n,)`` ``datetime64[M]``; row ``k`` holds the returns *during* that month.
    assets
        The liquid assets (e.g. ``("SPY", "AGG", "CASH")``).
    returns
        ``(n, n_assets)`` the liquid assets' monthly total returns (fractions).
    nav_returns
        ``(n,)`` the private NAV's reported monthly return (lagged, smoothed proxy).
    source
        Where the numbers come from, in words.
    """

    months: np.ndarray
    assets: tuple[str, ...]
    returns: FloatArray
    nav_returns: FloatArray
    source: str = ""


@dataclass(frozen=True)
class SleeveSpec:
    """One variant of the study (fractions, USD).

    Attributes
    ----------
    label
        Its name in tables.
    target_private, private_band_abs
        Target private weight of the total and its band's half-width.
    liquid_targets
        Weights of the non-reserve liquid assets within the non-reserve liquid part
        (summing to 1).
    liquid_band_abs
        Band half-width of the liquid rebalancing; ``None`` = never rebalance (hold).
    reserve_months, reserve_coverage, reserve_asset
        The reserve rule: ``reserve_asset`` holds ``reserve_coverage`` × the projected
        calls of the next ``reserve_months`` months; ``reserve_months = 0`` = no reserve.
    params
        Takahashi–Alexander model of the funds (calls, distribution rates, life); its
        growth is used only by pacing's forecasts (the NAV follows the proxy).
    pacing_lookahead, expected_liquid_growth
        :func:`rebal.alternatives.pace`'s look-ahead and the liquid growth it assumes.
    initial_usd
        The portfolio at the start.
    seed_vintages
        The private program at the start: funds of the ``seed_vintages`` vintages before
        the first year, equal commitments, in the state the model gives them on the start
        date, sized so the private weight starts at target.
    """

    label: str
    target_private: float = 0.20
    private_band_abs: float = 0.05
    liquid_targets: Mapping[str, float] = field(
        default_factory=lambda: {"SPY": 0.6, "AGG": 0.4})
    liquid_band_abs: float | None = 0.05
    reserve_months: int = 0
    reserve_coverage: float = 1.0
    reserve_asset: str = CASH
    params: TAParams = TA_PRESETS["buyout"]
    pacing_lookahead: int = 3
    expected_liquid_growth: float = 0.06
    initial_usd: float = 1_000_000.0
    seed_vintages: int = 4


@dataclass(frozen=True, eq=False)
class SleeveResult:
    """What happened, month by month (``(n,)`` arrays at each month's end; USD).

    Attributes
    ----------
    spec
        The variant.
    months, assets
        As the market's.
    holdings_usd
        ``(n, n_assets)`` the liquid holdings.
    private_nav_usd, unfunded_usd
        The funds' reported NAV and unfunded commitments.
    calls_usd, distributions_usd
        The month's capital calls and distributions.
    sold_for_calls_usd
        ``(n, n_assets)`` sales to pay calls (the reserve asset's spending included).
    sold_other_usd, bought_usd
        ``(n, n_assets)`` sales and purchases by rebalancing and reserve top-ups.
    reserve_required_usd
        The reserve rule's requirement after the month (0 without a rule).
    rebalanced
        ``(n,)`` bool: the liquid part was rebalanced that month.
    shortfall_usd
        Calls the liquid part could not pay (0 unless it ran out).
    commitments
        Year → commitment made that January (the seed funds under their vintages).
    start_total_usd
        The portfolio at the start.
    """

    spec: SleeveSpec
    months: np.ndarray
    assets: tuple[str, ...]
    holdings_usd: FloatArray
    private_nav_usd: FloatArray
    unfunded_usd: FloatArray
    calls_usd: FloatArray
    distributions_usd: FloatArray
    sold_for_calls_usd: FloatArray
    sold_other_usd: FloatArray
    bought_usd: FloatArray
    reserve_required_usd: FloatArray
    rebalanced: np.ndarray
    shortfall_usd: FloatArray
    commitments: dict[int, float]
    start_total_usd: float

    @property
    def liquid_usd(self) -> FloatArray:
        """``(n,)`` the liquid part."""
        return self.holdings_usd.sum(axis=1)

    @property
    def total_usd(self) -> FloatArray:
        """``(n,)`` liquid + private NAV."""
        return self.liquid_usd + self.private_nav_usd

    @property
    def private_weight(self) -> FloatArray:
        """``(n,)`` private NAV / total."""
        return self.private_nav_usd / self.total_usd

    def outside_band(self) -> np.ndarray:
        """``(n,)`` bool: the private weight outside its band, either side (the one
        breach rule)."""
        s = self.spec
        return np.array([breach_rule(w, s.target_private, s.private_band_abs)
                         for w in self.private_weight.tolist()], dtype=bool)

    def summary(self, window: tuple[str, str] = ("2008-09", "2009-03"),
                stock: str = "SPY") -> dict[str, object]:
        """The study's figures (USD, fractions; months as ``YYYY-MM``).

        ``window`` is the months (inclusive) whose stock sales count as "at the bottom".
        """
        w = self.private_weight
        outside = self.outside_band()
        above = outside & (w > self.spec.target_private)
        total = self.total_usd
        peak = np.maximum.accumulate(np.concatenate(([self.start_total_usd], total)))[1:]
        lo, hi = np.datetime64(window[0], "M"), np.datetime64(window[1], "M")
        inside = (self.months >= lo) & (self.months <= hi)
        j = self.assets.index(stock) if stock in self.assets else None
        years = len(self.months) / 12
        k_max = int(np.argmax(w))
        return {
            "label": self.spec.label,
            "max_private_weight": float(w[k_max]),
            "max_private_weight_month": str(self.months[k_max]),
            "months_outside_band": int(outside.sum()),
            "months_above_band": int(above.sum()),
            "first_month_above_band": str(self.months[np.argmax(above)]) if above.any() else None,
            "stock_sold_for_calls_usd": None if j is None else float(
                self.sold_for_calls_usd[:, j].sum()),
            "stock_sold_in_window_usd": None if j is None else float(
                (self.sold_for_calls_usd[inside, j] + self.sold_other_usd[inside, j]).sum()),
            "stock_sold_for_calls_in_window_usd": None if j is None else float(
                self.sold_for_calls_usd[inside, j].sum()),
            "stock_bought_in_window_usd": None if j is None else float(
                self.bought_usd[inside, j].sum()),
            "rebalances_in_window": int(self.rebalanced[inside].sum()),
            "calls_in_window_usd": float(self.calls_usd[inside].sum()),
            "distributions_in_window_usd": float(self.distributions_usd[inside].sum()),
            "liquid_rebalances": int(self.rebalanced.sum()),
            "calls_usd": float(self.calls_usd.sum()),
            "distributions_usd": float(self.distributions_usd.sum()),
            "shortfall_usd": float(self.shortfall_usd.sum()),
            "final_total_usd": float(total[-1]),
            "cagr": float((total[-1] / self.start_total_usd) ** (1 / years) - 1),
            "max_drawdown": float((total / peak - 1).min()),
            "commitments_usd": {str(y): float(v) for y, v in sorted(self.commitments.items())},
        }


@dataclass
class _Fund:
    vintage: int
    commitment: float
    paid_in: float
    nav: float
    distributed: float

    def age(self, year: int, month: int) -> float:
        """Years since 1 January of the vintage at the start of ``month`` of ``year``."""
        return (year - self.vintage) + (month - 1) / 12


def _seed(spec: SleeveSpec, first_year: int) -> tuple[list[_Fund], float]:
    """The starting program (see :class:`SleeveSpec`) and its NAV (USD)."""
    if spec.seed_vintages == 0:
        return [], 0.0
    unit: list[tuple[int, float, float, float]] = []
    for v in range(first_year - spec.seed_vintages, first_year):
        f = PrivateFund(id=f"seed{v}", name=f"seed {v}", asset_class="private_equity",
                        commitment_usd=1.0, vintage=v, called_usd=0.0, distributed_usd=0.0,
                        nav_usd=None, nav_as_of=None, remaining_life_years=spec.params.life_years,
                        model=spec.params)
        p = project(f, date(v, 1, 1), first_year - v, steps_per_year=12)
        unit.append((v, float(p.calls_usd.sum()), float(p.nav_usd[-1]),
                     float(p.distributions_usd.sum())))
    nav_unit = sum(u[2] for u in unit)
    k0 = spec.target_private * spec.initial_usd / nav_unit
    funds = [_Fund(v, k0, k0 * paid, k0 * nav, k0 * dist) for v, paid, nav, dist in unit]
    return funds, k0 * nav_unit


def _as_fund(f: _Fund, on: date, params: TAParams) -> PrivateFund:
    """``f`` as a :class:`PrivateFund` with its NAV as of the day before ``on`` and the
    rest of its life from ``on``."""
    fund = PrivateFund(id=f"v{f.vintage}", name=f"vintage {f.vintage}",
                       asset_class="private_equity", commitment_usd=f.commitment,
                       vintage=f.vintage, called_usd=min(f.paid_in, f.commitment),
                       distributed_usd=f.distributed, nav_usd=f.nav,
                       nav_as_of=on - timedelta(days=1), remaining_life_years=0.0,
                       model=params)
    return replace(fund, remaining_life_years=max(params.life_years - fund.age_years(on), 0.0))


def _month_after(year: int, month: int) -> date:
    """The first day of the month after ``month`` of ``year``."""
    return date(year + month // 12, month % 12 + 1, 1)


def _projected_calls(funds: list[_Fund], year: int, month: int, months: int,
                     params: TAParams) -> float:
    """Calls the model projects for ``funds`` in the ``months`` months after the end of
    ``month`` of ``year`` (:func:`rebal.alternatives.projected_calls`)."""
    start = _month_after(year, month)
    return sum(projected_calls(_as_fund(f, start, params), start, months) for f in funds)


def _target_dollars(liquid: float, reserve: float, r: int | None, weights: FloatArray,
                    ) -> FloatArray:
    """Target dollars of each liquid asset: the reserve first (capped at ``liquid``),
    the rest by ``weights`` (zero at the reserve's index)."""
    out = np.zeros(len(weights))
    rest = liquid
    if r is not None:
        out[r] = min(reserve, liquid)
        rest -= out[r]
    out += rest * weights
    return out


def fill_shortfalls(hold: FloatArray, amount: float, target: FloatArray,
                    weights: FloatArray) -> None:
    """Add ``amount`` (USD) to ``hold`` (in place) water-filling the shortfalls
    ``target − hold``: the largest are filled first, down to a common level; what is
    left after every shortfall is filled goes pro rata to ``weights``."""
    short = np.maximum(target - hold, 0.0)
    need = float(short.sum())
    if need >= amount and need > 0:
        # the common level lam with sum(max(short - lam, 0)) = amount
        levels = np.sort(short)[::-1]
        lam = 0.0
        for m in range(1, len(levels) + 1):
            lam = (float(levels[:m].sum()) - amount) / m
            if m == len(levels) or levels[m] <= lam:
                break
        hold += np.maximum(short - max(lam, 0.0), 0.0)
        return
    hold += short
    hold += (amount - need) * weights / weights.sum()


def sell_pro_rata(hold: FloatArray, amount: float, basis: FloatArray) -> FloatArray:
    """What to sell of each asset to raise ``amount`` (USD): in proportion to ``basis``
    (>= 0), never more than ``hold``; an emptied asset's share passes to the others.
    ``hold`` is not changed."""
    sold = np.zeros(len(hold))
    left = amount
    for _ in range(len(hold) + 1):  # an asset emptied hands its share to the others
        b = np.where(hold - sold > 1e-12, basis, 0.0)
        if left <= 1e-9 or b.sum() <= 0:
            break
        take = np.minimum(left * b / b.sum(), hold - sold)
        sold += take
        left -= float(take.sum())
    return sold


def run_private_sleeve(market: SleeveMarket, spec: SleeveSpec) -> SleeveResult:
    """Run one variant over ``market`` (module docstring)."""
    assets = market.assets
    n, m = market.returns.shape
    if m != len(assets) or len(market.nav_returns) != n:
        raise DataError("SleeveMarket: returns, assets and nav_returns disagree in shape")
    for a in spec.liquid_targets:
        if a not in assets:
            raise ConfigError(f"liquid_targets names {a!r}, not a liquid asset "
                              f"({', '.join(assets)})")
    if abs(sum(spec.liquid_targets.values()) - 1) > 1e-9:
        raise ConfigError("liquid_targets must sum to 1")
    r = None
    if spec.reserve_months > 0:
        if spec.reserve_asset not in assets:
            raise ConfigError(f"reserve_asset {spec.reserve_asset!r} is not a liquid asset "
                              f"({', '.join(assets)})")
        if spec.reserve_asset in spec.liquid_targets:
            raise ConfigError("reserve_asset must not be one of liquid_targets")
        r = assets.index(spec.reserve_asset)
    weights = np.array([spec.liquid_targets.get(a, 0.0) for a in assets])
    non_reserve = weights > 0
    params = spec.params

    first = market.months[0].astype(object)
    first_year = first.year
    if first.month != 1:
        raise ConfigError("the study starts in a January (commitments are yearly)")
    funds, nav0 = _seed(spec, first_year)
    commitments = {f.vintage: f.commitment for f in funds}
    liquid0 = spec.initial_usd - nav0
    reserve = (spec.reserve_coverage * _projected_calls(funds, first_year - 1, 12,
                                                        spec.reserve_months, params)
               if r is not None else 0.0)
    hold = _target_dollars(liquid0, reserve, r, weights)

    out = {k: np.zeros(n) for k in ("nav", "unfunded", "calls", "dists", "reserve", "short")}
    holdings = np.zeros((n, m))
    sold_calls = np.zeros((n, m))
    sold_other = np.zeros((n, m))
    bought = np.zeros((n, m))
    rebalanced = np.zeros(n, dtype=bool)
    for k in range(n):
        month = market.months[k].astype(object)
        year, mon = month.year, month.month
        if mon == 1:  # the year's commitment
            held = tuple(_as_fund(f, date(year, 1, 1), params) for f in funds)
            plan = pace(target_weight=spec.target_private, liquid_usd=float(hold.sum()),
                        liquid_growth=spec.expected_liquid_growth, start_year=year, years=1,
                        params=params, funds=held, lookahead_years=spec.pacing_lookahead)
            k_new = float(plan.commitments_usd[0])
            commitments[year] = k_new
            if k_new > 0:
                funds.append(_Fund(year, k_new, 0.0, 0.0, 0.0))
        hold *= 1.0 + market.returns[k]
        calls = dists = 0.0
        for f in funds:
            s = ta_step(nav=f.nav, paid_in_usd=f.paid_in, commitment_usd=f.commitment,
                        age_years=f.age(year, mon), life_years=params.life_years,
                        params=params, steps_per_year=12, growth_step=float(market.nav_returns[k]))
            f.nav, f.paid_in = s.nav_usd, s.paid_in_usd
            f.distributed += s.distribution_usd
            calls += s.call_usd
            dists += s.distribution_usd
        funds = [f for f in funds
                 if not (f.age(year, mon) >= params.life_years and f.nav <= 1e-9)]
        # distributions in, to the liquid assets furthest below their target dollars
        target = _target_dollars(float(hold.sum()) + dists - calls, reserve, r, weights)
        fill_shortfalls(hold, dists, target, np.where(non_reserve, weights, 0.0))
        # calls out: the reserve first, then the others pro rata to holdings
        paid = np.zeros(m)
        if r is not None:
            paid[r] = min(hold[r], calls)
        rest = calls - paid.sum()
        if rest > 0:
            basis = np.where(np.arange(m) == r, 0.0, hold) if r is not None else hold.copy()
            paid += sell_pro_rata(hold - paid, rest, basis)
        short = calls - float(paid.sum())
        hold -= paid
        sold_calls[k] = paid
        out["short"][k] = short if short > 1e-9 * max(calls, 1.0) else 0.0  # not float noise
        reserve = (spec.reserve_coverage * _projected_calls(funds, year, mon,
                                                            spec.reserve_months, params)
                   if r is not None else 0.0)
        liquid = float(hold.sum())
        target = _target_dollars(liquid, reserve, r, weights)
        if spec.liquid_band_abs is not None:
            rest_total = float(hold[non_reserve].sum())
            if rest_total > 0 and any(
                breach_rule(float(hold[i] / rest_total), float(weights[i]), spec.liquid_band_abs)
                for i in np.flatnonzero(non_reserve)
            ):
                sold_other[k] += np.maximum(hold - target, 0.0)
                bought[k] += np.maximum(target - hold, 0.0)
                hold[:] = target
                rebalanced[k] = True
        if r is not None and hold[r] < target[r] - 1e-9:  # top up the reserve
            need = target[r] - hold[r]
            excess = np.maximum(hold - target, 0.0)
            excess[r] = 0.0
            basis = excess if excess.sum() > 1e-9 else np.where(non_reserve, hold, 0.0)
            got = sell_pro_rata(hold, need, basis)
            hold -= got
            hold[r] += got.sum()
            sold_other[k] += got
            bought[k, r] += got.sum()
        holdings[k] = hold
        out["nav"][k] = sum(f.nav for f in funds)
        out["unfunded"][k] = sum(max(f.commitment - f.paid_in, 0.0) for f in funds
                                 if f.age(year, mon) + 1 / 12 < params.life_years)
        out["calls"][k], out["dists"][k], out["reserve"][k] = calls, dists, reserve
    return SleeveResult(
        spec=spec, months=market.months, assets=assets, holdings_usd=holdings,
        private_nav_usd=out["nav"], unfunded_usd=out["unfunded"], calls_usd=out["calls"],
        distributions_usd=out["dists"], sold_for_calls_usd=sold_calls,
        sold_other_usd=sold_other, bought_usd=bought, reserve_required_usd=out["reserve"],
        rebalanced=rebalanced,
        shortfall_usd=out["short"], commitments=commitments, start_total_usd=spec.initial_usd,
    )


def load_sleeve_market(
    data_dir: str | Path,
    *,
    start: str = "2005-01",
    end: str = "2015-12",
    liquid: tuple[str, ...] = ("SPY", "AGG"),
    extra: tuple[str, ...] = (),
    proxy: str = "IWM",
    lag_months: int = 3,
    smoothing: float = 0.7,
    warmup_months: int = 24,
) -> SleeveMarket:
    """The study's months from the shared data folder.

    Liquid assets: columns of ``derived_etf_monthly_total_returns_1993_2025.csv``
    (``liquid`` and ``extra``) plus ``CASH``, 3-month T-bills
    (``fred_rates_monthly_pct_1919_2023.csv`` TB3MS: month ``t`` earns the previous
    month's yield / 12). The private NAV's reported return in month ``t``:
    :func:`appraisal_smooth` (``smoothing``) of ``proxy``'s returns, started
    ``warmup_months`` before ``start``, taken ``lag_months`` earlier.
    """
    import pandas as pd

    folder = Path(data_dir)
    etf_file = folder / "derived_etf_monthly_total_returns_1993_2025.csv"
    fred_file = folder / "fred_rates_monthly_pct_1919_2023.csv"
    for f in (etf_file, fred_file):
        if not f.exists():
            raise DataError(f"{f}: no such file")
    etf = pd.read_csv(etf_file, index_col="Month")
    fred = pd.read_csv(fred_file, index_col="Month")
    months = pd.period_range(start, end, freq="M")
    keys = [str(p) for p in months]
    cols = [*liquid, *extra]
    missing = [c for c in [*cols, proxy] if c not in etf.columns]
    if missing:
        raise DataError(f"{etf_file}: no column {missing[0]!r}")
    block = etf.reindex(keys)[cols]
    if block.isna().to_numpy().any():
        raise DataError(f"{etf_file}: returns missing in {start}..{end} for "
                        f"{', '.join(c for c in cols if block[c].isna().any())}")
    prev = [str(p - 1) for p in months]
    tb = fred.reindex(prev)["TB3MS"]
    if tb.isna().any():
        raise DataError(f"{fred_file}: TB3MS missing in {prev[0]}..{prev[-1]}")
    cash = tb.to_numpy(dtype=float) / 100 / 12
    first = months[0] - lag_months - warmup_months
    span = [str(p) for p in pd.period_range(first, months[-1] - lag_months, freq="M")]
    raw = etf.reindex(span)[proxy]
    if raw.isna().any():
        raise DataError(f"{etf_file}: {proxy} returns missing in {span[0]}..{span[-1]}")
    smooth = appraisal_smooth(raw.to_numpy(dtype=float), smoothing)[warmup_months:]
    return SleeveMarket(
        months=np.array(keys, dtype="datetime64[M]"), assets=(*cols, CASH),
        returns=np.column_stack([block.to_numpy(dtype=float), cash]),
        nav_returns=smooth,
        source=(f"{etf_file.name} ({', '.join(cols)}; NAV: {proxy} lagged {lag_months} months, "
                f"smoothed phi={smoothing}); {fred_file.name} (TB3MS)"),
    )
