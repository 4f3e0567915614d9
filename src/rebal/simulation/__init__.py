"""Household simulation: the tax-aware planner and its baselines run over history.

Public API::

    load_simulation(path) -> SimulationSpec
    load_sim_prices(spec, prices) -> SimPrices
    simulate(spec, prices, settings, strategies) -> SimulationResult

See docs/simulate.md.
"""

from rebal.simulation.engine import STRATEGIES, SimSettings, StrategyRun, YearRow, run_strategy
from rebal.simulation.market import SimPrices, load_sim_prices, sim_prices
from rebal.simulation.result import SimulationResult, StrategySummary, TaxAlpha
from rebal.simulation.run import simulate
from rebal.simulation.spec import SimulationSpec, load_simulation, simulation_from_dict

__all__ = [
    "STRATEGIES",
    "SimPrices",
    "SimSettings",
    "SimulationResult",
    "SimulationSpec",
    "StrategyRun",
    "StrategySummary",
    "TaxAlpha",
    "YearRow",
    "load_sim_prices",
    "load_simulation",
    "run_strategy",
    "sim_prices",
    "simulate",
    "simulation_from_dict",
]
