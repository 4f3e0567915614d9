"""A commitment to a private fund (private equity, venture, private real estate…).

:class:`PrivateFund` is the one definition of a private-fund holding in rebal: the
household file, the cash-flow model (:mod:`rebal.alternatives.takahashi`), the exposure
views (:mod:`rebal.alternatives.exposure`), pacing and the backtest study all use it.

Money is in US dollars (``*_usd``); dates are calendar dates; the vintage is the year
the fund first called capital (its inception is taken as 1 January of that year).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from rebal import checks
from rebal.errors import ConfigError

if TYPE_CHECKING:
    from rebal.alternatives.params import TAParams

__all__ = ["PrivateFund"]

_VINTAGE_RANGE = (1900, 2200)


@dataclass(frozen=True)
class PrivateFund:
    """A commitment to one private fund, as its latest statement reports it.

    Parameters
    ----------
    id, name
        Short key (unique in a household) and display name.
    asset_class
        The household asset class the fund's exposure counts toward
        (e.g. ``"private_equity"``, ``"private_real_estate"``).
    commitment_usd
        Capital committed (> 0).
    vintage
        Year of first capital call; the model takes inception as 1 January of it.
    called_usd
        Paid-in capital to date (0 <= called <= commitment).
    distributed_usd
        Distributions received to date (>= 0).
    nav_usd, nav_as_of
        Reported net asset value and the date it is as of (given together, or neither).
        Reports lag one or two quarters; :mod:`rebal.alternatives.exposure` can roll the
        NAV forward by a public proxy.
    remaining_life_years
        Expected years until the fund has returned everything (>= 0).
    proxy
        Ticker of a liquid public proxy (small caps for buyout, REITs for real estate…).
    model
        Takahashi–Alexander parameters; ``None`` uses the preset of the asset class
        (:func:`rebal.alternatives.takahashi.params_for`).
    account
        The household account that pays the calls and receives distributions.

    Raises
    ------
    ConfigError (a ``ValueError``)
        Naming the field: a blank id, money that is negative or not a number,
        ``called_usd`` above ``commitment_usd``, a NAV without its date (or a date
        without a NAV), a NAV dated before the vintage year, distributions on a fund
        that has called nothing and reports no NAV.
    """

    id: str
    name: str
    asset_class: str
    commitment_usd: float
    vintage: int
    called_usd: float
    distributed_usd: float
    nav_usd: float | None
    nav_as_of: date | None
    remaining_life_years: float
    proxy: str | None = None
    model: TAParams | None = None
    account: str | None = None

    def __post_init__(self) -> None:
        for key in ("id", "asset_class"):
            value = getattr(self, key)
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{key} must be a non-empty text, got {value!r}")
        set_ = object.__setattr__
        set_(self, "commitment_usd", checks.positive("commitment_usd", self.commitment_usd))
        vintage: object = self.vintage  # checked: a file may give anything
        if isinstance(vintage, float) and vintage.is_integer():
            vintage = int(vintage)
        if isinstance(vintage, bool) or not isinstance(vintage, int):
            raise ConfigError(f"vintage must be a year (a whole number), got {self.vintage!r}")
        if not _VINTAGE_RANGE[0] <= vintage <= _VINTAGE_RANGE[1]:
            raise ConfigError(f"vintage must be a year from {_VINTAGE_RANGE[0]} to "
                              f"{_VINTAGE_RANGE[1]}, got {self.vintage!r}")
        set_(self, "vintage", vintage)
        called = checks.non_negative("called_usd", self.called_usd)
        if called > self.commitment_usd * (1 + 1e-12):
            raise ConfigError(
                f"called_usd must be <= commitment_usd ({self.commitment_usd:,.2f}), "
                f"got {self.called_usd!r}"
            )
        set_(self, "called_usd", called)
        set_(self, "distributed_usd",
             checks.non_negative("distributed_usd", self.distributed_usd))
        set_(self, "remaining_life_years",
             checks.non_negative("remaining_life_years", self.remaining_life_years))
        if (self.nav_usd is None) != (self.nav_as_of is None):
            missing = "nav_as_of" if self.nav_as_of is None else "nav_usd"
            raise ConfigError(f"{missing} is required when "
                              f"{'nav_usd' if missing == 'nav_as_of' else 'nav_as_of'} is given")
        if self.nav_usd is not None:
            set_(self, "nav_usd", checks.non_negative("nav_usd", self.nav_usd))
            if not isinstance(self.nav_as_of, date):
                raise ConfigError(f"nav_as_of must be a date, got {self.nav_as_of!r}")
            if self.nav_as_of.year < vintage:
                raise ConfigError(f"nav_as_of ({self.nav_as_of}) is before the vintage "
                                  f"year {vintage}")
        elif self.distributed_usd > 0 and called == 0:
            raise ConfigError(
                f"distributed_usd is {self.distributed_usd:,.2f} but nothing is called and no "
                "NAV is reported; a fund cannot distribute before it calls capital"
            )
        if self.proxy is not None and (not isinstance(self.proxy, str) or not self.proxy.strip()):
            raise ConfigError(f"proxy must be a ticker or absent, got {self.proxy!r}")

    @property
    def unfunded_usd(self) -> float:
        """Commitment not yet called: ``commitment − called`` (>= 0), in USD."""
        return max(self.commitment_usd - self.called_usd, 0.0)

    @property
    def nav_or_cost_usd(self) -> float:
        """The reported NAV; without one, paid-in less distributions floored at 0 (USD).

        The stand-in is the cost still invested, the usual book value of a fund that has
        not yet sent a statement.
        """
        if self.nav_usd is not None:
            return float(self.nav_usd)
        return max(self.called_usd - self.distributed_usd, 0.0)

    def check_nav_date(self, valuation: date) -> None:
        """Refuse a NAV dated after ``valuation`` (a report from the future).

        Raises
        ------
        ConfigError
            ``"nav_as_of (…) is after the valuation date (…)"``.
        """
        if self.nav_as_of is not None and self.nav_as_of > valuation:
            raise ConfigError(f"nav_as_of ({self.nav_as_of}) is after the valuation date "
                              f"({valuation}); a NAV cannot be reported in advance")

    def age_years(self, on: date) -> float:
        """Years from the fund's inception (1 January of its vintage) to ``on``
        (negative before it): whole calendar years plus the fraction of ``on``'s year
        gone (so 1 January of vintage + 2 is exactly 2.0)."""
        start_of_year = date(on.year, 1, 1)
        days_in_year = (date(on.year + 1, 1, 1) - start_of_year).days
        return (on.year - self.vintage) + (on - start_of_year).days / days_in_year


