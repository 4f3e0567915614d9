"""``simulate(spec, prices, settings, strategies) -> SimulationResult``: every strategy on the
same prices and flows, their summaries and the tax alpha."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rebal.errors import ConfigError
from rebal.executor import Executor, SerialExecutor
from rebal.simulation.engine import SimSettings, StrategyRun, parse_strategies, run_strategy
from rebal.simulation.market import SimPrices
from rebal.simulation.result import SimulationResult, summarize, tax_alpha
from rebal.simulation.spec import SimulationSpec
from rebal.tax.rates import available_years, extra_years

__all__ = ["simulate"]


@dataclass(frozen=True, slots=True, eq=False)
class _StrategyJob:
    """One strategy's run, as a job of an executor (module level: it pickles). The tax
    years without a parameter file are indexed inside the job, on its worker."""

    spec: SimulationSpec
    px: SimPrices
    settings: SimSettings

    def __call__(self, name: str) -> StrategyRun:
        y0, y1 = self.px.dates[0].year, self.px.dates[-1].year
        with extra_years(range(y0, y1 + 1), self.spec.inflation):
            return run_strategy(self.spec, self.px, self.settings, name)


def simulate(spec: SimulationSpec, px: SimPrices, settings: SimSettings | None = None,
             strategies: tuple[str, ...] | str = ("planner", "naive"), *,
             n_bootstrap: int = 1000, seed: int = 0,
             executor: Executor | None = None) -> SimulationResult:
    """Run ``strategies`` on ``px`` (see :mod:`rebal.simulation.engine`), each strategy a
    job of ``executor`` (default: one after the other here; the results are the same on
    any executor).

    Raises
    ------
    ConfigError
        A misspelt strategy, or flows into an account the household does not have
        (naming the flag).
    """
    settings = settings or SimSettings()
    names = parse_strategies(strategies)
    h = spec.household
    ids = [a.id for a in h.accounts]
    if settings.contribution_account is not None and settings.contribution_account not in ids:
        raise ConfigError(f"--contribution-account: no account {settings.contribution_account!r}"
                          f" in {spec.source or 'the household'}; accounts are {', '.join(ids)}")
    y0, y1 = px.dates[0].year, px.dates[-1].year
    files = set(available_years())
    with extra_years(range(y0, y1 + 1), spec.inflation) as added:
        pass  # which years get indexed amounts (for the note); each job indexes its own
    job = _StrategyJob(spec, px, settings)
    runs = dict(zip(names, (executor or SerialExecutor()).map(job, list(names)), strict=True))
    target = np.array([t.weight for t in h.targets])
    base = runs.get("buy-and-hold")
    summaries = tuple(summarize(r, target, base if r is not base else None)
                      for r in runs.values())
    alpha = (tax_alpha(runs["planner"], runs["naive"], n_samples=n_bootstrap, seed=seed)
             if "planner" in runs and "naive" in runs else None)
    if spec.dividend_yield:
        yields = ", ".join(f"{k} {100 * v:g} %" for k, v in spec.dividend_yield.items())
        div_note = (f"dividends: yields {yields} a year, paid quarterly out of the "
                    "total-return prices, "
                    f"{'reinvested' if spec.reinvest else 'to cash'}; "
                    f"{100 * spec.qualified_share:g} % qualified")
    else:
        div_note = ("prices are total-return closes: dividends are inside them (not paid or "
                    "taxed separately)")
    notes = [div_note,
             "tax: federal (brackets, NIIT, AMT, netting, $3,000 limit, carryforwards) + flat "
             "state, by the tax engine; the portfolio's tax = the household's tax with its "
             "gains minus without; tax-deferred accounts are counted at face value"]
    if added:
        near = sorted(files)
        notes.append(f"no tax-parameter file for {', '.join(map(str, added))}: the nearest "
                     f"file ({near[0]}–{near[-1]}) with its indexed amounts moved "
                     f"{100 * spec.inflation:g} %/year (NIIT thresholds and the $3,000 limit "
                     "kept: not indexed by law)")
    acct = settings.contribution_account or next(
        (a.id for a in h.accounts if a.taxable), ids[0])
    return SimulationResult(
        household=h.name, source=spec.source or "", prices=px.source, start=px.dates[0],
        end=px.dates[-1], every=settings.every, contribution_usd=settings.contribution_usd,
        contribution_account=acct if settings.contribution_usd else None,
        flow_frequency=settings.flow_frequency, classes=tuple(t.asset_class for t in h.targets),
        target=tuple(float(x) for x in target), strategies=summaries, tax_alpha=alpha,
        notes=tuple(notes), runs=tuple(runs.values()))
