"""Scheduled contributions (+) and withdrawals (-), in dollars.

A schedule is either a fixed amount on a calendar (on the same rows a calendar
policy of that frequency checks: the last row of each period, never row 0 or
the final row; ``DAILY`` = every row after row 0) or explicit dated amounts
(each applied at the close of the first row on or after its date).

How the engine trades a flow (``docs/conventions.md``): at the post-flow value
``V'`` the dollar shortfall of asset ``i`` is ``target_i * V' - h_i``. A
contribution buys by water-filling: the largest shortfalls are filled first
down to a common level ``lam >= 0`` (``buy_i = max(shortfall_i - lam, 0)``). A
withdrawal sells the largest dollar excesses ``h_i - target_i * V'`` the same
way. Flow trades pay costs; they are never dropped by ``min_trade_usd``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from rebal.errors import ConfigError
from rebal.policy.schedule import period_end_mask
from rebal.types import DateArray, FloatArray, Frequency

__all__ = ["CashFlows"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CashFlows:
    """A cash-flow schedule.

    Parameters
    ----------
    amount_usd
        Dollars per period (+ contribution, - withdrawal), with ``frequency``.
    frequency
        Calendar of the periodic amount.
    dated
        Explicit ``{date: dollars}`` amounts (ISO date strings or
        ``datetime64``), added to any periodic amount.
    """

    amount_usd: float = 0.0
    frequency: Frequency | None = None
    dated: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        amount = _finite_usd(self.amount_usd, "CashFlows.amount_usd")
        object.__setattr__(self, "amount_usd", amount)
        if self.frequency is not None:
            object.__setattr__(
                self, "frequency", Frequency.parse(self.frequency, field="CashFlows.frequency")
            )
        if amount != 0 and self.frequency is None:
            raise ConfigError("CashFlows.frequency is required with a non-zero amount_usd")
        if self.dated is not None:
            clean: dict[np.datetime64, float] = {}
            for key, value in dict(self.dated).items():
                try:
                    day = np.datetime64(str(key), "D") if not isinstance(key, np.datetime64) \
                        else key.astype("datetime64[D]")
                except ValueError:
                    raise ConfigError(f"CashFlows.dated: bad date {key!r}") from None
                dollars = _finite_usd(value, f"CashFlows.dated[{key}]")
                clean[day] = clean.get(day, 0.0) + dollars
            object.__setattr__(self, "dated", clean)

    def amounts(self, dates: DateArray) -> FloatArray:
        """``(n_days,)`` dollars flowing in (+) or out (-) at each row's close.

        Raises :class:`ConfigError` for a dated flow on or before the first row
        (that row is the initial purchase) or after the last row.
        """
        dates = np.asarray(dates, dtype="datetime64[D]")
        out = np.zeros(dates.shape[0])
        if self.amount_usd != 0 and self.frequency is not None:
            out[period_end_mask(dates, self.frequency)] += self.amount_usd  # type: ignore[arg-type]
        if self.dated:
            for day, dollars in self.dated.items():  # type: ignore[union-attr]
                if day <= dates[0]:
                    raise ConfigError(
                        f"CashFlows.dated: flow on {day} is not after the first row {dates[0]} "
                        "(the initial purchase)"
                    )
                if day > dates[-1]:
                    raise ConfigError(
                        f"CashFlows.dated: flow on {day} is after the last row {dates[-1]}"
                    )
                out[int(np.searchsorted(dates, day, "left"))] += dollars
        return out


def _finite_usd(value: object, field: str) -> float:
    """``value`` as a finite float (dollars), or a :class:`ConfigError` naming ``field``."""
    try:
        dollars = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{field} must be a number, got {value!r}") from None
    if not math.isfinite(dollars):
        raise ConfigError(f"{field} must be finite, got {value!r}")
    return dollars
