"""Price series in a base currency.

A column quoted in currency ``c`` converts to the base currency ``B`` at the day's rate
``S_t`` (units of ``B`` per unit of ``c``, :meth:`rebal.data.fx.FxTable.rate`):
``P^B_t = P^c_t × S_t``, so the return in base is
``(1 + r^B_t) = (1 + r^c_t) × (1 + r^S_t)`` — the local return times the FX return.
A column in the base currency is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping

from rebal.checks import non_negative
from rebal.data.currencies import check_code  # the one definition, re-exported
from rebal.data.fx import FxTable
from rebal.data.market import MarketData
from rebal.errors import ConfigError

__all__ = ["check_code", "conversion_cost_bps", "to_base"]

def _checked(market: MarketData, currencies: Mapping[str, str], base: str,
             field: str) -> dict[str, str]:
    out = {}
    for col, ccy in currencies.items():
        if col not in market.assets:
            raise ConfigError(f"{field}: unknown column {col!r}; the data has "
                              f"{', '.join(market.assets)}")
        out[str(col)] = check_code(ccy, field=f"{field} {col}")
    return out


def to_base(market: MarketData, currencies: Mapping[str, str], fx: FxTable, *,
            base: str = "USD", field: str = "currencies") -> MarketData:
    """``market`` with every column named in ``currencies`` (column → ISO code) converted
    to ``base`` at ``fx``'s daily rates; other columns are taken to be in ``base``.

    Raises
    ------
    ConfigError
        An unknown column, a bad code, a currency ``fx`` has no rates for (naming
        ``field`` and the column).
    InputError
        A day without a rate within :data:`rebal.data.fx.MAX_GAP_DAYS` (naming the FX
        file and the currency).
    """
    base = check_code(base, field="base currency")
    codes = _checked(market, currencies, base, field)
    foreign = {c: k for c, k in codes.items() if k != base}
    if not foreign:
        return market
    prices = market.prices.copy()
    for col, ccy in foreign.items():
        rate = fx.rate(ccy, base, market.dates, flag=f"{field} {col}={ccy}")
        prices[:, market.assets.index(col)] *= rate
    note = (f"converted to {base} at the daily rates of {fx.source}: "
            + ", ".join(f"{col} ({ccy})" for col, ccy in foreign.items()))
    return MarketData(dates=market.dates, assets=market.assets, prices=prices,
                      risk_free=market.risk_free, periods_per_year=market.periods_per_year,
                      aux=market.aux, source=market.source, notes=(*market.notes, note))


def conversion_cost_bps(assets: tuple[str, ...] | list[str], cost_bps: float,
                        currencies: Mapping[str, str], *, base: str = "USD",
                        fx_cost_bps: float = 0.0) -> dict[str, float]:
    """Per-asset trading cost (bps): ``cost_bps`` for every asset plus ``fx_cost_bps``
    (the FX conversion, base ↔ foreign, on every trade) for each asset not in ``base``."""
    fx_bps = non_negative("--fx-cost-bps", fx_cost_bps)
    base = check_code(base, field="base currency")
    return {a: float(cost_bps) + (fx_bps if check_code(currencies.get(a, base),
                                                       field=f"currency {a}") != base
                                  else 0.0)
            for a in assets}
