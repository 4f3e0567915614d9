"""Running a study: every policy (and the buy-and-hold baseline) backtested on its data.

Each policy is one independent job (:func:`run_policy`), mapped by an
:class:`rebal.executor.Executor` (serial by default; local processes pickle the job).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rebal.backtest import run_backtest
from rebal.backtest.results import BacktestResult
from rebal.errors import ConfigError, DataError
from rebal.executor import Executor, SerialExecutor
from rebal.metrics import window_return
from rebal.policy.kinds import PolicyKind, kind_of
from rebal.policy.policy import Policy
from rebal.studies.load import Study
from rebal.studies.result import PolicyOutcome, StudyResult

if TYPE_CHECKING:
    from rebal.backtest.taxable.results import TaxableBacktestResult
    from rebal.currency import HedgeResult

__all__ = ["BASELINE_NAME", "PolicyJob", "PolicyRun", "Progress", "is_buy_and_hold",
           "run_policy", "run_study"]

BASELINE_NAME = "buy-and-hold (baseline)"
"""The name of the baseline a study adds when it lists no buy-and-hold policy."""

Progress = Callable[[int, int, str], None]
"""``progress(done, total, policy_name)`` after each backtest."""


def is_buy_and_hold(policy: Policy) -> bool:
    """Whether ``policy`` is plain buy-and-hold (recognised by its kind, not its name):
    the baseline every alpha is measured against."""
    return kind_of(policy) is PolicyKind.BUY_AND_HOLD


@dataclass(frozen=True, slots=True)
class PolicyJob:
    """One policy of a study to run (picklable: the study's arrays travel with it)."""

    study: Study
    name: str
    policy: Policy


@dataclass(frozen=True, slots=True)
class PolicyRun:
    """:func:`run_policy`'s answer: the pre-tax result and, with ``tax:``, the after-tax one;
    with ``hedge:``, the hedge overlay over the pre-tax holdings."""

    name: str
    result: BacktestResult
    tax_result: TaxableBacktestResult | None
    hedge: HedgeResult | None = None


def run_policy(job: PolicyJob) -> PolicyRun:
    """Backtest one policy of a study (pre-tax, and after tax when the study has ``tax:``).

    Raises
    ------
    ConfigError, DataError
        Prefixed with ``policies["<name>"]:``.
    """
    study, name, policy = job.study, job.name, job.policy
    try:
        result = run_backtest(
            study.market, study.target, policy, initial_usd=study.initial_usd,
            costs=study.costs, cash_flows=study.cash_flows,
        )
        taxed = None if study.tax is None else _run_taxable(study, policy, result)
        hedged = None
        if study.hedge is not None:
            from rebal.currency import run_overlay

            h = study.hedge
            hedged = run_overlay(result, h.spec, h.fx, short_rates=h.short_rates)
    except (ConfigError, DataError) as exc:
        raise type(exc)(f'policies["{name}"]: {exc}') from None
    return PolicyRun(name=name, result=result, tax_result=taxed, hedge=hedged)


def _run_taxable(study: Study, policy: Policy, pre_tax: BacktestResult) -> TaxableBacktestResult:
    """The after-tax run of ``policy``; its ``pre_tax`` is the study's own run (same
    rows, target, costs and initial dollars, hence what ``with_pre_tax`` would give)."""
    from rebal.backtest.taxable.simulator import run_taxable_backtest

    t = study.tax
    assert t is not None
    res = run_taxable_backtest(
        t.market, study.target, policy, tax=t.settings, harvest=t.harvest,
        accounts=t.accounts, initial_usd=study.initial_usd, costs=t.costs, with_pre_tax=False,
    )
    return replace(res, pre_tax=pre_tax)


def run_study(
    study: Study, *, progress: Progress | None = None, executor: Executor | None = None
) -> StudyResult:
    """Backtest every policy of ``study`` (and the buy-and-hold baseline).

    Parameters
    ----------
    study
        From :func:`rebal.studies.load.load_study`.
    progress
        Called as ``progress(done, total, name)`` after each backtest.
    executor
        Where the policies run (default :class:`rebal.executor.SerialExecutor`).
    """
    listed_bh = next((n for n, p in study.policies if is_buy_and_hold(p)), None)
    jobs = [PolicyJob(study, name, policy) for name, policy in study.policies]
    if listed_bh is None:
        jobs.insert(0, PolicyJob(study, BASELINE_NAME, Policy.buy_and_hold(BASELINE_NAME)))
    step = None
    if progress is not None:
        def step(done: int, total: int, index: int) -> None:
            progress(done, total, jobs[index].name)

    runs = (executor or SerialExecutor()).map(run_policy, jobs, progress=step)
    results = {r.name: r.result for r in runs}
    taxed = {r.name: r.tax_result for r in runs if r.tax_result is not None}
    hedges = {r.name: r.hedge for r in runs if r.hedge is not None}
    base_name = listed_bh or jobs[0].name
    base_result = results[base_name]

    def outcome(name: str, benchmark: BacktestResult | None) -> PolicyOutcome:
        res = results[name]
        rets = res.returns[1:]
        periods = {
            p.name: float(window_return(rets, res.dates, p.start, p.end)) for p in study.periods
        }
        tres = taxed.get(name)
        return PolicyOutcome(
            name=name, result=res, metrics=res.metrics(benchmark), periods=periods,
            tax_result=tres,
            tax_metrics=None if tres is None else tres.metrics(taxed[base_name]),
            hedge=hedges.get(name),
        )

    outcomes = tuple(outcome(n, base_result) for n, _ in study.policies)
    baseline = next((o for o in outcomes if o.name == base_name), None) or outcome(
        base_name, base_result
    )
    return StudyResult(study=study, outcomes=outcomes, baseline=baseline)
