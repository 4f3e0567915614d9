"""Commitment pacing: how much to commit to new private funds each year to reach, and
then hold, a target private allocation.

The portfolio is simulated in annual steps with the Takahashi–Alexander model
(:mod:`rebal.alternatives.takahashi`, ``steps_per_year = 1``): each year the liquid part
grows by ``liquid_growth``, pays the year's capital calls and receives its distributions
(``liquid_t = liquid_{t−1} · (1 + g) − calls_t + distributions_t + contribution``); the
private part is the funds' NAV. Total = liquid + private NAV.

The solve, at the start of each year ``y`` (a closed form, no search): commit ``K_y`` to a
new fund of vintage ``y`` (model ``params``, life ``params.life_years``), where ``K_y`` is
the amount which, committed in ``y`` and again in each year up to the aim year
``y + lookahead_years − 1``, makes the private weight ``NAV / total`` at the end of the aim
year equal the target, counting every fund held and every earlier commitment. (Assuming
the same pace in the years up to the aim keeps the plan from overshooting: the years after
``y`` will commit too.) The model is linear in a new fund's commitment (its calls,
distributions and NAV are ``K ×`` those of a fund of 1 USD), so with ``N0, T0`` the private
NAV and total at the aim without ``K_y`` and ``n, t`` their change per dollar committed in
each year ``y … aim``,

    K_y = (w · T0 − N0) / (n − w · t),

floored at 0 (the target is already reached or passed: commit nothing — the plan says
so) and capped at ``max_commitment_usd``. Re-solving each year holds the target as funds
distribute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from rebal import checks
from rebal.alternatives.fund import PrivateFund
from rebal.alternatives.params import TAParams
from rebal.alternatives.takahashi import project
from rebal.errors import ConfigError
from rebal.types import FloatArray

__all__ = ["PacingPlan", "PacingYear", "pace"]


@dataclass(frozen=True)
class PacingYear:
    """One year of a pacing plan; the state at the year's end (USD, fractions).

    Attributes
    ----------
    year
        Calendar year.
    commitment_usd
        New commitment made at the start of the year (vintage ``year``).
    calls_usd, distributions_usd
        Capital called and distributed during the year (all funds).
    private_nav_usd, unfunded_usd
        The private funds' NAV and unfunded commitments at the year's end.
    liquid_usd, total_usd
        The liquid part and liquid + private NAV at the year's end.
    private_weight
        ``private_nav_usd / total_usd``.
    why
        Why the commitment is what it is, in words.
    """

    year: int
    commitment_usd: float
    calls_usd: float
    distributions_usd: float
    private_nav_usd: float
    unfunded_usd: float
    liquid_usd: float
    total_usd: float
    private_weight: float
    why: str


@dataclass(frozen=True)
class PacingPlan:
    """The commitments by year and the simulated portfolio (see :func:`pace`)."""

    target_weight: float
    liquid_growth: float
    lookahead_years: int
    params: TAParams
    years: tuple[PacingYear, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def commitments_usd(self) -> FloatArray:
        """``(n_years,)`` the commitment of each year (USD)."""
        return np.array([y.commitment_usd for y in self.years])


@dataclass
class _Flows:
    """Annual flows of the whole program over the horizon (index 0 = the first year)."""

    calls: FloatArray
    dists: FloatArray
    nav: FloatArray
    unfunded: FloatArray

    @classmethod
    def zeros(cls, n: int) -> _Flows:
        return cls(np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n))

    def add(self, other: _Flows, scale: float = 1.0, offset: int = 0) -> None:
        self.calls[offset:] += scale * other.calls[: len(self.calls) - offset]
        self.dists[offset:] += scale * other.dists[: len(self.dists) - offset]
        self.nav[offset:] += scale * other.nav[: len(self.nav) - offset]
        self.unfunded[offset:] += scale * other.unfunded[: len(self.unfunded) - offset]


def _liquid_path(liquid0: float, growth: float, contribution: float, flows: _Flows) -> FloatArray:
    out = np.empty(len(flows.calls))
    liquid = liquid0
    for k in range(len(out)):
        liquid = liquid * (1.0 + growth) - flows.calls[k] + flows.dists[k] + contribution
        out[k] = liquid
    return out


def pace(
    *,
    target_weight: float,
    liquid_usd: float,
    liquid_growth: float,
    start_year: int,
    years: int,
    params: TAParams,
    funds: tuple[PrivateFund, ...] = (),
    lookahead_years: int = 3,
    contribution_usd: float = 0.0,
    max_commitment_usd: float | None = None,
) -> PacingPlan:
    """Commitments by year that reach and hold ``target_weight`` (module docstring).

    Parameters
    ----------
    target_weight
        Target private weight of the total (a fraction in (0, 1)).
    liquid_usd
        The liquid portfolio at the start of ``start_year`` (USD, > 0).
    liquid_growth
        Its expected annual return (fraction, > −1).
    start_year, years
        The first year and how many years to plan.
    params
        Model of the new commitments (e.g. ``TA_PRESETS["buyout"]``).
    funds
        Funds already held (projected from 1 January ``start_year`` with their own
        models; their NAV counts from the start).
    lookahead_years
        The year, counted from the commitment's, whose end weight the solve aims at (>= 1).
    contribution_usd
        Net money added to the liquid part at each year's end (USD; negative = spending).
    max_commitment_usd
        A cap on each year's commitment (``None``: no cap).
    """
    w = checks.positive("target_weight", target_weight, below_one=True)
    liquid0 = checks.positive("liquid_usd", liquid_usd)
    g = checks.as_number("liquid_growth", liquid_growth)
    if not np.isfinite(g) or g <= -1:
        raise ConfigError(f"liquid_growth must be > -1, got {liquid_growth!r}")
    n_years = checks.positive_int("years", years)
    ahead = checks.positive_int("lookahead_years", lookahead_years)
    contribution = checks.as_number("contribution_usd", contribution_usd)
    cap = (np.inf if max_commitment_usd is None
           else checks.non_negative("max_commitment_usd", max_commitment_usd))
    horizon = n_years + ahead
    first = date(start_year, 1, 1)

    held = _Flows.zeros(horizon)
    for fund in funds:
        p = project(fund, first, horizon, steps_per_year=1)
        held.add(_Flows(p.calls_usd, p.distributions_usd, p.nav_usd, p.unfunded_usd))
    unit_fund = PrivateFund(id="new", name="new commitment", asset_class="pacing",
                            commitment_usd=1.0, vintage=start_year, called_usd=0.0,
                            distributed_usd=0.0, nav_usd=None, nav_as_of=None,
                            remaining_life_years=params.life_years, model=params)
    u = project(unit_fund, first, horizon, steps_per_year=1)
    unit = _Flows(u.calls_usd, u.distributions_usd, u.nav_usd, u.unfunded_usd)
    unit_liquid = _liquid_path(0.0, g, 0.0, unit)  # liquid change per dollar committed

    program = _Flows.zeros(horizon)
    program.add(held)
    commitments = np.zeros(n_years)
    whys: list[str] = []
    for y in range(n_years):
        aim = y + ahead - 1  # index of the year-end the solve aims at
        liquid = _liquid_path(liquid0, g, contribution, program)
        n0, t0 = program.nav[aim], liquid[aim] + program.nav[aim]
        # the same commitment in this year and each later year up to the aim
        dn = float(sum(unit.nav[ahead - 1 - s] for s in range(ahead)))
        dt = float(sum(unit_liquid[ahead - 1 - s] for s in range(ahead))) + dn
        denom = dn - w * dt
        gap = w * t0 - n0
        aim_year = start_year + aim
        if denom <= 0:
            k = 0.0
            why = (f"a new fund adds no weight by the end of {aim_year} under this model; "
                   "nothing committed")
        elif gap <= 0:
            k = 0.0
            why = (f"funds held and committed already reach {n0 / t0:.1%} by the end of "
                   f"{aim_year} (target {w:.1%}); nothing committed")
        else:
            k = gap / denom
            why = (f"brings the private weight to {w:.1%} by the end of {aim_year}"
                   if ahead == 1 else
                   f"committed each year to {aim_year}, brings the private weight to "
                   f"{w:.1%} by the end of {aim_year}")
            if k > cap:
                k = float(cap)
                why = (f"capped at {cap:,.0f}; the solve asked {gap / denom:,.0f} to reach "
                       f"{w:.1%} by the end of {aim_year}")
        commitments[y] = k
        whys.append(why)
        program.add(unit, scale=k, offset=y)

    liquid = _liquid_path(liquid0, g, contribution, program)
    rows = []
    notes = []
    for y in range(n_years):
        total = liquid[y] + program.nav[y]
        if liquid[y] < 0:
            notes.append(f"{start_year + y}: calls exceed the liquid part by "
                         f"{-liquid[y]:,.0f} USD; the plan cannot be paid as modelled")
        rows.append(PacingYear(
            year=start_year + y, commitment_usd=float(commitments[y]),
            calls_usd=float(program.calls[y]), distributions_usd=float(program.dists[y]),
            private_nav_usd=float(program.nav[y]), unfunded_usd=float(program.unfunded[y]),
            liquid_usd=float(liquid[y]), total_usd=float(total),
            private_weight=float(program.nav[y] / total) if total > 0 else float("nan"),
            why=whys[y],
        ))
    return PacingPlan(target_weight=w, liquid_growth=g, lookahead_years=ahead, params=params,
                      years=tuple(rows), notes=tuple(notes))
