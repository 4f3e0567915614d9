"""The parameters of the Takahashi–Alexander model (:mod:`rebal.alternatives.takahashi`,
which re-exports :class:`TAParams`; kept apart so :mod:`rebal.alternatives.fund` can
name it without an import cycle)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from rebal import checks
from rebal.errors import ConfigError

__all__ = ["TAParams"]


@dataclass(frozen=True)
class TAParams:
    """Parameters of the Takahashi–Alexander model (annual, fractions).

    Parameters
    ----------
    contribution_rates
        ``RC_t`` for fund years 1, 2, …; the last repeats. Each in [0, 1].
    bow
        ``B`` (> 0): the larger, the later distributions come.
    growth
        ``G``: the NAV's annual growth (> −1).
    yield_rate
        ``Y`` in [0, 1]: the floor of the annual rate of distribution.
    life_years
        ``L`` (> 0): the fund's life, used for new commitments (a held fund's life is its
        age plus ``PrivateFund.remaining_life_years``).
    """

    contribution_rates: tuple[float, ...]
    bow: float
    growth: float
    yield_rate: float
    life_years: float

    def __post_init__(self) -> None:
        rates = tuple(self.contribution_rates)
        if not rates:
            raise ConfigError("contribution_rates must list at least one rate")
        object.__setattr__(self, "contribution_rates", tuple(
            checks.non_negative(f"contribution_rates[{i}]", r, upper=1.0)
            for i, r in enumerate(rates)))
        object.__setattr__(self, "bow", checks.positive("bow", self.bow))
        growth = checks.as_number("growth", self.growth)
        if not math.isfinite(growth) or growth <= -1:
            raise ConfigError(f"growth must be > -1, got {self.growth!r}")
        object.__setattr__(self, "growth", growth)
        object.__setattr__(self, "yield_rate",
                           checks.non_negative("yield_rate", self.yield_rate, upper=1.0))
        object.__setattr__(self, "life_years", checks.positive("life_years", self.life_years))

    def contribution_rate(self, fund_year: int) -> float:
        """``RC_t`` for fund year ``t`` (1-based); the last listed rate repeats."""
        rates = self.contribution_rates
        return rates[min(max(fund_year, 1) - 1, len(rates) - 1)]

    def distribution_rate(self, fund_year: int, life_years: float) -> float:
        """``RD_t = min(1, max(Y, (t/L)^B))``; 1 when ``L <= 0`` (the fund is over)."""
        if life_years <= 0:
            return 1.0
        return min(1.0, max(self.yield_rate, (fund_year / life_years) ** self.bow))
