"""Invariants on generated households (a few Hypothesis examples over 2001-2002 of the
default data, a falling market with harvests and washes): cash never below the reserve
after a decision day's trades, no negative lot, basis conserved, and `rebal tax audit` of
the planner's whole history finds no disallowed loss."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rebal.datasets import resolve_prices
from rebal.simulation import SimSettings, simulate, simulation_from_dict
from rebal.simulation.market import sim_prices
from rebal.tax.ledger import audit
from rebal.types import Side
from sim_households import small_dict

_MARKET = resolve_prices("default")


@st.composite
def households(draw):  # type: ignore[no-untyped-def]
    data = small_dict()
    data["simulation"]["end"] = "2002-12-31"
    w = draw(st.sampled_from([0.4, 0.5, 0.6, 0.7]))
    data["targets"]["classes"] = {"stocks": {"weight": w}, "bonds": {"weight": round(1 - w, 2)}}
    lots = data["lots"]
    lots[0]["quantity"] = draw(st.integers(200, 3000))
    lots[1]["quantity"] = draw(st.integers(100, 1500))
    data["accounts"][0]["cash_usd"] = draw(st.sampled_from([1000, 5000, 20000]))
    data["accounts"][0]["whole_shares"] = draw(st.booleans())
    data["household"]["ordinary_income_usd"] = draw(st.sampled_from([30000, 120000, 400000]))
    every = draw(st.sampled_from(["month", "quarter"]))
    flow = draw(st.sampled_from([0.0, 1000.0, -500.0]))
    return data, every, flow


@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(households())
def test_generated_household_invariants(case) -> None:  # type: ignore[no-untyped-def]
    data, every, flow = case
    spec = simulation_from_dict(data, source="generated")
    px = sim_prices(spec, _MARKET)
    res = simulate(spec, px, SimSettings(every=every, contribution_usd=flow),
                   ("planner", "naive"), n_bootstrap=0)
    reserve = {a.id: a.min_cash_usd for a in spec.household.accounts}
    taxable = {a.id for a in spec.household.accounts if a.taxable}
    for run in res.runs:
        cash = {a.id: a.cash_usd for a in spec.household.accounts}
        by_day: dict = {}
        for t in run.trades[run.opening_trades:]:
            by_day.setdefault(t.date, []).append(t)
        for row, day in enumerate(run.dates):
            cash["taxable"] += run.flows_external[row] - run.tax_paid[row]
            for t in by_day.get(day, []):
                v = t.quantity * t.price_usd
                cash[t.account] += (-v - t.fees) if t.side is Side.BUY else (v - t.fees)
            if by_day.get(day):
                assert all(c >= reserve[a] - 0.01 for a, c in cash.items()), (run.strategy, day)
        assert all(lot.quantity > 0 and lot.basis_usd >= 0 for lot in run.audit.open_lots)
        bought = sum(t.quantity * t.price_usd + t.fees for t in run.trades
                     if t.side is Side.BUY and t.account in taxable)
        disposed = [d for d in run.audit.dispositions if d.account in taxable]
        assert abs(bought - sum(lot.basis_usd for lot in run.audit.open_lots
                                if lot.account in taxable)
                   - sum(d.basis_usd for d in disposed)
                   + sum(d.disallowed_usd for d in disposed)) < 0.01
    planner = next(r for r in res.runs if r.strategy == "planner")
    found = audit(planner.trades, list(spec.household.accounts), planner.audit.settings)
    assert sum(d.disallowed_usd for d in found.dispositions) == 0.0
