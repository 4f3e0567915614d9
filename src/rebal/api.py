"""The public Python API: one function per use case, each a thin call of its service.

Every function returns the very result object the CLI prints (``to_dict()`` is the
command's ``--json``), so a notebook and ``rebal …`` agree to the last digit. The
names are re-exported lazily by :mod:`rebal` (``rebal.compare(...)``); see
``docs/api.md``.

========================  ======================================  =====================
function                  does                                    CLI
========================  ======================================  =====================
``load_prices``           prices file or dataset → MarketData     ``--prices``
``backtest_policy``       one policy beside buy-and-hold          ``rebal backtest``
``compare``               every policy of a study                 ``rebal compare``
``sweep_study``           a study's parameter grid                ``rebal sweep``
``load_household``        household file → Household              (plan, check)
``plan``                  tax-aware trades of a household         ``rebal plan``
``check``                 drift against the bands today           ``rebal check``
``audit_trades``          realized gains, wash sales, Form 8949   ``rebal tax audit``
``estimate_tax``          a year's federal (+ state) tax          ``rebal tax estimate``
``factor_exposures``      factor loadings, exposures, style drift ``rebal factors``
========================  ======================================  =====================

Why these names and not ``rebal.backtest(...)``, ``rebal.sweep(...)``,
``rebal.tax.audit(...)``: ``rebal.backtest``, ``rebal.sweep`` and ``rebal.tax`` are
packages. A function of the same name on ``rebal`` would be replaced by the package
the moment anything imports it (Python sets the attribute on import), so what
``rebal.backtest`` is would depend on import order. Verb–object names cannot clash.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rebal.services.backtest import BacktestRun, MarketData, Policy
    from rebal.services.check import CheckResult
    from rebal.services.compare import CompareRun, Study
    from rebal.services.executor import Executor
    from rebal.services.factors import FactorsRun
    from rebal.services.monitor import MonitorRun
    from rebal.services.plan import Household, PlanRun
    from rebal.services.simulate import SimulateRun
    from rebal.services.sweep import SweepRun, SweepStudy
    from rebal.services.tax import AuditResult, TaxBreakdown, TaxHousehold, Trade

__all__ = [
    "audit_trades",
    "backtest_policy",
    "check",
    "compare",
    "estimate_tax",
    "factor_exposures",
    "load_household",
    "load_prices",
    "monitor_households",
    "plan",
    "simulate",
    "sweep_study",
]

PathLike = str | os.PathLike[str]


def _path(path: PathLike | None) -> Path | None:
    return None if path is None else Path(path)


def load_prices(path: PathLike, **options: Any) -> MarketData:
    """Prices as :class:`~rebal.data.market.MarketData`.

    Parameters
    ----------
    path
        ``"default"`` (the shipped ``us_daily``), a dataset name
        (:func:`rebal.datasets.names`), or a CSV/Parquet file (wide or long, prices or
        returns; see ``docs/data.md``).
    **options
        For a file: the options of :func:`rebal.data.loaders.load_prices` (``assets``,
        ``start``, ``end``, ``risk_free`` …).
    """
    from rebal.services.backtest import load_prices as load

    return load(path, **options)


def backtest_policy(
    prices: MarketData | PathLike,
    target: Mapping[str, float] | None = None,
    policy: Policy | str = "monthly",
    *,
    start: str | None = None,
    end: str | None = None,
    initial_usd: float = 1_000_000.0,
    cost_bps: float = 0.0,
    fixed_usd: float = 0.0,
    min_trade_usd: float = 0.0,
    contribution_usd: float = 0.0,
    flow_frequency: str | None = None,
    base: str = "USD",
    currencies: Mapping[str, str] | None = None,
    fx: str | None = None,
    fx_cost_bps: float = 0.0,
    hedge: float | Mapping[str, float] | None = None,
    hedge_band: float = 0.05,
    hedge_dynamic: bool = False,
    exposures: Mapping[str, Mapping[str, float]] | None = None,
    rates: str | None = None,
) -> BacktestRun:
    """Backtest ``policy`` on ``prices`` beside buy-and-hold (``rebal backtest``).

    Parameters
    ----------
    prices
        :class:`~rebal.data.market.MarketData`, or what :func:`load_prices` takes.
    target
        Asset → weight (fractions summing to 1); ``None`` with the shipped data:
        ``{"US_MKT": 0.6, "UST_INT": 0.4}``.
    policy
        A :class:`~rebal.policy.policy.Policy` or its short form (``"quarterly"``,
        ``"band:abs=0.05,rel=0.25"`` …; ``docs/policies.md``).
    start, end
        ``YYYY-MM-DD`` bounds of the rows used.
    initial_usd, cost_bps, fixed_usd, min_trade_usd
        Dollars invested at the first close; proportional cost (basis points of each
        trade); dollars per trade; smallest rebalance trade (dollars).
    contribution_usd, flow_frequency
        Cash flow per period (dollars, + in / − out) and its period.
    base, currencies, fx, fx_cost_bps, hedge, hedge_band, hedge_dynamic, exposures, rates
        Columns in other currencies (column → ISO code) converted to ``base`` at the FX
        file's (default: the shipped ECB) daily rates, the conversion cost (bps), and the
        hedge overlay (``.hedge``; ``docs/currency.md``).

    Returns
    -------
    BacktestRun
        ``.result`` and ``.baseline`` (:class:`~rebal.backtest.results.BacktestResult`),
        ``.metrics`` versus buy-and-hold.
    """
    from rebal.services.backtest import (
        BacktestRequest,
        MarketData,
        backtest,
        backtest_currency_market,
        pick_target,
    )

    money = dict(base=base, currencies=currencies, fx=fx, fx_cost_bps=fx_cost_bps, hedge=hedge,
                 hedge_band=hedge_band, hedge_dynamic=hedge_dynamic, exposures=exposures,
                 rates=rates)
    if not isinstance(prices, MarketData):
        if isinstance(policy, str):  # all plain data: the CLI's own request
            return backtest(BacktestRequest(
                prices=os.fspath(prices), target=target, policy=policy, start=start, end=end,
                initial_usd=initial_usd, cost_bps=cost_bps, fixed_usd=fixed_usd,
                min_trade_usd=min_trade_usd, contribution_usd=contribution_usd,
                flow_frequency=flow_frequency, **money,  # type: ignore[arg-type]
            ))
        prices = load_prices(prices)
    market = prices.between(start, end) if (start or end) else prices
    return backtest_currency_market(
        market, pick_target(market, target, option="target"), policy,
        initial_usd=initial_usd, cost_bps=cost_bps, fixed_usd=fixed_usd,
        min_trade_usd=min_trade_usd,
        contribution_usd=contribution_usd, flow_frequency=flow_frequency or "monthly",
        **money,  # type: ignore[arg-type]
    )


def compare(
    study: Study | PathLike,
    *,
    overrides: Mapping[str, str] | None = None,
    bootstrap_samples: int = 0,
    seed: int = 0,
    report: PathLike | None = None,
    executor: Executor | None = None,
) -> CompareRun:
    """Every policy of a study side by side, plus buy-and-hold (``rebal compare``).

    Parameters
    ----------
    study
        A study file (YAML; ``docs/policies.md``) or a loaded
        :class:`~rebal.studies.load.Study`.
    overrides
        Dotted keys replacing the file's values (``{"data.start": "2010-01-01"}``).
    bootstrap_samples, seed
        Paired stationary-bootstrap resamples for each alpha's 90 % interval (0: none).
    report
        Also write the HTML report here.
    executor
        Where the policies run (:mod:`rebal.executor`; default serially).

    Returns
    -------
    CompareRun
        ``.result`` (:class:`~rebal.studies.result.StudyResult`), ``.intervals``,
        ``.report``.
    """
    from rebal.services.compare import compare_study
    from rebal.studies.load import load_study

    if isinstance(study, str | os.PathLike):
        study = load_study(study, overrides=dict(overrides or {}))
    return compare_study(study, bootstrap_samples=bootstrap_samples, seed=seed,
                         report=_path(report), executor=executor)


def sweep_study(
    study: SweepStudy | PathLike,
    *,
    overrides: Mapping[str, str] | None = None,
    n_threads: int | None = None,
    report: PathLike | None = None,
) -> SweepRun:
    """Every point of a study's ``sweep:`` grid, with its walk-forward and bootstrap
    sections when given (``rebal sweep``; ``docs/sweeps.md``).

    Returns
    -------
    SweepRun
        ``.result`` (:class:`~rebal.sweep.study.SweepResult`: ``rows()``, ``best`` …),
        ``.report``.
    """
    from rebal.services.sweep import sweep_study as run_loaded
    from rebal.sweep.study import load_sweep

    if isinstance(study, str | os.PathLike):
        study = load_sweep(study, overrides=dict(overrides or {}))
    return run_loaded(study, n_threads=n_threads, report=_path(report))


def load_household(path: PathLike, *, base: str | None = None,
                   fx: PathLike | None = None) -> Household:
    """A household file (YAML/JSON; ``docs/household.md``), validated; ``base`` shows
    values in that currency and ``fx`` converts with that FX table (``--base``, ``--fx``)."""
    from rebal.services.plan import load_household as load

    return load(Path(path), base=base, fx=None if fx is None else _path(fx))


def plan(
    household: Household | PathLike,
    *,
    mode: str = "balanced",
    tax_budget_usd: float | None = None,
    min_trade_usd: float = 100.0,
    months: int = 0,
    monthly_contribution_usd: float = 0.0,
    orders: PathLike | None = None,
    report: PathLike | None = None,
) -> PlanRun:
    """The trades that bring a household back to target at the least tax (``rebal plan``).

    Parameters
    ----------
    household
        A :class:`~rebal.household.model.Household` or its file.
    mode
        ``balanced``, ``tax_budget`` (with ``tax_budget_usd``, dollars), ``tax_free`` or
        ``full_rebalance``.
    min_trade_usd
        Smallest order, dollars (or one share where whole shares are traded).
    months, monthly_contribution_usd
        Also a schedule over this many months with this much new money a month.
    orders, report
        Also write broker orders (CSV) and the HTML report here.

    Returns
    -------
    PlanRun
        ``.plan`` (:class:`~rebal.planner.TradePlan`), ``.schedule``, ``.orders``,
        ``.report``.
    """
    from rebal.services.plan import load_household as load
    from rebal.services.plan import plan_household

    if isinstance(household, str | os.PathLike):
        household = load(os.fspath(household))
    return plan_household(household, mode=mode, tax_budget_usd=tax_budget_usd,
                          min_trade_usd=min_trade_usd, months=months,
                          monthly_contribution_usd=monthly_contribution_usd,
                          orders=_path(orders), report=_path(report))


def check(household: Household | PathLike) -> CheckResult:
    """Drift of each class and tier against its band today (``rebal check``;
    ``.exit_code`` 0 = within bands, 10 = action needed)."""
    from rebal.services.check import CheckRequest, check_household
    from rebal.services.check import check as run

    if isinstance(household, str | os.PathLike):
        return run(CheckRequest(household=os.fspath(household)))
    return check_household(household)


def audit_trades(
    trades: PathLike | Iterable[Trade], household: PathLike | Household | TaxHousehold
) -> AuditResult:
    """Realized gains of a trade history: every sale lot by lot, wash sales across all
    accounts, Form 8949 lines, totals by year (``rebal tax audit``).

    Parameters
    ----------
    trades
        A trade history CSV (``docs/tax_lots_washsales.md``) or loaded trades.
    household
        A tax settings file or a full household file (accounts, wash-sale groups), or a
        loaded :class:`~rebal.household.model.Household` or
        :class:`~rebal.tax.history.TaxHousehold`.
    """
    from rebal.services.tax import AuditRequest, audit, audit_loaded

    if isinstance(trades, str | os.PathLike) and isinstance(household, str | os.PathLike):
        return audit(AuditRequest(trades=os.fspath(trades), household=os.fspath(household)))
    return audit_loaded(trades, household)


def estimate_tax(
    year: int = 2025,
    status: str = "single",
    *,
    income: float = 0.0,
    qualified_dividends: float = 0.0,
    st: float = 0.0,
    lt: float = 0.0,
    st_carryforward: float = 0.0,
    lt_carryforward: float = 0.0,
    investment_income: float = 0.0,
    state_rate: float = 0.0,
) -> TaxBreakdown:
    """A year's federal (and flat state) tax (``rebal tax estimate``): dollars, except
    ``state_rate`` (a fraction); ``st``/``lt`` net gains (negative: losses)."""
    from rebal.services.tax import EstimateRequest, estimate

    return estimate(EstimateRequest(
        year=year, status=status, income=income, qualified_dividends=qualified_dividends,
        st=st, lt=lt, st_carryforward=st_carryforward, lt_carryforward=lt_carryforward,
        investment_income=investment_income, state_rate=state_rate,
    ))


def factor_exposures(
    factors: PathLike,
    prices: PathLike = "default",
    target: Mapping[str, float] | None = None,
    *,
    table: str | None = None,
    use: Iterable[str] | None = None,
    window: int = 36,
    bands: Mapping[str, float] | None = None,
    policy: str = "buy-and-hold",
    start: str | None = None,
    end: str | None = None,
) -> FactorsRun:
    """Rolling factor loadings of each asset (β, standard errors, R²), the portfolio's
    exposures over time and its style drift against ``bands`` (``rebal factors``).

    Parameters
    ----------
    factors
        A French-library file (``.csv``/``.zip``) or a shipped one (``us_ff3_monthly``,
        ``us_ff3_mom_monthly``); its frequency must be the prices'.
    prices
        ``"default"``, a dataset name or a prices file.
    target
        Asset → weight (fractions summing to 1); ``None`` = equal weights.
    table, use, window
        The file's table, the regression's factors, rows per regression.
    bands
        Factor → half-width of the style drift, in loading units (``{"HML": 0.1}``).
    policy
        The policy whose portfolio's drift is measured (short form; costless).
    start, end
        ``YYYY-MM-DD`` bounds of the price rows.
    """
    from rebal.services.factors import FactorsRequest
    from rebal.services.factors import factors as run

    return run(FactorsRequest(
        factors=os.fspath(factors), prices=os.fspath(prices),
        target=None if target is None else dict(target), table=table,
        use=None if use is None else tuple(use), window=window,
        bands=None if bands is None else dict(bands), policy=policy, start=start, end=end,
    ))


def simulate(
    household: PathLike,
    prices: PathLike = "default",
    *,
    start: str | None = None,
    end: str | None = None,
    every: str = "month",
    strategies: str = "planner,naive,per-account-calendar,buy-and-hold",
    contribution_usd: float = 0.0,
    contribution_account: str | None = None,
    flow_frequency: str = "month",
    bootstrap: int = 1000,
    report: PathLike | None = None,
    executor: str | None = None,
) -> SimulateRun:
    """A household run through history by the planner and its baselines (``rebal
    simulate``, ``docs/simulate.md``): after-tax CAGRs, taxes per year and the tax alpha
    with its bootstrap interval.

    Parameters
    ----------
    household
        A simulation file (a household file with a ``simulation:`` section).
    prices
        ``"default"``, a dataset name or a prices file.
    start, end
        ``YYYY-MM-DD`` bounds (default: the file's).
    every
        Decision frequency: ``month``, ``quarter`` or ``year``.
    strategies
        Comma-separated strategy names.
    contribution_usd, contribution_account, flow_frequency
        New money per flow period in dollars (negative: withdrawal), where, how often.
    bootstrap
        Resamples of the tax-alpha interval (0: none).
    report
        Where to write the HTML report.
    executor
        ``serial``, ``processes`` or ``dask`` for the strategies (``None``: serial).
    """
    from rebal.services.executor import ExecutorSpec
    from rebal.services.simulate import SimulateRequest
    from rebal.services.simulate import simulate as run

    return run(SimulateRequest(
        household=str(household), prices=str(prices), start=start, end=end, every=every,
        strategies=strategies, contribution_usd=contribution_usd,
        contribution_account=contribution_account, flow_frequency=flow_frequency,
        bootstrap=bootstrap, report=None if report is None else str(report),
        executor=ExecutorSpec.parse(executor, env={})))


def monitor_households(
    *households: PathLike,
    db: str | None = None,
    names: Iterable[str] = (),
    all_: bool = False,
    notify: str | None = None,
) -> MonitorRun:
    """What needs attention today (``rebal monitor``, ``docs/monitor.md``): household
    files given, or the store's households (``db``; ``names`` to choose some; ``all_`` to
    evaluate unchanged ones too). ``.exit_code`` is 0, 10 (action needed) or 2."""
    from rebal.services.monitor import MonitorRequest
    from rebal.services.monitor import monitor as run

    return run(MonitorRequest(households=tuple(str(h) for h in households),
                              names=tuple(names), db=db, all_=all_, notify=notify))
