"""Service ``simulate``: a household run through history by the planner and its baselines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from rebal.errors import ConfigError
from rebal.executor import ExecutorSpec

__all__ = ["SimulateRequest", "SimulateRun", "simulate"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulateRequest:
    """What to simulate, as plain data (the flags of ``rebal simulate``).

    Attributes
    ----------
    household
        Path of the simulation file (a household file with a ``simulation:`` section).
    prices
        ``default``, a dataset name or a price file.
    start, end
        ISO dates overriding the file's (``None``: the file's).
    every
        Decision frequency: ``month``, ``quarter`` or ``year``.
    strategies
        Comma-separated names (``planner,naive,per-account-calendar,buy-and-hold``).
    contribution_usd, contribution_account, flow_frequency
        New money per flow period, dollars (negative: withdrawal), where and how often.
    bootstrap
        Resamples of the tax-alpha interval (0: none).
    report
        Where to write the HTML report (``None``: not written).
    executor
        Where the strategies run, one job each (``None``: one after the other here):
        ``serial``, ``processes`` or ``dask`` (not ``threads``: the tax years indexed
        for a run are process-wide).
    """

    household: str
    prices: str = "default"
    start: str | None = None
    end: str | None = None
    every: str = "month"
    strategies: str = "planner,naive,per-account-calendar,buy-and-hold"
    contribution_usd: float = 0.0
    contribution_account: str | None = None
    flow_frequency: str = "month"
    bootstrap: int = 1000
    report: str | None = None
    executor: ExecutorSpec | None = None


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class SimulateRun:
    """The result and the report written."""

    result: Any
    report: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        """``rebal simulate --json``."""
        return dict(self.result.to_dict())


def _day(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{flag}: must be a date YYYY-MM-DD, got {text!r}") from None


def simulate(request: SimulateRequest) -> SimulateRun:
    """Load the file and the prices, run the strategies, write the report when asked.

    Every input is checked (strategies, flags, the report's folder) before any run."""
    from rebal.simulation import SimSettings, load_sim_prices, load_simulation
    from rebal.simulation import simulate as run
    from rebal.simulation.engine import parse_strategies

    names = parse_strategies(request.strategies)
    settings = SimSettings(every=request.every, contribution_usd=request.contribution_usd,
                           contribution_account=request.contribution_account,
                           flow_frequency=request.flow_frequency)
    if request.bootstrap < 0:
        raise ConfigError(f"--bootstrap must be >= 0, got {request.bootstrap}")
    if request.report is not None:
        folder = Path(request.report).parent
        if not folder.exists():
            raise ConfigError(f"--report {request.report}: folder {folder} does not exist")
    spec = load_simulation(request.household)
    ids = [a.id for a in spec.household.accounts]
    if settings.contribution_account is not None and settings.contribution_account not in ids:
        raise ConfigError(f"--contribution-account: no account {settings.contribution_account!r}"
                          f" in {request.household}; accounts are {', '.join(ids)}")
    px = load_sim_prices(spec, request.prices, start=_day(request.start, "--start"),
                         end=_day(request.end, "--end"))
    from rebal.executor import ExecutorKind, open_executor

    if request.executor is not None and request.executor.kind is ExecutorKind.THREADS:
        raise ConfigError("--executor threads: a simulation's strategies run in processes "
                          "(serial, processes or dask), as each indexes tax years process-wide")
    with open_executor(request.executor, preload=("rebal.simulation",)) as ex:
        result = run(spec, px, settings, names, n_bootstrap=request.bootstrap, executor=ex)
    path = None
    if request.report is not None:
        from rebal.reports.simulation import simulation_report

        path = simulation_report(result, request.report)
    return SimulateRun(result=result, report=path)
