"""How much of an asset class a private fund counts for: the exposure views.

- ``nav`` — the reported NAV only (what the statement says; it lags markets);
- ``nav_plus_unfunded`` — NAV plus the unfunded commitment, the "phantom allocation":
  money promised to the fund counts toward its class before it is called;
- ``proxy_rolled`` — the reported NAV rolled forward from its as-of date by the total
  return of a liquid public proxy (small caps for buyout, REITs for real estate…), an
  estimate of what the NAV would be today.

A fund without a reported NAV counts its paid-in capital less distributions
(:attr:`PrivateFund.nav_or_cost_usd`) in every view.
"""

from __future__ import annotations

import math
from datetime import date
from enum import StrEnum

from rebal.alternatives.fund import PrivateFund
from rebal.alternatives.takahashi import project
from rebal.errors import ConfigError

__all__ = ["ExposureView", "fund_exposure", "projected_calls"]


class ExposureView(StrEnum):
    """Which value of a private fund counts toward its asset class (module docstring)."""

    NAV = "nav"
    NAV_PLUS_UNFUNDED = "nav_plus_unfunded"
    PROXY_ROLLED = "proxy_rolled"


def fund_exposure(fund: PrivateFund, view: ExposureView, *,
                  proxy_growth: float | None = None) -> float:
    """The fund's exposure in USD under ``view``.

    Parameters
    ----------
    fund
        The fund.
    view
        :class:`ExposureView` (a string such as ``"nav"`` is accepted).
    proxy_growth
        For ``PROXY_ROLLED`` only (required there): the proxy's total return, as a
        fraction, from ``fund.nav_as_of`` to the valuation date (0.05 = +5 %).

    Raises
    ------
    ConfigError
        An unknown view; ``PROXY_ROLLED`` for a fund with no proxy, or without
        ``proxy_growth`` (naming the proxy), or with ``proxy_growth <= -1``.
    """
    try:
        view = ExposureView(view)
    except ValueError:
        raise ConfigError(f"view must be one of {[v.value for v in ExposureView]}, "
                          f"got {view!r}") from None
    nav = fund.nav_or_cost_usd
    if view is ExposureView.NAV:
        return nav
    if view is ExposureView.NAV_PLUS_UNFUNDED:
        return nav + fund.unfunded_usd
    if fund.proxy is None:
        raise ConfigError(f"fund {fund.id!r} has no proxy; the {view.value} view needs one")
    if proxy_growth is None:
        raise ConfigError(f"fund {fund.id!r}: the {view.value} view needs the return of its "
                          f"proxy {fund.proxy!r} since {fund.nav_as_of or 'its last NAV'}")
    growth = float(proxy_growth)
    if not math.isfinite(growth) or growth <= -1:
        raise ConfigError(f"proxy_growth of {fund.proxy!r} must be > -1, got {proxy_growth!r}")
    return nav * (1.0 + growth)


def projected_calls(fund: PrivateFund, start: date, months: int) -> float:
    """Capital calls the Takahashi–Alexander model expects in the ``months`` months
    after ``start`` (USD), with the fund's model or its class's preset
    (:func:`rebal.alternatives.takahashi.params_for`); monthly steps."""
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise ConfigError(f"months must be a whole number >= 1, got {months!r}")
    return project(fund, start, months / 12, steps_per_year=12).total_calls_usd
