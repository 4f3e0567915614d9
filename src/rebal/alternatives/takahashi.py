"""The Takahashi–Alexander ("Yale") model of a private fund's cash flows.

Takahashi, D. and Alexander, S. (2002), "Illiquid Alternative Asset Fund Modeling",
*The Journal of Portfolio Management* 28(2), 90–100 (Yale University Investments Office).
In fund year ``t = 1, 2, …`` (year 1 begins at inception) with commitment ``CC``:

- calls          ``C_t = RC_t · (CC − PIC_{t−1})``  (``PIC`` = paid-in capital to date);
- distributions  ``D_t = RD_t · NAV_{t−1} · (1 + G)`` with
  ``RD_t = max(Y, (t / L)^B)`` (the published form: the yield ``Y`` is a floor on the
  rate of distribution, which rises with the bow ``B`` towards 1 at the end of the life
  ``L``); rebal caps ``RD_t`` at 1 so the NAV never goes negative;
- NAV            ``NAV_t = NAV_{t−1} · (1 + G) + C_t − D_t``.

Sub-dividing a year (``steps_per_year = n``, a divisor of 12): the annual rates are
converted so a year of ``n`` steps compounds to them — growth ``(1+G)^{1/n} − 1``, the
fraction of the unfunded called ``1 − (1 − RC_t)^{1/n}`` and the fraction of the grown NAV
distributed ``1 − (1 − RD_t)^{1/n}`` — with ``t`` the fund year of the step's first day
(fund years turn on 1 January; ages are :meth:`PrivateFund.age_years`). So a
year's calls equal the annual equation's exactly; distributions differ only because calls
made inside the year grow and are distributed from within it. ``n = 1`` is the published
equations exactly.

Beyond the life (fund age >= ``L``) rebal calls nothing more (the unfunded commitment
lapses, shown as 0) and ``RD = 1`` returns whatever NAV is left.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from rebal import checks
from rebal.alternatives.fund import PrivateFund
from rebal.alternatives.params import TAParams
from rebal.errors import ConfigError
from rebal.types import FloatArray

__all__ = ["TA_PRESETS", "FundProjection", "TAParams", "TAStep", "add_months", "params_for",
           "project", "ta_step"]

STEPS_ALLOWED = (1, 2, 3, 4, 6, 12)
"""Steps a year may be divided into (divisors of 12, so steps end on month ends)."""


TA_PRESETS: dict[str, TAParams] = {
    # The paper's worked venture example (TA 2002, its Exhibit 2 as commonly cited):
    # RC 25%, 33.3%, then 50%; bow 2.5; growth 13%; yield 0; life 12 years.
    "venture": TAParams((0.25, 1 / 3, 0.50), bow=2.5, growth=0.13, yield_rate=0.0,
                        life_years=12.0),
    # rebal's assumption for buyout (the paper gives no buyout set): the same calling
    # pace, earlier distributions (bow 2.0), growth 12%, 10-year life.
    "buyout": TAParams((0.25, 1 / 3, 0.50), bow=2.0, growth=0.12, yield_rate=0.0,
                       life_years=10.0),
    # rebal's assumption for closed-end private real estate: faster calls, an income
    # yield of 5% as the distribution floor, growth 8%, bow 1.5, 10-year life.
    "real_estate": TAParams((0.40, 0.50, 0.50), bow=1.5, growth=0.08, yield_rate=0.05,
                            life_years=10.0),
}
"""Default parameters by strategy. Only ``venture`` is the paper's published example;
``buyout`` and ``real_estate`` are rebal's stated assumptions — give a fund its own
``model`` where better numbers are known."""

_CLASS_ALIASES = {
    "private_equity": "buyout", "pe": "buyout", "buyout": "buyout",
    "venture": "venture", "venture_capital": "venture", "vc": "venture",
    "real_estate": "real_estate", "private_real_estate": "real_estate",
    "private_realestate": "real_estate",
}


def params_for(fund: PrivateFund) -> TAParams:
    """The fund's own ``model``, else the preset its asset class names.

    Raises
    ------
    ConfigError
        When the fund has no model and its asset class names no preset.
    """
    if fund.model is not None:
        return fund.model
    key = _CLASS_ALIASES.get(fund.asset_class.strip().lower())
    if key is None:
        raise ConfigError(
            f"fund {fund.id!r}: no cash-flow model for asset class {fund.asset_class!r}; "
            f"give it a model, or use a class named after one of {sorted(TA_PRESETS)}"
        )
    return TA_PRESETS[key]


@dataclass(frozen=True)
class FundProjection:
    """One fund's projected cash flows, per step.

    Attributes
    ----------
    fund_id
        The fund's id.
    params
        The model parameters used.
    dates
        ``(n_steps,)`` ``datetime64[D]``: the end of each step.
    calls_usd, distributions_usd
        ``(n_steps,)`` flows during each step (USD, >= 0).
    nav_usd, unfunded_usd
        ``(n_steps,)`` NAV and unfunded commitment at the end of each step (USD).
    nav_start_usd, unfunded_start_usd
        The state the projection starts from.
    """

    fund_id: str
    params: TAParams
    dates: np.ndarray
    calls_usd: FloatArray
    distributions_usd: FloatArray
    nav_usd: FloatArray
    unfunded_usd: FloatArray
    nav_start_usd: float = 0.0
    unfunded_start_usd: float = 0.0
    steps_per_year: int = field(default=12)

    @property
    def total_calls_usd(self) -> float:
        """Sum of projected calls (USD)."""
        return float(self.calls_usd.sum())

    @property
    def total_distributions_usd(self) -> float:
        """Sum of projected distributions (USD)."""
        return float(self.distributions_usd.sum())


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, the day clamped to the month's end."""
    import calendar

    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@dataclass(frozen=True, slots=True)
class TAStep:
    """One step of the model: the step's flows and the state at its end (USD)."""

    call_usd: float
    distribution_usd: float
    nav_usd: float
    paid_in_usd: float
    unfunded_usd: float


def ta_step(*, nav: float, paid_in_usd: float, commitment_usd: float, age_years: float,
            life_years: float, params: TAParams, steps_per_year: int,
            growth_step: float) -> TAStep:
    """One step of ``1/steps_per_year`` year of the Takahashi–Alexander equations.

    The one loop body of the model (:func:`project` and the private-sleeve study, which
    passes the month's proxy return as ``growth_step``, use it).

    Parameters
    ----------
    nav, paid_in_usd, commitment_usd
        State at the step's start (USD).
    age_years
        Fund age at the step's start (years since 1 January of the vintage); before 0
        nothing happens.
    life_years
        ``L``; from ``age >= L`` on nothing is called, the unfunded lapses and ``RD = 1``.
    params, steps_per_year
        The model and the steps a year (module docstring for the conversion of rates).
    growth_step
        The NAV's return over the step (fraction): ``(1 + G)^{1/n} − 1`` in the model.
    """
    n = steps_per_year
    if age_years < -1e-9:  # before inception: nothing happens
        return TAStep(0.0, 0.0, nav, paid_in_usd, max(commitment_usd - paid_in_usd, 0.0))
    # fund year the step starts in; the epsilon keeps 2.9999999 in year 3's end, year 4
    fund_year = math.floor(age_years + 1e-9) + 1
    over = age_years >= life_years - 1e-9
    grown = nav * (1.0 + growth_step)
    rd_year = 1.0 if over else params.distribution_rate(fund_year, life_years)
    dist = grown * (1.0 - (1.0 - rd_year) ** (1.0 / n))
    if over:
        call = 0.0
    else:
        rc_year = params.contribution_rate(fund_year)
        call = max(commitment_usd - paid_in_usd, 0.0) * (1.0 - (1.0 - rc_year) ** (1.0 / n))
    paid_in = paid_in_usd + call
    return TAStep(call_usd=call, distribution_usd=dist, nav_usd=grown + call - dist,
                  paid_in_usd=paid_in,
                  unfunded_usd=0.0 if over else max(commitment_usd - paid_in, 0.0))


def project(
    fund: PrivateFund,
    start: date,
    years: float,
    steps_per_year: int = 12,
    params: TAParams | None = None,
) -> FundProjection:
    """Project ``fund``'s calls, distributions, NAV and unfunded from ``start``.

    The state at ``start``: paid-in ``fund.called_usd``, NAV ``fund.nav_or_cost_usd``
    (the last reported NAV is taken as the NAV at ``start``; roll it forward with
    :func:`rebal.alternatives.exposure.fund_exposure` first if wanted). The life ``L``
    is the fund's age at ``start`` plus ``fund.remaining_life_years`` (for a fund not yet
    begun, its remaining life). See the module docstring for the equations.

    Parameters
    ----------
    fund
        The fund.
    start
        Projection start date; step ``k`` ends ``(k + 1) · 12 / steps_per_year`` months
        later.
    years
        Horizon in years (> 0); ``round(years · steps_per_year)`` steps.
    steps_per_year
        One of 1, 2, 3, 4, 6, 12.
    params
        Model parameters; default :func:`params_for` ``(fund)``.
    """
    n = checks.positive_int("steps_per_year", steps_per_year)
    if n not in STEPS_ALLOWED:
        raise ConfigError(f"steps_per_year must be one of {STEPS_ALLOWED}, got {steps_per_year!r}")
    horizon = checks.positive("years", years)
    n_steps = round(horizon * n)
    if n_steps < 1:
        raise ConfigError(f"years must cover at least one step of 1/{n} year, got {years!r}")
    p = params if params is not None else params_for(fund)

    age0 = fund.age_years(start)
    life = max(age0, 0.0) + fund.remaining_life_years
    growth_step = (1.0 + p.growth) ** (1.0 / n) - 1.0
    commitment = fund.commitment_usd
    paid_in = fund.called_usd
    nav = fund.nav_or_cost_usd
    months_per_step = 12 // n

    calls = np.zeros(n_steps)
    dists = np.zeros(n_steps)
    navs = np.zeros(n_steps)
    unfunded = np.zeros(n_steps)
    ends = []
    for k in range(n_steps):
        ends.append(add_months(start, (k + 1) * months_per_step))
        # the age on the step's first day, so fund years turn on 1 January exactly
        age = fund.age_years(add_months(start, k * months_per_step))
        s = ta_step(nav=nav, paid_in_usd=paid_in, commitment_usd=commitment,
                    age_years=age, life_years=life, params=p, steps_per_year=n,
                    growth_step=growth_step)
        paid_in, nav = s.paid_in_usd, s.nav_usd
        calls[k], dists[k], navs[k], unfunded[k] = (s.call_usd, s.distribution_usd,
                                                    s.nav_usd, s.unfunded_usd)
    return FundProjection(
        fund_id=fund.id, params=p, dates=np.array(ends, dtype="datetime64[D]"),
        calls_usd=calls, distributions_usd=dists, nav_usd=navs, unfunded_usd=unfunded,
        nav_start_usd=fund.nav_or_cost_usd, unfunded_start_usd=fund.unfunded_usd,
        steps_per_year=n,
    )
