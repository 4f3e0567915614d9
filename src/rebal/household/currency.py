"""A household's currency exposure: by currency and by region (US, developed, emerging).

The exposure of one dollar of a security is its look-through ``currency_mix`` when the
file gives one (a fund: ``VXUS: {EUR: 0.4, JPY: 0.2, …}``), else its trading
``currency``. The exposure table covers the **holdings** (cash, always US dollars, is
left out), weights are fractions of the holdings' value; regions group currencies by
:func:`rebal.data.currencies.region_of` (MSCI's classification; see that module).
Values are in US dollars and, for display, in the household's base currency
(``value_usd / usd_per(base)``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rebal.data.currencies import region_of
from rebal.household.model import Household
from rebal.tax.records import Record

__all__ = ["CurrencyExposure", "ForeignTaxHolding", "currency_exposure", "foreign_tax_holdings",
           "region_exposure"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CurrencyExposure(Record):
    """Holdings exposed to one currency (or one region: ``currency`` is then the region's
    name and ``region`` the same).

    Attributes
    ----------
    currency, region
        ISO code and its region (``us``, ``developed``, ``emerging``, ``other``).
    value_usd, value_base
        Dollars exposed, and the same in the household's base currency.
    weight
        Fraction of the holdings' value.
    """

    currency: str
    region: str
    value_usd: float
    value_base: float
    weight: float


def _by_currency(h: Household, changes: Mapping[str, float]) -> dict[str, float]:
    values: dict[str, float] = defaultdict(float)
    held: dict[str, float] = defaultdict(float)
    price = {s.symbol: s.price_usd for s in h.securities}
    for lot in h.lots:
        held[lot.symbol] += lot.quantity * price[lot.symbol]
    for sym, dv in changes.items():
        held[sym] += dv
    for s in h.securities:
        v = held.get(s.symbol, 0.0)
        if v == 0.0:
            continue
        for ccy, f in s.currency_fractions().items():
            values[ccy] += v * f
    return values


def currency_exposure(h: Household, changes: Mapping[str, float] | None = None,
                      ) -> tuple[CurrencyExposure, ...]:
    """The holdings' exposure by currency, largest first; ``changes`` (``{symbol: signed
    dollars}``) are trades to apply first (a plan's buys +, sales −)."""
    values = _by_currency(h, changes or {})
    total = sum(values.values())
    per = h.usd_per(h.base_currency)
    rows = [CurrencyExposure(currency=c, region=region_of(c), value_usd=v, value_base=v / per,
                             weight=v / total if total > 0 else 0.0)
            for c, v in values.items()]
    return tuple(sorted(rows, key=lambda r: (-r.value_usd, r.currency)))


def region_exposure(rows: Iterable[CurrencyExposure]) -> tuple[CurrencyExposure, ...]:
    """``rows`` summed by region, in the order us, developed, emerging, other."""
    order = ("us", "developed", "emerging", "other")
    usd: dict[str, float] = defaultdict(float)
    base: dict[str, float] = defaultdict(float)
    weight: dict[str, float] = defaultdict(float)
    for r in rows:
        usd[r.region] += r.value_usd
        base[r.region] += r.value_base
        weight[r.region] += r.weight
    return tuple(CurrencyExposure(currency=g, region=g, value_usd=usd[g], value_base=base[g],
                                  weight=weight[g]) for g in order if g in usd)


@dataclass(frozen=True, slots=True, kw_only=True)
class ForeignTaxHolding(Record):
    """One year's foreign tax on a holding with ``foreign_tax`` (docs/household.md,
    "Currency").

    Attributes
    ----------
    account, account_type, symbol
        Where and what.
    value_usd
        Its value on ``as_of``, dollars.
    yield_frac, share, basis
        Dividend yield, foreign tax as a fraction of dividends, and where the share came
        from (``file``, ``preset …``, ``treaty DE``).
    tax_usd
        ``value_usd × yield_frac × share``: foreign tax (or treaty withholding) a year.
    creditable
        True in a taxable account (a credit against US tax, IRC §901); False in a
        tax-advantaged one, where it is lost.
    """

    account: str
    account_type: str
    symbol: str
    value_usd: float
    yield_frac: float
    share: float
    basis: str
    tax_usd: float
    creditable: bool


def foreign_tax_holdings(h: Household) -> tuple[ForeignTaxHolding, ...]:
    """Each (account, security) holding with foreign tax, in account then file order."""
    acct = {a.id: a for a in h.accounts}
    sec = {s.symbol: s for s in h.securities}
    value: dict[tuple[str, str], float] = defaultdict(float)
    for lot in h.lots:
        if sec[lot.symbol].foreign_tax is not None:
            value[(lot.account, lot.symbol)] += lot.quantity * sec[lot.symbol].price_usd
    rank_a = {a.id: i for i, a in enumerate(h.accounts)}
    rank_s = {s.symbol: i for i, s in enumerate(h.securities)}
    out = []
    for (a_id, sym), v in sorted(value.items(), key=lambda kv: (rank_a[kv[0][0]],
                                                                  rank_s[kv[0][1]])):
        ft = sec[sym].foreign_tax
        assert ft is not None
        out.append(ForeignTaxHolding(
            account=a_id, account_type=acct[a_id].type.value, symbol=sym, value_usd=v,
            yield_frac=ft.yield_frac, share=ft.share, basis=ft.basis,
            tax_usd=v * ft.annual_rate, creditable=acct[a_id].taxable))
    return tuple(out)
