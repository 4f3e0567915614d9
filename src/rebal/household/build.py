"""Cross-reference checks, defaults, and construction of the frozen Household.

The pydantic models in :mod:`rebal.household.schema` have checked every value on
its own; here we check how values relate (ids unique, lots in known accounts,
weights summing to 1, substitutes outside their wash-sale group, dates not
after ``as_of`` …) and raise :class:`~rebal.errors.InputError` naming the file
and the path (or CSV line and field) of the first problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from rebal.alternatives.exposure import ExposureView
from rebal.alternatives.fund import PrivateFund
from rebal.data.currencies import check_code
from rebal.errors import ConfigError, InputError
from rebal.household.model import (
    CallReserve,
    ClassTarget,
    ForeignTax,
    HeldLot,
    Household,
    Security,
    TaxFacts,
    WashSalePolicy,
)
from rebal.household.schema import HouseholdFileIn, LotIn, SecurityIn
from rebal.policy.bands import AbsoluteBand, RelativeBand
from rebal.policy.target import WEIGHT_SUM_TOL
from rebal.tax.harvest import HarvestSettings
from rebal.tax.lots import Account, Trade
from rebal.tax.rates import available_years
from rebal.tax.treaty import FOREIGN_TAX_PRESETS, treaty_dividend_rate
from rebal.types import AccountType

if TYPE_CHECKING:
    from rebal.data.fx import FxTable

__all__ = ["LOOK_THROUGH_SUM_TOL", "Origin", "build_household"]

LOOK_THROUGH_SUM_TOL = 1e-9
"""A look-through mix must sum to 1 within this tolerance."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a record came from: a path in the household file or a CSV line."""

    file: str | None
    path: str | None = None
    line: int | None = None

    def error(self, message: str, key: str | None = None) -> InputError:
        """An :class:`InputError` at this record (and ``key`` inside it)."""
        if self.line is not None:
            return InputError(message, file=self.file, row=self.line, field=key)
        path = self.path or ""
        if key:
            path = f"{path}.{key}" if path else key
        return InputError(message, file=self.file, row=path or None)


def _listing(names: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", … ({len(names)} in all)" if len(names) > limit else "")


def build_household(
    data: HouseholdFileIn,
    *,
    file: str | None,
    extra_lots: Sequence[tuple[LotIn, Origin]] = (),
    fx_file: str | None = None,
    base_currency: str | None = None,
    fx_flag: bool = False,
) -> Household:
    """Validate cross-references of a parsed file and build the :class:`Household`.

    Parameters
    ----------
    data
        The parsed file.
    file
        The household file's path for messages (``None`` for in-memory input).
    extra_lots
        Lots read from a CSV, each with its origin (file and line); they follow
        the inline lots.
    fx_file
        A table of daily FX rates (:func:`rebal.data.fx.read_fx` layout) to take the
        rates on ``as_of`` from, instead of the shipped ECB table; the file's own
        ``fx_rates_usd`` take precedence over either.
    base_currency
        The currency to show values in, instead of the file's ``base_currency``.
    fx_flag
        ``fx_file`` came from the command line (``--fx``), not the file: errors name it so.
    """
    at = lambda path: Origin(file, path)  # noqa: E731 - short local helper
    as_of = data.as_of
    sec_in = data.household

    # -- tax year -------------------------------------------------------------
    tax_year = sec_in.tax_year if sec_in.tax_year is not None else as_of.year
    supported = available_years()
    if tax_year not in supported:
        raise at("household").error(
            f"tax year {tax_year} is not supported; supported years: "
            f"{', '.join(map(str, supported))}",
            "tax_year",
        )
    if tax_year != as_of.year:
        raise at("household").error(
            f"tax_year {tax_year} differs from the year of as_of ({as_of.isoformat()}): "
            f"trades on the plan date are taxed in {as_of.year}",
            "tax_year",
        )

    # -- currency -------------------------------------------------------------
    fx = _FxRates(data, file=file, fx_file=fx_file, fx_flag=fx_flag)
    base_at, base_key = ((Origin(None), "--base") if base_currency is not None
                         else (at("household"), "base_currency"))
    try:
        base = check_code(base_currency if base_currency is not None else sec_in.base_currency)
    except ConfigError as exc:
        raise base_at.error(str(exc), base_key) from None
    fx.rate(base, base_at, base_key)

    # -- accounts -------------------------------------------------------------
    accounts: list[Account] = []
    account_fx: list[tuple[str, float]] = []
    account_path: dict[str, str] = {}
    for i, a in enumerate(data.accounts):
        path = f"accounts[{i}]"
        if a.id in account_path:
            raise at(path).error(f"duplicate account id {a.id!r} (also {account_path[a.id]})", "id")
        account_path[a.id] = path
        try:
            account = Account(
                id=a.id,
                type=a.type,
                name=a.name or a.id,
                owner=a.owner,
                cash_usd=float(a.cash_usd),
                min_cash_usd=float(a.min_cash_usd),
                pending_flow_usd=float(a.pending_flow_usd),
                whole_shares=a.whole_shares,
                lot_method=a.lot_method,
                min_trade_usd=None if a.min_trade_usd is None else float(a.min_trade_usd),
            )
        except ConfigError as exc:  # the tax rules on an account (e.g. AVERAGE is per fund)
            raise at(path).error(str(exc), "lot_method") from None
        accounts.append(account)
        if a.fx_cost_bps is not None:
            account_fx.append((a.id, float(a.fx_cost_bps)))
    if not accounts:
        raise at("accounts").error("a household needs at least one account")
    account_ids = list(account_path)

    # -- targets --------------------------------------------------------------
    classes_in = data.targets.classes
    if not classes_in:
        raise at("targets.classes").error("no target classes given")
    total = sum(c.weight for c in classes_in.values())
    if abs(total - 1.0) > WEIGHT_SUM_TOL:
        detail = " + ".join(f"{name} {c.weight:g}" for name, c in classes_in.items())
        raise at("targets.classes").error(
            f"target weights must sum to 1 (within 1e-9); they sum to {total:.12g} ({detail})"
        )
    for cls in data.targets.location:
        if cls not in classes_in:
            raise at("targets.location").error(
                f"asset class {cls!r} has no target; target classes: {_listing(list(classes_in))}",
                cls,
            )
    targets: list[ClassTarget] = []
    for name, c in classes_in.items():
        location = tuple(data.targets.location.get(name, ()))
        if len(set(location)) != len(location):
            raise at("targets.location").error("an account type is listed twice", name)
        if c.band_abs is None and c.band_rel is None:
            band_abs: AbsoluteBand | None = AbsoluteBand(width=c.tier.default_band_abs)
            band_rel: RelativeBand | None = None
        else:
            band_abs = AbsoluteBand(width=c.band_abs) if c.band_abs is not None else None
            band_rel = RelativeBand(width=c.band_rel) if c.band_rel is not None else None
        targets.append(
            ClassTarget(
                asset_class=name,
                weight=float(c.weight),
                tier=c.tier,
                band_abs=band_abs,
                band_rel=band_rel,
                location=location,
                liquid_substitute=c.liquid_substitute,
            )
        )
    target_names = list(classes_in)

    # -- securities -----------------------------------------------------------
    securities: list[Security] = []
    sec_path: dict[str, str] = {}
    for i, s in enumerate(data.securities):
        path = f"securities[{i}]"
        here = at(path)
        if s.symbol in sec_path:
            raise here.error(f"duplicate symbol {s.symbol!r} (also {sec_path[s.symbol]})", "symbol")
        sec_path[s.symbol] = path
        ccy, price_usd, price_local = _price(s, here, fx)
        if (s.asset_class is None) == (s.look_through is None):
            raise here.error(
                f"security {s.symbol!r}: give exactly one of asset_class or look_through "
                f"({'both' if s.asset_class else 'neither'} given)"
            )
        if s.asset_class is not None:
            mix: tuple[tuple[str, float], ...] = ((s.asset_class, 1.0),)
            mix_key = "asset_class"
        else:
            assert s.look_through is not None
            if not s.look_through:
                raise here.error("look_through is empty", "look_through")
            mix = tuple((k, float(v)) for k, v in s.look_through.items())
            mix_total = sum(v for _, v in mix)
            if abs(mix_total - 1.0) > LOOK_THROUGH_SUM_TOL:
                raise here.error(
                    f"look-through fractions must sum to 1 (within 1e-9); "
                    f"they sum to {mix_total:.12g}",
                    "look_through",
                )
            mix_key = "look_through"
        for cls, _ in mix:
            if cls not in classes_in:
                raise here.error(
                    f"asset class {cls!r} of {s.symbol!r} has no target; "
                    f"target classes: {_listing(target_names)}",
                    mix_key,
                )
        securities.append(
            Security(
                symbol=s.symbol,
                price_usd=price_usd,
                look_through=mix,
                wash_group=s.wash_group or s.symbol,
                substitutes=tuple(s.substitutes),
                tradable=s.tradable,
                cost_bps=float(s.cost_bps),
                expense_ratio=None if s.expense_ratio is None else float(s.expense_ratio),
                name=s.name,
                currency=ccy,
                price_local=price_local,
                currency_mix=_currency_mix(s, here),
                foreign_tax=_foreign_tax(s, here),
                country=None if s.country is None else s.country.strip().upper(),
            )
        )
    symbols = list(sec_path)
    by_symbol = {s.symbol: s for s in securities}
    for i, sec in enumerate(securities):
        seen: set[str] = set()
        for j, sub in enumerate(sec.substitutes):
            here = at(f"securities[{i}].substitutes[{j}]")
            if sub in seen:
                raise here.error(f"substitute {sub!r} is listed twice")
            seen.add(sub)
            if sub == sec.symbol:
                raise here.error(f"{sec.symbol!r} cannot be its own substitute")
            if sub not in by_symbol:
                raise here.error(
                    f"substitute {sub!r} of {sec.symbol!r} is not a listed security "
                    f"(a substitute needs a price); securities: {_listing(symbols)}"
                )
            if by_symbol[sub].wash_group == sec.wash_group:
                raise here.error(
                    f"substitute {sub!r} is in the same wash-sale group {sec.wash_group!r} "
                    f"as {sec.symbol!r}: buying it after a loss sale would be a wash sale"
                )

    # -- lots -----------------------------------------------------------------
    records: list[tuple[LotIn, Origin]] = [
        (lot, at(f"lots[{i}]")) for i, lot in enumerate(data.lots)
    ]
    records.extend(extra_lots)
    account_of = {a.id: a for a in accounts}
    lots: list[HeldLot] = []
    counter: dict[tuple[str, str], int] = {}
    id_origin: dict[str, Origin] = {}
    for rec, origin in records:
        if rec.account not in account_of:
            raise origin.error(
                f"unknown account {rec.account!r}; accounts: {_listing(account_ids)}", "account"
            )
        if rec.symbol not in by_symbol:
            raise origin.error(
                f"unknown security {rec.symbol!r}; securities: {_listing(symbols)}", "symbol"
            )
        pair = (rec.account, rec.symbol)
        counter[pair] = counter.get(pair, 0) + 1
        lot_id = rec.id if rec.id is not None else f"{rec.account}:{rec.symbol}:{counter[pair]}"
        if lot_id in id_origin:
            first = id_origin[lot_id]
            where = first.path if first.line is None else f"{first.file} line {first.line}"
            raise origin.error(f"duplicate lot id {lot_id!r} (also {where})", "id")
        id_origin[lot_id] = origin
        acquired = rec.acquired
        if not rec.date_known:
            if rec.holding_start is not None:
                raise origin.error("a lot with an unknown acquisition date has no holding_start",
                                   "holding_start")
            acquired = acquired or as_of  # treated as bought on the plan date (conservative)
        if account_of[rec.account].type is AccountType.TAXABLE:
            if rec.cost_basis_usd is None:
                raise origin.error(
                    f"a lot in taxable account {rec.account!r} needs its cost basis (dollars)",
                    "cost_basis_usd",
                )
            if acquired is None:
                raise origin.error(
                    f"a lot in taxable account {rec.account!r} needs its acquisition date",
                    "acquired",
                )
        for key in ("acquired", "holding_start"):
            day = getattr(rec, key)
            if day is not None and day > as_of:
                raise origin.error(
                    f"date {day.isoformat()} is after as_of {as_of.isoformat()}", key
                )
        if rec.holding_start is not None:
            if rec.acquired is None:
                raise origin.error("holding_start needs an acquisition date", "holding_start")
            if rec.holding_start > rec.acquired:
                raise origin.error(
                    f"holding_start {rec.holding_start.isoformat()} is after the acquisition "
                    f"date {rec.acquired.isoformat()} (a tacked holding period starts earlier)",
                    "holding_start",
                )
        lots.append(
            HeldLot(
                id=lot_id,
                account=rec.account,
                symbol=rec.symbol,
                quantity=float(rec.quantity),
                cost_basis_usd=None if rec.cost_basis_usd is None else float(rec.cost_basis_usd),
                acquired=acquired,
                holding_start=rec.holding_start,
                date_known=rec.date_known,
            )
        )

    # -- household settings that refer to lots and securities -------------------
    for i, name in enumerate(sec_in.hold_for_step_up):
        if name not in id_origin and name not in by_symbol:
            raise at(f"household.hold_for_step_up[{i}]").error(
                f"{name!r} is neither a lot id nor a listed security"
            )

    # -- recent trades --------------------------------------------------------
    trades: list[Trade] = []
    for i, t in enumerate(data.recent_trades):
        here = at(f"recent_trades[{i}]")
        if t.account not in account_of:
            raise here.error(
                f"unknown account {t.account!r}; accounts: {_listing(account_ids)}", "account"
            )
        if t.date > as_of:
            raise here.error(
                f"date {t.date.isoformat()} is after as_of {as_of.isoformat()}", "date"
            )
        trades.append(
            Trade(
                date=t.date,
                account=t.account,
                symbol=t.symbol,
                side=t.side,
                quantity=float(t.quantity),
                price_usd=float(t.price_usd),
            )
        )

    # -- private funds ----------------------------------------------------------
    warnings: list[str] = []
    funds, marks = _private_funds(data, file, account_ids, by_symbol, target_names)
    view = ExposureView(data.exposure_view)
    for i, (f, f_in) in enumerate(zip(funds, data.private_funds, strict=True)):
        if view is ExposureView.PROXY_ROLLED and f.nav_usd:
            if f.proxy is None:
                warnings.append(f"private fund {f.id!r} has no proxy: under the proxy_rolled "
                                "view its reported NAV is used as is")
            elif f_in.proxy_price_at_nav_usd is None:
                raise at(f"private_funds[{i}]").error(
                    f"exposure_view proxy_rolled needs the price of proxy {f.proxy!r} on the "
                    f"NAV date {_iso(f.nav_as_of)} to roll the NAV forward",
                    "proxy_price_at_nav_usd")
    reserve = None
    if data.call_reserve is not None:
        r = data.call_reserve
        if r.proxy is not None:
            if r.proxy not in by_symbol:
                raise at("call_reserve").error(
                    f"proxy {r.proxy!r} is not a security of the household; securities: "
                    f"{_listing(symbols)}", "proxy")
            if not by_symbol[r.proxy].tradable:
                raise at("call_reserve").error(
                    f"proxy {r.proxy!r} is not tradable: a call reserve must be sellable",
                    "proxy")
        if not funds:
            warnings.append("call_reserve is set but the household has no private funds: "
                            "nothing to reserve for")
        reserve = CallReserve(months=r.months, coverage=float(r.coverage), proxy=r.proxy)
    private_classes = {f.asset_class for f in funds}
    for name, c in classes_in.items():
        standin = c.liquid_substitute
        if standin is None:
            continue
        here = at(f"targets.classes.{name}")
        if standin not in by_symbol:
            raise here.error(f"liquid substitute {standin!r} is not a security of the household; "
                             f"securities: {_listing(symbols)}", "liquid_substitute")
        if not by_symbol[standin].tradable:
            raise here.error(f"liquid substitute {standin!r} is not tradable", "liquid_substitute")
        if by_symbol[standin].look_through != ((name, 1.0),):
            raise here.error(
                f"liquid substitute {standin!r} must have asset_class {name!r} (its holdings stand "
                f"in for the class until capital is called); it has "
                f"{dict(by_symbol[standin].look_through)}", "liquid_substitute")
        if name not in private_classes:
            warnings.append(f"class {name!r} has a liquid substitute but no private fund")

    # -- warnings -------------------------------------------------------------
    reachable = {cls for s in securities for cls, _ in s.look_through} | private_classes
    for tgt in targets:
        if tgt.asset_class not in reachable and tgt.weight > 0:
            warnings.append(
                f"target class {tgt.asset_class!r} (weight {tgt.weight:g}) is held by no "
                "security: no plan can reach it"
            )

    if sec_in.investment_income_usd > sec_in.ordinary_income_usd:
        raise at("household").error(
            f"investment_income_usd ({sec_in.investment_income_usd:g}) is the part of "
            f"ordinary_income_usd ({sec_in.ordinary_income_usd:g}) that is investment "
            "income, so it cannot be larger",
            "investment_income_usd",
        )
    tax = TaxFacts(
        filing_status=sec_in.filing_status,
        tax_year=tax_year,
        ordinary_income_usd=float(sec_in.ordinary_income_usd),
        investment_income_usd=float(sec_in.investment_income_usd),
        qualified_dividends_usd=float(sec_in.qualified_dividends_usd),
        state_rate=float(sec_in.state_rate),
        carryforward_st_usd=float(sec_in.loss_carryforward_usd.short_term),
        carryforward_lt_usd=float(sec_in.loss_carryforward_usd.long_term),
        realized_st_usd=float(sec_in.realized_this_year_usd.short_term),
        realized_lt_usd=float(sec_in.realized_this_year_usd.long_term),
    )
    return Household(
        name=sec_in.name,
        as_of=as_of,
        tax=tax,
        accounts=tuple(accounts),
        securities=tuple(securities),
        lots=tuple(lots),
        targets=tuple(targets),
        recent_trades=tuple(trades),
        harvest=HarvestSettings(
            enabled=sec_in.harvest.enabled,
            min_loss_usd=float(sec_in.harvest.min_loss_usd),
            min_loss_frac=float(sec_in.harvest.min_loss_frac),
        ),
        realize_zero_bracket_gains=sec_in.realize_zero_bracket_gains,
        hold_for_step_up=tuple(sec_in.hold_for_step_up),
        wash_sale=WashSalePolicy(
            avoid=sec_in.wash_sale.avoid,
            include_spouse=sec_in.wash_sale.include_spouse,
            include_tax_advantaged=sec_in.wash_sale.include_tax_advantaged,
        ),
        private_funds=funds,
        exposure_view=view,
        proxy_marks=marks,
        call_reserve=reserve,
        warnings=tuple(warnings),
        source=file,
        base_currency=base,
        fx_rates_usd=fx.used(),
        fx_cost_bps=float(sec_in.fx_cost_bps),
        account_fx_cost_bps=tuple(account_fx),
        fx_source=fx.source(),
    )


@lru_cache(maxsize=1)
def _shipped_fx() -> FxTable:
    """The shipped ECB table, read (and its sha256 checked) once per process: a batch of
    households (``plan --all``, the monitor) shares it."""
    from rebal.datasets import load_fx

    return load_fx()


class _FxRates:
    """The rates a household uses on its ``as_of`` (USD per unit): the file's
    ``fx_rates_usd`` first, else the FX table (``fx_file`` or the shipped ECB table,
    loaded only when a rate is needed)."""

    def __init__(self, data: HouseholdFileIn, *, file: str | None, fx_file: str | None,
                 fx_flag: bool = False) -> None:
        self._flag = fx_flag
        self._as_of = data.as_of
        self._file = file
        self._fx_file = fx_file
        self._given: dict[str, float] = {}
        for code, value in data.household.fx_rates_usd.items():
            here = Origin(file, "household.fx_rates_usd")
            try:
                key = check_code(code)
            except ConfigError as exc:
                raise here.error(str(exc), code) from None
            if key == "USD" and value != 1.0:
                raise here.error(f"the US dollar is 1 USD per USD by definition, got {value:g}",
                                 code)
            self._given[key] = float(value)
        self._table: FxTable | None = None
        self._used: dict[str, float] = {}
        self._from_table = False

    def _load(self) -> FxTable:
        if self._table is None:
            if self._fx_file is not None:
                from rebal.data.fx import read_fx

                try:
                    self._table = read_fx(self._fx_file)
                except OSError as exc:
                    where = (Origin(None, "--fx") if self._flag
                             else Origin(self._file, "household.fx_file"))
                    raise where.error(f"cannot read the FX table {self._fx_file}: "
                                      f"{exc.strerror or exc}") from None
            else:
                self._table = _shipped_fx()
        return self._table

    def rate(self, ccy: str, origin: Origin, key: str) -> float:
        """USD per unit of ``ccy`` on ``as_of``; an error at ``origin``/``key`` when the
        table has no such currency or no quote near ``as_of``."""
        if ccy == "USD":
            return 1.0
        if ccy in self._given:
            self._used[ccy] = self._given[ccy]
            return self._given[ccy]
        import numpy as np

        table = self._load()
        day = np.array([self._as_of], dtype="datetime64[D]")
        try:
            value = float(table.rate(ccy, "USD", day)[0])
        except (ConfigError, InputError) as exc:
            if isinstance(exc, InputError):  # no quote near as_of: name the table
                detail = f"{exc.message} (FX table {table.source}"
            else:  # a currency the table lacks: the message names the table
                detail = f"{str(exc).split(': ', 1)[-1]} ("
            raise origin.error(f"currency {ccy!r} on as_of {self._as_of.isoformat()}: {detail}"
                               "; or give household.fx_rates_usd)", key) from None
        self._used[ccy] = value
        self._from_table = True
        return value

    def used(self) -> tuple[tuple[str, float], ...]:
        return tuple(sorted(self._used.items()))

    def source(self) -> str:
        if not self._used:
            return ""
        if not self._from_table:
            return "the household file's fx_rates_usd"
        table = self._load()
        given = " and the household file's fx_rates_usd" if self._given else ""
        return f"{table.source}{given}, on {self._as_of.isoformat()}"


def _price(s: SecurityIn, here: Origin, fx: _FxRates) -> tuple[str, float, float | None]:
    """``(currency, price in USD, price in its currency or None for USD)``."""
    try:
        ccy = check_code(s.currency)
    except ConfigError as exc:
        raise here.error(str(exc), "currency") from None
    if ccy == "USD":
        if s.price_usd is not None and s.price is not None and s.price != s.price_usd:
            raise here.error(f"security {s.symbol!r}: give one of price or price_usd "
                             "(they differ)", "price")
        value = s.price_usd if s.price_usd is not None else s.price
        if value is None:
            raise here.error(f"security {s.symbol!r} has no price", "price_usd")
        return ccy, float(value), None
    if s.price_usd is not None:
        raise here.error(f"security {s.symbol!r} trades in {ccy}: give its price in {ccy} "
                         "as price (price_usd is for USD securities)", "price_usd")
    if s.price is None:
        raise here.error(f"security {s.symbol!r} has no price (in {ccy})", "price")
    return ccy, float(s.price) * fx.rate(ccy, here, "currency"), float(s.price)


def _currency_mix(s: SecurityIn, here: Origin) -> tuple[tuple[str, float], ...]:
    if s.currency_mix is None:
        return ()
    if not s.currency_mix:
        raise here.error("currency_mix is empty", "currency_mix")
    mix: dict[str, float] = {}
    for code, frac in s.currency_mix.items():
        try:
            key = check_code(code)
        except ConfigError as exc:
            raise here.error(str(exc), "currency_mix") from None
        if key in mix:
            raise here.error(f"currency {key} is listed twice", "currency_mix")
        mix[key] = float(frac)
    total = sum(mix.values())
    if abs(total - 1.0) > LOOK_THROUGH_SUM_TOL:
        raise here.error(f"currency_mix fractions must sum to 1 (within 1e-9); they sum to "
                         f"{total:.12g}", "currency_mix")
    return tuple(mix.items())


def _foreign_tax(s: SecurityIn, here: Origin) -> ForeignTax | None:
    ft = s.foreign_tax
    if s.country is not None:
        try:
            share = treaty_dividend_rate(s.country)
        except ConfigError as exc:
            raise here.error(str(exc), "country") from None
        if ft is None or ft.yield_ is None:
            raise here.error(f"security {s.symbol!r} names a country: give its dividend yield "
                             "as foreign_tax.yield (the treaty sets the withholding)",
                             "foreign_tax")
        if ft.share is not None or ft.preset is not None:
            raise here.error("with country, the treaty rate is the foreign-tax share: give "
                             "foreign_tax.yield only", "foreign_tax")
        return ForeignTax(yield_frac=float(ft.yield_), share=share,
                          basis=f"treaty {s.country.strip().upper()}")
    if ft is None:
        return None
    if ft.preset is not None:
        if ft.preset not in FOREIGN_TAX_PRESETS:
            raise here.error(f"unknown foreign_tax preset {ft.preset!r}; presets: "
                             f"{', '.join(FOREIGN_TAX_PRESETS)}", "foreign_tax")
        if ft.yield_ is not None or ft.share is not None:
            raise here.error("give a foreign_tax preset or yield and share, not both",
                             "foreign_tax")
        y, share = FOREIGN_TAX_PRESETS[ft.preset]
        return ForeignTax(yield_frac=y, share=share, basis=f"preset {ft.preset}")
    if ft.yield_ is None or ft.share is None:
        raise here.error("foreign_tax needs both yield and share (or a preset, or a country)",
                         "foreign_tax")
    return ForeignTax(yield_frac=float(ft.yield_), share=float(ft.share))
def _iso(day: object) -> str:
    return day.isoformat() if hasattr(day, "isoformat") else str(day)


def _fund(raw: dict[str, object], file: str | None, path: str) -> PrivateFund:
    """The fund at ``path`` by :func:`rebal.alternatives.files.fund_from_mapping`, the one
    reader of a fund's keys (a funds file's and a household's are the same); its errors
    name this file (none for a household given as data) and the key."""
    from rebal.alternatives.files import fund_from_mapping

    try:
        return fund_from_mapping(raw, file=file or "", where=path)
    except InputError as exc:
        raise InputError(exc.message, file=file, row=exc.row, field=exc.field) from None


def _private_funds(
    data: HouseholdFileIn,
    file: str | None,
    account_ids: list[str],
    by_symbol: dict[str, Security],
    target_names: list[str],
) -> tuple[tuple[PrivateFund, ...], tuple[tuple[str, float], ...]]:
    """The file's private funds (checked against the household) and their proxy marks."""
    from rebal.alternatives.takahashi import TA_PRESETS, params_for

    funds: list[PrivateFund] = []
    marks: list[tuple[str, float]] = []
    seen: dict[str, str] = {}
    for i, f in enumerate(data.private_funds):
        path = f"private_funds[{i}]"
        here = Origin(file, path)
        if f.id in seen:
            raise here.error(f"duplicate private fund id {f.id!r} (also {seen[f.id]})", "id")
        seen[f.id] = path
        if f.asset_class not in target_names:
            raise here.error(f"asset class {f.asset_class!r} of private fund {f.id!r} has no "
                             f"target; target classes: {_listing(target_names)}", "asset_class")
        if f.called_usd > f.commitment_usd:
            raise here.error(f"called ${f.called_usd:,.2f} is above the commitment "
                             f"${f.commitment_usd:,.2f}", "called_usd")
        if f.distributed_usd > 0 and f.called_usd == 0 and f.nav_usd is None:
            raise here.error(f"distributions of ${f.distributed_usd:,.2f} on a fund that has "
                             "called nothing and reports no NAV", "distributed_usd")
        if (f.nav_usd is None) != (f.nav_as_of is None):
            key = "nav_as_of" if f.nav_as_of is None else "nav_usd"
            raise here.error("give nav_usd and nav_as_of together (a NAV is as of a date)", key)
        if f.nav_as_of is not None and f.nav_as_of > data.as_of:
            raise here.error(f"NAV date {f.nav_as_of.isoformat()} is after as_of "
                             f"{data.as_of.isoformat()}", "nav_as_of")
        if f.proxy is not None and f.proxy not in by_symbol:
            raise here.error(f"proxy {f.proxy!r} is not a security of the household; "
                             f"securities: {_listing(list(by_symbol))}", "proxy")
        if f.proxy_price_at_nav_usd is not None and f.proxy is None:
            raise here.error("proxy_price_at_nav_usd is given but no proxy",
                             "proxy_price_at_nav_usd")
        if f.account is not None and f.account not in account_ids:
            raise here.error(f"unknown account {f.account!r}; accounts: "
                             f"{_listing(account_ids)}", "account")
        # the one reader of a fund's keys (a funds file's and a household's are the same)
        raw = f.model_dump(exclude={"proxy_price_at_nav_usd"})
        raw["name"] = f.name or f.id
        fund = _fund(raw, file, path)
        try:
            params_for(fund)
        except ValueError:
            raise here.error(
                f"no cash-flow model for asset class {f.asset_class!r} (calls and "
                f"distributions are projected with one): give model: one of "
                f"{', '.join(TA_PRESETS)}", "model") from None
        funds.append(fund)
        if f.proxy_price_at_nav_usd is not None:
            marks.append((f.id, float(f.proxy_price_at_nav_usd)))
    return tuple(funds), tuple(marks)
