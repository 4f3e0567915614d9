"""Taxable backtests: lots, yearly tax bills, loss harvesting, after-tax results.

Event-driven: between events every account holds fixed units of each asset's
price-return index, and :func:`rebal.backtest.taxable.kernels.next_event` (numba)
jumps to the next row where something may happen. Events, processed at the close
of their row in this order (``docs/taxable_backtests.md`` states every rule):

1. dividends (DRIP) on the dividend calendar's rows;
2. the tax bill of the previous year, on its payment row;
3. swap-backs that are due;
4. loss harvests (lots past their thresholds);
5. the policy's rebalance, per account, on the classes' weights.

Lots, relief, holding periods and wash sales are :class:`rebal.tax.Ledger`; the
lots a sale relieves are chosen by :func:`rebal.tax.select_lots` with the
account's method and named to the ledger (specific identification).

Wash-sale guard (:class:`rebal.tax.washsale.AvoidanceGuard`; across every account;
conservative, date-based):
- a buy of a wash-sale group is not made within 30 days after a loss sale of
  the group (it goes to the class's other member, or the class is left as it is);
- a sale at a loss is not made within 30 days after a buy of the group (only lots
  whose net proceeds cover their basis are then sold).
So no sale of the simulation is ever a wash sale, and a year's totals are final
when the year ends (a January buy can never wash a December loss).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from itertools import repeat

import numpy as np

from rebal.backtest import kernels
from rebal.backtest.costs import CostModel
from rebal.backtest.engine import PolicyLike, run_backtest
from rebal.backtest.taxable.kernels import ScanInputs, next_event
from rebal.backtest.taxable.results import (
    HarvestLog,
    TaxableBacktestResult,
    TaxTradeReason,
    TaxTradeTable,
)
from rebal.backtest.taxable.settings import BracketRates, FlatRates, SimAccount, TaxSettings
from rebal.backtest.taxable.tax import YearTax, params_year, year_tax
from rebal.data.market import MarketData
from rebal.errors import ConfigError, DataError, RebalError
from rebal.policy.breach import breached_mask
from rebal.policy.kinds import ALL_KINDS, PolicyKind, require_kind
from rebal.policy.policy import CompiledPolicy, Policy
from rebal.policy.schedule import period_end_mask
from rebal.policy.target import target_array
from rebal.tax.harvest import HarvestSettings, harvest_trigger_price, worth_harvesting
from rebal.tax.holding import one_year_after
from rebal.tax.ledger import Ledger
from rebal.tax.lots import Trade, WashSaleSettings
from rebal.tax.marginal import TaxProfile, marginal_rates
from rebal.tax.relief import LotLike, LotPick, select_lots
from rebal.tax.washsale import AvoidanceGuard, first_safe_date
from rebal.types import AccountType, Frequency, LotMethod, Side

__all__ = ["SUPPORTED_KINDS", "check_taxable_policy", "run_taxable_backtest"]

SUPPORTED_KINDS: frozenset[PolicyKind] = ALL_KINDS - {PolicyKind.TIERS, PolicyKind.SCORE}
"""The policy kinds the taxable loop runs: one group, band or calendar trigger, no
action days (so no tiers and no score)."""
_LOOP = "taxable backtest"

_PER_YEAR = {Frequency.MONTHLY: 12, Frequency.QUARTERLY: 4, Frequency.SEMIANNUAL: 2,
             Frequency.ANNUAL: 1}
_R = TaxTradeReason


def _unit_prices(market: MarketData, assets: Sequence[str], tax: TaxSettings
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(prices, growth, pay_rows)``: price-return index, per-row dividend growth
    ``g`` (``(n_days, n_assets)``, reinvested units per unit held) and pay mask."""
    tr = market.prices
    n = market.n_days
    unknown = [a for a in tax.dividend_yield if a not in assets]
    if unknown:
        raise ConfigError(f"TaxSettings.dividend_yield: {unknown[0]!r} is not held "
                          f"(assets {', '.join(assets)})")
    pay = period_end_mask(market.dates, tax.dividend_frequency)
    g = np.zeros_like(tr)
    per = _PER_YEAR[tax.dividend_frequency]
    for j, a in enumerate(assets):
        y = tax.dividend_yield.get(a)
        if y is None:
            continue
        arr = np.broadcast_to(np.asarray(y, dtype=np.float64), (n,)) if np.ndim(y) == 0 \
            else np.asarray(y)
        if arr.shape != (n,):
            raise ConfigError(f"TaxSettings.dividend_yield[{a!r}] has {arr.shape[0]} rows, "
                              f"the data {n}")
        g[:, j] = np.where(pay, arr / per, 0.0)
    factor = np.cumprod(1.0 + g, axis=0)
    return tr / factor, g, pay & (g > 0).any(axis=1)


class _Sim:
    """The mutable state of one taxable backtest (one instance per run)."""

    def __init__(self, *, market: MarketData, classes: list[str], assets: list[str],
                 tw: np.ndarray, compiled: CompiledPolicy, accounts: list[SimAccount],
                 tax: TaxSettings, harvest: HarvestSettings | None, costs: CostModel) -> None:
        self.dates = market.dates
        self.py_dates: list[date] = market.dates.astype(object).tolist()
        # proleptic ordinals of the rows (1970-01-01 is 719163): date -> row by bisection
        self.ords: list[int] = (market.dates.astype(np.int64) + 719163).tolist()
        first, last = self.py_dates[0].year, self.py_dates[-1].year
        self.years = [y for y in range(first, last + 1)
                      if self.row_on_or_after(date(y, 1, 1)) < len(self.ords)
                      and self.py_dates[self.row_on_or_after(date(y, 1, 1))].year == y]
        self.n_days = market.n_days
        self.classes, self.assets = classes, assets
        self.n_cls, self.n_assets = len(classes), len(assets)
        self.tax, self.harvest = tax, harvest
        self.tw = tw
        self.sim_accounts = accounts
        self.n_acc = len(accounts)
        self.prices, self.growth, self.pay_rows = _unit_prices(market, assets, tax)
        self.cls = np.array([classes.index(a) if a in classes else -1 for a in assets],
                            dtype=np.int64)
        subs = harvest.substitutes if harvest else {}
        self.primary = [assets.index(c) for c in classes]
        self.sub = [assets.index(subs[c]) if c in subs else -1 for c in classes]
        for j, a in enumerate(assets):
            if self.cls[j] < 0:
                k = next(k for k, c in enumerate(classes) if subs.get(c) == a)
                self.cls[j] = k
        self.other = np.full(self.n_assets, -1, dtype=np.int64)
        for k in range(self.n_cls):
            if self.sub[k] >= 0:
                self.other[self.primary[k]] = self.sub[k]
                self.other[self.sub[k]] = self.primary[k]
        # costs: one rate per asset; a substitute costs what its primary costs unless named
        bps = costs.cost_bps
        if isinstance(bps, Mapping):
            full = dict(bps)
            for k, c in enumerate(classes):
                if self.sub[k] >= 0 and assets[self.sub[k]] not in full and c in full:
                    full[assets[self.sub[k]]] = full[c]
            costs = CostModel(cost_bps=full, fixed_usd=costs.fixed_usd,
                              min_trade_usd=costs.min_trade_usd)
        self.c = costs.rates(assets)
        self.c_cls = np.ascontiguousarray(self.c[self.primary])
        self.all_cls = np.arange(self.n_cls)
        self.solve_active = np.empty(self.n_cls, np.bool_)
        self.solve_x = np.empty(self.n_cls)
        self.solve_sg = np.empty(self.n_cls)
        self.fixed = costs.fixed_usd
        self.min_trade = costs.min_trade_usd
        self.compiled = compiled
        self.check = np.ascontiguousarray(compiled.kernel_check[:, 0])
        self.band = compiled.band
        # rows whose half-widths are all negative, "always act" (breached_mask is all True)
        self.always: list[bool] = (self.band < 0.0).all(axis=1).tolist()
        self.sizing = int(compiled.kernel_sizing[0])
        self.scope = int(compiled.kernel_scope[0])
        self.wash = WashSaleSettings(groups=dict(tax.wash_groups))
        self.group = [self.wash.group_of(a) for a in assets]
        for k in range(self.n_cls):
            if self.sub[k] >= 0 and self.group[self.sub[k]] == self.group[self.primary[k]]:
                raise ConfigError(
                    f"HarvestSettings.substitutes: {assets[self.sub[k]]!r} is in the wash-sale "
                    f"group of {classes[k]!r} (it would wash every harvest)"
                )
        self.accounts = tuple(a.account(tax.lot_method) for a in accounts)
        self.taxable = [a.type is AccountType.TAXABLE for a in accounts]
        self.st_rate, self.lt_rate, self.ordinary_rate = self._lot_rates()
        self.ledger = Ledger(self.accounts, self.wash, st_rate=self.st_rate,
                             lt_rate=self.lt_rate)
        self.history: list[Trade] = []
        self.U = np.zeros((self.n_acc, self.n_assets))
        # the units as Python floats (what the event code reads: numpy scalars are slow in
        # plain arithmetic; the IEEE results are the same); written with U by set_units
        self.units: list[list[float]] = self.U.tolist()
        self.cl: list[float] = self.c.tolist()
        self.cls_l: list[int] = self.cls.tolist()
        self._row_t = -1
        self._row: list[float] = []
        self.unit_days: list[int] = []
        self.unit_rows: list[np.ndarray] = []
        self.values = np.empty(self.n_days)
        self.taxes = np.zeros(self.n_days)
        self.costs = np.zeros(self.n_days)
        self.tr: list[tuple[int, int, int, float, float, float, int]] = []
        self.hv: list[tuple[int, int, int, int, float]] = []
        self.wash_guard = AvoidanceGuard()
        self.realized: dict[int, list[float]] = {}
        self.qdiv: dict[int, float] = {}
        self.swap_due: dict[int, date] = {}
        self.trig_dirty: set[tuple[int, int]] = set()
        # holding start -> the date one year after it (a sale after it is long term)
        self.year_after: dict[date, date] = {}
        self.trig = np.full((self.n_acc, self.n_assets), -np.inf)
        self.trig_from = np.zeros((self.n_acc, self.n_assets), dtype=np.int64)
        # the same as Python lists (read on every event row), written together
        self.trig_l: list[list[float]] = self.trig.tolist()
        self.trig_from_l: list[list[int]] = self.trig_from.tolist()
        self.other_l: list[int] = self.other.tolist()
        self.notes: list[str] = []
        self.year_taxes: list[YearTax] = []
        self.carry = (0.0, 0.0)
        self.changed = False
        self.tax_due = 0.0

    def price_row(self, t: int) -> list[float]:
        """The unit prices of row ``t`` as Python floats (the last row read is kept)."""
        if t != self._row_t:
            self._row = self.prices[t].tolist()
            self._row_t = t
        return self._row

    def set_units(self, a: int, j: int, units: float) -> None:
        """Account ``a`` holds ``units`` of asset ``j`` (in ``U`` and ``units``)."""
        self.U[a, j] = units
        self.units[a][j] = units

    def row_on_or_after(self, d: date) -> int:
        """First row dated on or after ``d`` (``n_days`` if none)."""
        return bisect_left(self.ords, d.toordinal())

    # ------------------------------------------------------------ rates
    def _lot_rates(self) -> tuple[float, float, float]:
        r = self.tax.rates
        if isinstance(r, FlatRates):
            return r.st_rate + r.state_rate, r.lt_rate + r.state_rate, r.st_rate + r.state_rate
        y = params_year(int(self.py_dates[0].year), r.table_year)
        m = marginal_rates(TaxProfile(year=y, filing_status=r.filing_status,
                                      ordinary_income=r.ordinary_income,
                                      state_rate=r.state_rate), max_gain=1.0)
        return m.st_rate, m.lt_rate, m.st_rate

    # ------------------------------------------------------------ guard
    def buy_ok(self, j: int, d: date) -> bool:
        return self.wash_guard.buy_ok(self.group[j], d)

    def loss_sale_ok(self, j: int, d: date) -> bool:
        return self.wash_guard.loss_sale_ok(self.group[j], d)

    def preferred(self, k: int, d: date) -> int:
        """The member of class ``k`` a buy goes to on ``d`` (-1: none allowed)."""
        for j in (self.primary[k], self.sub[k]):
            if j >= 0 and self.buy_ok(j, d):
                return j
        return -1

    # ------------------------------------------------------------ lots
    def open_lots(self, a: int, j: int) -> tuple[LotLike, ...]:
        """The ledger's open lots of asset ``j`` in account ``a`` now (live views: read
        them before the next trade). Never cached: the ledger's wash-sale matching can
        split lots of any pair when a day closes (the final liquidation's sales)."""
        return self.ledger.lot_views(self.accounts[a].id, self.assets[j])

    # ------------------------------------------------------------ trades
    def _log(self, t: int, a: int, j: int, value: float, units: float, cost: float,
             reason: TaxTradeReason) -> None:
        self.tr.append((t, a, j, value, units, cost, int(reason)))
        self.costs[t] += cost
        self.changed = True

    def buy(self, t: int, a: int, j: int, dollars: float, reason: TaxTradeReason,
            *, free: bool = False) -> float:
        """Buy ``dollars`` (gross) of asset ``j``; returns the cash used (with costs)."""
        if dollars <= 0.0:
            return 0.0
        p = self.price_row(t)[j]
        units = dollars / p
        fee = 0.0 if free else self.cl[j] * dollars + self.fixed
        d = self.py_dates[t]
        trade = Trade(date=d, account=self.accounts[a].id, symbol=self.assets[j], side=Side.BUY,
                      quantity=units, price_usd=p, fees=fee, reinvested=reason is _R.DIVIDEND)
        self.ledger.apply(trade)
        self.history.append(trade)
        self.set_units(a, j, self.units[a][j] + units)
        self.wash_guard.record_buy(self.group[j], d)
        self.trig_dirty.add((a, j))
        self._log(t, a, j, dollars, units, fee, reason)
        return dollars + fee

    def sell(self, t: int, a: int, j: int, units: float, reason: TaxTradeReason,
             *, lots: Sequence[int] | None = None) -> tuple[float, float]:
        """Sell up to ``units`` of asset ``j`` (all of the open lots at indices ``lots``
        of :meth:`open_lots`, when given).

        In a taxable account a loss sale inside the guard window is avoided: only
        lots whose net proceeds cover their basis are sold. Returns ``(units sold,
        net cash)``.
        """
        held = self.units[a][j]
        if held <= 0.0 or units <= 0.0:
            return 0.0, 0.0
        p = self.price_row(t)[j]
        d = self.py_dates[t]
        acc = self.accounts[a]
        if not self.taxable[a]:
            q = held if units >= held * (1 - 1e-12) else units
            gross = q * p
            fee = self.cl[j] * gross + self.fixed
            trade = Trade(date=d, account=acc.id, symbol=self.assets[j], side=Side.SELL,
                          quantity=q, price_usd=p, fees=fee)
            self.ledger.apply(trade)
            self.history.append(trade)
            self.set_units(a, j, held - q if q < held else 0.0)
            self.trig_dirty.add((a, j))
            self._log(t, a, j, -gross, -q, fee, reason)
            return q, gross - fee
        views = self.open_lots(a, j)
        if lots is None:
            # (ledger index, lot) of the lots that may be sold: the picks name the
            # ledger's lots by their index
            pool: list[tuple[int, LotLike]] | None = None  # None: every lot
            total = sum([lot.quantity for lot in views])
            if total <= 0.0:
                # the ledger closed a dust remainder our units still carried
                self.set_units(a, j, 0.0)
                self.trig_dirty.add((a, j))
                return 0.0, 0.0
            q = total if units >= held * (1 - 1e-12) else min(units, total)
            if not self.loss_sale_ok(j, d):
                net_ps = p * (1.0 - self.cl[j]) - self.fixed / max(q, 1e-300)
                pool = [il for il in enumerate(views)
                        if il[1].basis_usd <= il[1].quantity * net_ps]
                avail = sum(lot.quantity for _, lot in pool)
                if avail < q:
                    q = avail
                    if q <= 0.0:
                        return 0.0, 0.0
                    net_ps = p * (1.0 - self.cl[j]) - self.fixed / q
                    pool = [il for il in pool
                            if il[1].basis_usd <= il[1].quantity * net_ps]
                    q = min(q, sum(lot.quantity for _, lot in pool))
                    if q <= 0.0:
                        return 0.0, 0.0
            if pool is None or len(pool) == len(views):  # the indices are the ledger's
                picks = select_lots(views, q, self.tax.lot_method, sale_date=d, price_usd=p,
                                    st_rate=self.st_rate, lt_rate=self.lt_rate)
            else:
                picked = select_lots([lot for _, lot in pool], q, self.tax.lot_method,
                                     sale_date=d, price_usd=p, st_rate=self.st_rate,
                                     lt_rate=self.lt_rate)
                picks = tuple(LotPick(index=pool[pk.index][0], lot_id=pk.lot_id,
                                      quantity=pk.quantity) for pk in picked)
        else:
            picks = tuple(LotPick(index=i, lot_id=views[i].id, quantity=views[i].quantity)
                          for i in lots)
            q = sum(pk.quantity for pk in picks)
        gross = q * p
        fee = self.cl[j] * gross + self.fixed
        net = gross - fee
        trade = Trade(date=d, account=acc.id, symbol=self.assets[j], side=Side.SELL,
                      quantity=q, price_usd=p, fees=fee, method=LotMethod.SPECIFIC,
                      lot_ids=tuple([pk.lot_id for pk in picks]))
        # the lots are live views of the ledger: read them before the sale changes them
        sold = []
        for pk in picks:
            lot, x = views[pk.index], pk.quantity
            sold.append((x, lot.basis_usd * (x / lot.quantity) if x < lot.quantity
                         else lot.basis_usd, lot.holding_start))
        self.ledger.apply(trade, picks=picks)
        self.history.append(trade)
        # the ledger splits net proceeds across lots in proportion to units
        row = self.realized.setdefault(d.year, [0.0, 0.0, 0.0, 0.0])
        loss = False
        for x, basis, start in sold:
            gain = net * x / q - basis
            after = self.year_after.get(start)
            if after is None:
                after = self.year_after[start] = one_year_after(start)
            k = 2 if d > after else 0  # is_long_term(start, d): IRC §1222
            if gain >= 0:
                row[k] += gain
            else:
                row[k + 1] += gain
            # the tax engine's threshold: a gain above -1e-9 dollars is not a loss
            loss |= gain < -1e-9
        if loss:
            self.wash_guard.record_loss_sale(self.group[j], d)
        left = held - q
        self.set_units(a, j, left if left > 1e-12 * held else 0.0)
        self.trig_dirty.add((a, j))
        self._log(t, a, j, -gross, -q, fee, reason)
        return q, net

    # ------------------------------------------------------------ class-level trading
    def class_dollars(self, t: int, a: int) -> tuple[np.ndarray, float]:
        hl = [0.0] * self.n_cls
        u, p, cls = self.units[a], self.price_row(t), self.cls_l
        for j in range(self.n_assets):
            hl[cls[j]] += u[j] * p[j]
        V = 0.0
        for v in hl:
            V += v
        return np.array(hl), V

    def sell_class(self, t: int, a: int, k: int, dollars: float,
                   reason: TaxTradeReason) -> float:
        """Sell ``dollars`` (gross) of class ``k``, substitute first; returns net cash."""
        cash = 0.0
        left = dollars
        u = self.units[a]
        for j in (self.sub[k], self.primary[k]):
            if j < 0 or u[j] <= 0.0 or left <= 1e-12 * dollars:
                continue
            p = self.price_row(t)[j]
            want = left / p
            q, net = self.sell(t, a, j, u[j] if want >= u[j] else want, reason)
            left -= q * p
            cash += net
        return cash

    def spend(self, t: int, a: int, plan: dict[int, float], cash: float,
              reason: TaxTradeReason) -> None:
        """Buy the classes of ``plan`` (gross dollars) with ``cash`` (net), scaled to fit."""
        d = self.py_dates[t]
        buys = []
        for k, x in plan.items():
            j = self.preferred(k, d)
            if j < 0:  # the class cannot be bought: the dollars go to the largest shortfall
                h, V = self.class_dollars(t, a)
                gap = [(self.tw[a, m] * V - h[m], m) for m in range(self.n_cls)
                       if self.preferred(m, d) >= 0]
                if not gap:
                    raise RebalError(f"{d}: every class is inside a wash-sale window")
                j = self.preferred(max(gap)[1], d)
            buys.append((j, x))
        if not buys or cash <= 0.0:
            return
        denom = sum(x * (1.0 + self.cl[j]) for j, x in buys)
        f = (cash - self.fixed * len(buys)) / denom
        for j, x in buys:
            self.buy(t, a, j, f * x, reason)

    def trade_to(self, t: int, a: int, ws: np.ndarray, h: np.ndarray,
                 reason: TaxTradeReason) -> None:
        """Rebalance account ``a``, holding ``h`` (:meth:`class_dollars`), to class weights
        ``ws`` (costs as in the engine)."""
        d = self.py_dates[t]
        frozen: np.ndarray | None = None  # classes whose buy is blocked (made when one is)
        n = self.n_cls
        # the kernel's work arrays (written by each call, read at once after it)
        active, x, sg = self.solve_active, self.solve_x, self.solve_sg
        while True:
            if frozen is not None:
                idx = np.flatnonzero(~frozen)
                hA = np.ascontiguousarray(h[idx])
                wsA = ws[idx]
                wsA = np.ascontiguousarray(wsA / wsA.sum())
                cA = self.c_cls[idx]
            else:  # every class (the arrays are contiguous already)
                idx, hA, wsA, cA = self.all_cls, h, np.ascontiguousarray(ws), self.c_cls
            VA = 0.0
            for v in hA.tolist():
                VA += v
            k_n = idx.size
            m, Vp, hF, st = kernels.solve_rebalance(
                hA, VA, wsA, cA, self.fixed, self.min_trade,
                *((active, x, sg) if k_n == n else (active[:k_n], x[:k_n], sg[:k_n])))
            if st != kernels.STATUS_OK:
                raise DataError(f"rebalance on {d}: trading costs exceed the account's value")
            xs, hs, on, ids = x.tolist(), hA.tolist(), active.tolist(), idx.tolist()
            trades = {ids[i]: xs[i] * (Vp - hF) - hs[i] for i in range(k_n) if on[i]}
            blocked = [k for k, v in trades.items() if v > 0 and self.preferred(k, d) < 0]
            if not blocked:
                break
            if frozen is None:
                frozen = np.zeros(n, dtype=np.bool_)
            frozen[blocked] = True
        if m == 0:
            return
        cash = 0.0
        for k in sorted(trades):
            if trades[k] < 0:
                cash += self.sell_class(t, a, k, -trades[k], reason)
        self.spend(t, a, {k: v for k, v in sorted(trades.items()) if v > 0}, cash, reason)

    # ------------------------------------------------------------ events
    def dividends(self, t: int) -> None:
        d = self.py_dates[t]
        for a in range(self.n_acc):
            for j in range(self.n_assets):
                g = float(self.growth[t, j])
                if g <= 0.0 or self.units[a][j] <= 0.0:
                    continue
                dollars = self.units[a][j] * g * self.price_row(t)[j]
                if self.taxable[a]:
                    self.qdiv[d.year] = self.qdiv.get(d.year, 0.0) + dollars
                dest = j if self.buy_ok(j, d) else self.other[j]
                if dest >= 0 and self.buy_ok(dest, d):
                    self.buy(t, a, dest, dollars, _R.DIVIDEND, free=True)
                else:
                    self.spend(t, a, {int(self.cls[j]): dollars}, dollars, _R.DIVIDEND)

    def bill(self, year: int) -> YearTax:
        row = self.realized.get(year, [0.0, 0.0, 0.0, 0.0])
        yt = year_tax(self.tax.rates, year, st_gains=row[0], st_losses=row[1],
                      lt_gains=row[2], lt_losses=row[3],
                      qualified_dividends=self.qdiv.get(year, 0.0),
                      st_carry_in=self.carry[0], lt_carry_in=self.carry[1])
        self.carry = (yt.st_carry_out_usd, yt.lt_carry_out_usd)
        return yt

    def pay(self, t: int, year: int) -> None:
        yt = self.bill(year)
        T = yt.tax_usd
        a = self.taxable.index(True)
        self.year_taxes.append(replace(yt, paid_day=t))
        self.taxes[t] += T
        if T == 0.0:
            return
        h, V = self.class_dollars(t, a)
        n = self.n_cls
        active = np.empty(n, np.bool_)
        e = np.empty(n)
        x = np.empty(n)
        _, _, st = kernels.solve_flow(h, np.ascontiguousarray(self.tw[a]), -T, self.c_cls,
                                      self.fixed, active, e, x)
        if st != kernels.STATUS_OK:
            raise DataError(f"tax payment on {self.py_dates[t]}: the bill of {year} "
                            f"(${T:,.2f}) exceeds the taxable account")
        if T < 0:
            self.spend(t, a, {k: x[k] for k in range(n) if active[k] and x[k] > 0}, -T,
                       _R.TAX_REFUND)
            return
        cash = 0.0
        for k in range(n):
            if active[k] and x[k] < 0:
                cash += self.sell_class(t, a, k, -x[k], _R.TAX_PAYMENT)
        if T - cash > 1e-9 * max(V, 1.0):
            cash += self.raise_cash(t, a, T - cash)
        short = T - cash
        if short > 1e-9 * max(V, 1.0):
            # every share that could pay it would be a loss sale inside a wash-sale window:
            # the rest is paid at the first event row where it can be raised
            self.tax_due += short
            self.taxes[t] -= short

    def raise_cash(self, t: int, a: int, need: float) -> float:
        """Sell up to ``need`` net dollars, largest class excess first (guard applied)."""
        n = self.n_cls
        h, V = self.class_dollars(t, a)
        order = sorted(range(n), key=lambda m: -(h[m] - self.tw[a, m] * V))
        cash = 0.0
        for m in order:
            left = need - cash
            if left <= 1e-9 * max(V, 1.0):
                break
            gross = (left + self.fixed) / (1.0 - self.c_cls[m])
            cash += self.sell_class(t, a, m, gross, _R.TAX_PAYMENT)
        return cash

    def pay_due(self, t: int) -> None:
        """Pay what a bill left unpaid (see :meth:`pay`)."""
        a = self.taxable.index(True)
        cash = self.raise_cash(t, a, self.tax_due)
        self.tax_due -= cash
        self.taxes[t] += cash
        if self.tax_due <= 1e-9:
            self.tax_due = 0.0

    def swap_back(self, t: int) -> None:
        d = self.py_dates[t]
        for k in sorted(self.swap_due):
            if self.swap_due[k] > d:
                continue
            y, x = self.sub[k], self.primary[k]
            if not self.buy_ok(x, d):
                self.swap_due[k] = first_safe_date(self.wash_guard.last_loss[self.group[x]])
                continue
            pending = False
            for a in range(self.n_acc):
                if self.units[a][y] <= 0.0:
                    continue
                _, cash = self.sell(t, a, y, self.units[a][y], _R.SWAP_BACK)
                if cash > 0:
                    self.buy(t, a, x, (cash - self.fixed) / (1.0 + self.cl[x]), _R.SWAP_BACK)
                pending |= self.units[a][y] > 0.0
            if pending:
                self.swap_due[k] = first_safe_date(self.wash_guard.last_buy[self.group[y]])
            else:
                del self.swap_due[k]

    def harvest_row(self, t: int) -> None:
        hs = self.harvest
        assert hs is not None
        d = self.py_dates[t]
        for a in range(self.n_acc):
            if not self.taxable[a]:
                continue
            for j in range(self.n_assets):
                o = self.other_l[j]
                if o < 0 or self.units[a][j] <= 0.0 or t < self.trig_from_l[a][j] or \
                        self.price_row(t)[j] > self.trig_l[a][j]:
                    continue
                if not (self.loss_sale_ok(j, d) and self.buy_ok(o, d)):
                    continue
                p = self.price_row(t)[j]
                views = self.open_lots(a, j)
                lots = [i for i, lot in enumerate(views)
                        if worth_harvesting(lot.basis_usd - lot.quantity * p, lot.basis_usd,
                                            hs.min_loss_usd, hs.min_loss_frac)]
                if not lots:
                    continue
                basis = sum(views[i].basis_usd for i in lots)
                _, cash = self.sell(t, a, j, 0.0 + sum(views[i].quantity for i in lots),
                                    _R.HARVEST_SELL, lots=lots)
                self.hv.append((t, a, j, o, basis - cash))
                self.buy(t, a, o, (cash - self.fixed) / (1.0 + self.cl[o]), _R.HARVEST_BUY)
                k = int(self.cls[j])
                if hs.swap_back and o == self.sub[k]:
                    due = first_safe_date(d)
                    self.swap_due[k] = max(self.swap_due.get(k, due), due)

    def rebalance_row(self, t: int) -> None:
        bt = t if self.band.shape[0] > 1 else 0
        n = self.n_cls
        always = self.always[bt]
        for a in range(self.n_acc):
            h, V = self.class_dollars(t, a)
            if V <= 0.0:
                continue
            target = self.tw[a]
            if always and self.sizing == 0:
                # every half-width negative (a calendar row): every class breaches, and
                # sizing to target needs no weights
                self.trade_to(t, a, target.copy(), h, _R.REBALANCE)
                continue
            w = h / V
            band = self.band[bt]
            breached = np.ones(n, np.bool_) if always else breached_mask(w, target, band)
            if not breached.any():
                continue
            sized = np.ones(n, np.bool_) if self.scope == 0 else breached
            ws = np.empty(n)
            if self.sizing == 0 and sized.all():
                ws[:] = target
            else:
                lo, hi, tmp = np.empty(n), np.empty(n), np.empty(n)
                kernels.desired_weights(w, np.ascontiguousarray(target),
                                        np.ascontiguousarray(band), self.sizing, sized, ws,
                                        lo, hi, tmp)
            self.trade_to(t, a, ws.copy(), h, _R.REBALANCE)

    def refresh_triggers(self) -> None:
        hs = self.harvest
        if hs is None:
            return
        # a trigger price changes only with the lots; its first row with the guard dates
        changed, self.trig_dirty = self.trig_dirty, set()
        guard = self.wash_guard
        for a in range(self.n_acc):
            if not self.taxable[a]:
                continue
            trig, trig_from = self.trig_l[a], self.trig_from_l[a]
            for j in range(self.n_assets):
                o = self.other_l[j]
                if o < 0 or self.units[a][j] <= 0.0:
                    self.trig[a, j] = trig[j] = -np.inf
                    continue
                if (a, j) in changed:
                    self.trig[a, j] = trig[j] = _trigger_price(self.open_lots(a, j), hs)
                start = self.py_dates[0]
                sale_from = guard.loss_sale_safe_from(self.group[j])
                buy_from = guard.buy_safe_from(self.group[o])
                if sale_from is not None:
                    start = max(start, sale_from)
                if buy_from is not None:
                    start = max(start, buy_from)
                row = self.row_on_or_after(start)
                if row != trig_from[j]:
                    self.trig_from[a, j] = trig_from[j] = row

    def record(self, t: int) -> None:
        v = 0.0
        p = self.price_row(t)  # Python floats: the same IEEE products and sums
        for u in self.units:
            for j in range(self.n_assets):
                v += u[j] * p[j]
        self.values[t] = v
        if self.changed:
            self.unit_days.append(t)
            self.unit_rows.append(self.U.copy())
            self.changed = False
            self.refresh_triggers()


def _trigger_price(lots: Sequence[LotLike], hs: HarvestSettings) -> float:
    """The highest price at which some lot of ``lots`` is worth harvesting (``-inf``: none
    can): the highest-basis lot triggers first, so the event scan jumps to the first row at
    or below it; :func:`worth_harvesting` then decides on dollars."""
    n = len(lots)
    if n == 0:
        return -np.inf
    best = max(map(harvest_trigger_price, [lot.basis_usd for lot in lots],
                   [lot.quantity for lot in lots], repeat(hs.min_loss_usd, n),
                   repeat(hs.min_loss_frac, n)))
    # the exact test is on dollars; a hair above keeps float noise from skipping a day
    # (rounding is monotone: the raised maximum is the maximum of the raised prices)
    best *= 1.0 + 1e-12
    return best if best > 0.0 else -np.inf


def check_taxable_policy(policy: object, compiled: CompiledPolicy | None, name: str) -> None:
    """Refuse a policy the taxable loop cannot run (:data:`SUPPORTED_KINDS`).

    Its kind first; then, when ``compiled`` is given, its arrays (a custom policy
    compiling to several groups, action days or the score is refused too).

    Raises
    ------
    ConfigError
        ``policy 'name': the taxable backtest does not support policy kind 'score'
        (supported: …)``.
    """
    kind = require_kind(policy, SUPPORTED_KINDS, loop=_LOOP, name=name)
    if compiled is not None and (
        compiled.n_groups != 1 or compiled.act is not None or compiled.trigger_kind != 0
    ):
        raise ConfigError(
            f"policy {name!r}: the {_LOOP} does not support policy kind {kind.value!r} "
            "compiled to tiers, action days or a score trigger (one group and a band or "
            "calendar trigger only)"
        )


def run_taxable_backtest(
    market: MarketData,
    target: Mapping[str, float],
    policy: Policy | PolicyLike,
    *,
    tax: TaxSettings,
    harvest: HarvestSettings | None = None,
    accounts: Sequence[SimAccount] | None = None,
    initial_usd: float = 1_000_000.0,
    costs: CostModel | None = None,
    with_pre_tax: bool = True,
) -> TaxableBacktestResult:
    """Backtest ``policy`` after tax.

    Parameters
    ----------
    market
        Total-return prices of the classes (the target's assets) and of the
        substitutes named in ``harvest``.
    target
        Class (primary asset) -> weight, fractions summing to 1.
    policy
        A band or calendar policy (one group); compiled on the classes' prices.
    tax
        Rates, lot method, payment date, dividends, wash-sale groups.
    harvest
        Loss-harvesting settings, or ``None`` (no harvesting).
    accounts
        The accounts (default: one taxable account holding ``initial_usd``). Each
        account is rebalanced on its own class weights; taxes are paid from the
        first taxable account.
    initial_usd
        Dollars of the default account (ignored when ``accounts`` is given).
    costs
        Trading costs (default none). The row-0 purchase is free.
    with_pre_tax
        Also run the tax-blind engine on the household target (``result.pre_tax``).

    Raises
    ------
    ConfigError
        Bad settings (naming the field); a policy with tiers, action days or a score.
    DataError
        A bill or costs larger than the taxable account, or a bill that cannot be
        raised without a wash sale (naming the date).
    """
    if not isinstance(market, MarketData):
        raise ConfigError(f"market must be a MarketData, got {type(market).__name__}")
    if not isinstance(tax, TaxSettings):
        raise ConfigError(f"tax must be a TaxSettings, got {type(tax).__name__}")
    if harvest is not None and not isinstance(harvest, HarvestSettings):
        raise ConfigError(f"harvest must be a HarvestSettings, got {type(harvest).__name__}")
    if harvest is not None and not harvest.enabled:
        harvest = None
    if harvest is not None and not harvest.substitutes:
        raise ConfigError("HarvestSettings.substitutes: name at least one primary -> substitute")
    costs = CostModel() if costs is None else costs
    weights_all = target_array(target, market.assets)
    classes = [a for a in market.assets if a in target]
    weights = weights_all[[market.assets.index(a) for a in classes]]
    subs = harvest.substitutes if harvest is not None else {}
    for p, s in subs.items():
        if p not in classes:
            raise ConfigError(f"HarvestSettings.substitutes: {p!r} is not a target class "
                              f"({', '.join(classes)})")
        if s in classes:
            raise ConfigError(f"HarvestSettings.substitutes: {s!r} is itself a target class")
        market.asset_index(s)
    assets = classes + [subs[c] for c in classes if c in subs]
    mkt = market.select(assets)
    if accounts is None:
        accounts = [SimAccount(id="taxable", initial_usd=float(initial_usd))]
    accounts = list(accounts)
    if not accounts or len({a.id for a in accounts}) != len(accounts):
        raise ConfigError("accounts: give at least one, with unique ids")
    if not any(a.type is AccountType.TAXABLE for a in accounts):
        raise ConfigError("accounts: a taxable backtest needs a taxable account")
    tw = np.array([weights if a.target is None else
                   target_array(a.target, tuple(classes)) for a in accounts])
    init = np.array([a.initial_usd for a in accounts])
    household = (init[:, None] * tw).sum(axis=0) / init.sum()
    class_market = market.select(classes)
    check_taxable_policy(policy, None, str(policy.name))
    compiled = policy.compile(class_market, weights)
    check_taxable_policy(policy, compiled, str(policy.name))

    sim = _Sim(market=mkt, classes=classes, assets=assets, tw=tw, compiled=compiled,
               accounts=accounts, tax=tax, harvest=harvest, costs=costs)
    n = sim.n_days
    # row 0: the purchase at target, free
    for a, acc in enumerate(accounts):
        for k in range(sim.n_cls):
            dollars = tw[a, k] * acc.initial_usd
            if dollars > 0:
                sim.buy(0, a, sim.primary[k], dollars, _R.INITIAL, free=True)
    sim.record(0)

    # forced event rows: dividends, tax payments
    years = sim.years
    month, day = tax.pay_month_day
    pay_rows: dict[int, list[int]] = {}
    for y in years[:-1]:
        row = sim.row_on_or_after(date(y + 1, month, day))
        if row < n:
            pay_rows.setdefault(row, []).append(y)
    forced = np.zeros(n, np.bool_)
    forced |= sim.pay_rows
    for r in pay_rows:
        forced[r] = True
    forced_rows: list[int] = np.flatnonzero(forced).tolist()
    n_forced = len(forced_rows)
    # the arrays the scan reads, changed in place by the events (never rebound)
    scan = ScanInputs(sim.prices, sim.U, sim.cls, sim.n_cls, tw, sim.check, sim.band, sim.trig,
                      sim.trig_from)
    fi = 0
    t = 1
    while t < n:
        while fi < n_forced and forced_rows[fi] < t:
            fi += 1
        stop = forced_rows[fi] if fi < n_forced else n
        if sim.tax_due > 0.0:
            later = [safe for d in sim.wash_guard.last_buy.values()
                     if (safe := first_safe_date(d)) > sim.py_dates[t - 1]]
            retry = min(later) if later else sim.py_dates[t]
            stop = min(stop, max(t, sim.row_on_or_after(retry)))
        if sim.swap_due:
            due = min(sim.swap_due.values())
            stop = min(stop, max(t, sim.row_on_or_after(due)))
        te = next_event(scan, t, stop, sim.values)
        if te >= n:
            break
        if sim.pay_rows[te]:
            sim.dividends(te)
        if sim.tax_due > 0.0:
            sim.pay_due(te)
        for y in pay_rows.get(te, ()):
            sim.pay(te, y)
        if sim.swap_due:
            sim.swap_back(te)
        if harvest is not None:
            sim.harvest_row(te)
        if sim.check[te]:
            sim.rebalance_row(te)
        sim.record(te)
        t = te + 1

    return _finish(sim, policy, market, class_market, classes, household, costs, with_pre_tax,
                   pay_rows)


def _finish(sim: _Sim, policy: Policy | PolicyLike, market: MarketData,
            class_market: MarketData, classes: list[str], household: np.ndarray,
            costs: CostModel, with_pre_tax: bool, pay_rows: dict[int, list[int]]
            ) -> TaxableBacktestResult:
    n = sim.n_days
    paid_years = {y for ys in pay_rows.values() for y in ys}
    history = tuple(sim.history)
    last = n - 1
    d_last = sim.py_dates[last]
    # bills not paid inside the backtest (the last year's at least), in year order
    owed = 0.0
    unpaid = sorted(set(sim.years) - paid_years)
    carry_before = sim.carry
    owed_taxes = []
    owed = sim.tax_due
    for y in unpaid:
        yt = sim.bill(y)
        owed_taxes.append(yt)
        owed += yt.tax_usd
    # liquidation: sell every taxable lot at the last close through the ledger (a sale
    # inside a wash-sale window is washed there, as in reality)
    proceeds = 0.0
    for a, acc in enumerate(sim.accounts):
        for j in range(sim.n_assets):
            q = sim.U[a, j]
            if q <= 0.0:
                continue
            p = sim.prices[last, j]
            gross = q * p
            fee = sim.c[j] * gross + sim.fixed
            if sim.taxable[a]:
                qty = sum(lot.quantity for lot in sim.open_lots(a, j))
                if qty <= 0.0:
                    continue  # the ledger closed a dust remainder our units still carried
                sim.ledger.apply(Trade(date=d_last, account=acc.id, symbol=sim.assets[j],
                                       side=Side.SELL, quantity=qty, price_usd=p, fees=fee))
                proceeds += gross - fee
            elif acc.type is AccountType.TRADITIONAL:
                proceeds += gross * (1.0 - sim.ordinary_rate)
            else:
                proceeds += gross
    liq_tax = owed
    final_year = d_last.year
    if any(sim.taxable):
        # the final year's only (the same sums: a year's dispositions in the same order)
        totals = {yt.year: yt for yt in sim.ledger.year_totals(year=final_year)}
        yt_f = totals.get(final_year)
        # re-run the unpaid years with the liquidation's sales in the final year
        sim.carry = carry_before
        liq_tax = sim.tax_due
        for y in unpaid:
            if y == final_year and yt_f is not None:
                b = year_tax(sim.tax.rates, y, st_gains=yt_f.st_gains_usd,
                             st_losses=yt_f.st_losses_usd, lt_gains=yt_f.lt_gains_usd,
                             lt_losses=yt_f.lt_losses_usd,
                             qualified_dividends=sim.qdiv.get(y, 0.0),
                             st_carry_in=sim.carry[0], lt_carry_in=sim.carry[1])
            else:
                b = sim.bill(y)
            sim.carry = (b.st_carry_out_usd, b.lt_carry_out_usd)
            liq_tax += b.tax_usd
    trad_tax = sum(
        float(sim.U[a] @ sim.prices[last]) * sim.ordinary_rate
        for a, acc in enumerate(sim.sim_accounts) if acc.type is AccountType.TRADITIONAL
    )
    notes = list(sim.notes)
    if isinstance(sim.tax.rates, BracketRates):
        used = sorted({yt.params_year for yt in [*sim.year_taxes, *owed_taxes]
                       if yt.params_year is not None})
        mapped = sorted({(yt.year, yt.params_year) for yt in [*sim.year_taxes, *owed_taxes]
                         if yt.params_year != yt.year})
        if mapped:
            notes.append(
                f"bracket tables: years without a parameter file use the nearest available "
                f"year ({', '.join(f'{y}->{p}' for y, p in mapped)}; files: {used})"
            )
    values = sim.values
    returns = np.zeros(n)
    returns[1:] = values[1:] / values[:-1] - 1.0
    tr = sim.tr
    trades = TaxTradeTable(
        day=np.array([r[0] for r in tr], np.int64), account=np.array([r[1] for r in tr], np.int64),
        asset=np.array([r[2] for r in tr], np.int64), value_usd=np.array([r[3] for r in tr]),
        units=np.array([r[4] for r in tr]), cost_usd=np.array([r[5] for r in tr]),
        reason_code=np.array([r[6] for r in tr], np.int64),
    )
    hv = sim.hv
    harvests = HarvestLog(
        day=np.array([r[0] for r in hv], np.int64), account=np.array([r[1] for r in hv], np.int64),
        sold=np.array([r[2] for r in hv], np.int64), bought=np.array([r[3] for r in hv], np.int64),
        loss_usd=np.array([r[4] for r in hv]),
    )
    pre = None
    if with_pre_tax:
        pre = run_backtest(class_market, dict(zip(classes, household.tolist(), strict=True)),
                           policy, initial_usd=float(sum(a.initial_usd for a in sim.sim_accounts)),
                           costs=costs if not isinstance(costs.cost_bps, Mapping) else
                           CostModel(cost_bps={c: costs.cost_bps[c] for c in classes},
                                     fixed_usd=costs.fixed_usd,
                                     min_trade_usd=costs.min_trade_usd))
    return TaxableBacktestResult(
        policy_name=str(policy.name),
        dates=market.dates,
        classes=tuple(classes),
        assets=tuple(sim.assets),
        asset_class=sim.cls.copy(),
        accounts=sim.accounts,
        target=household,
        initial_usd=float(sum(a.initial_usd for a in sim.sim_accounts)),
        values=values,
        returns=returns,
        unit_prices=sim.prices,
        unit_days=np.array(sim.unit_days, np.int64),
        units=np.array(sim.unit_rows),
        taxes_paid_usd=sim.taxes,
        costs_usd=sim.costs,
        trades=trades,
        harvests=harvests,
        year_taxes=tuple([*sim.year_taxes, *owed_taxes]),
        owed_usd=owed,
        liquidation_tax_usd=liq_tax + trad_tax,
        liquidation_value_usd=proceeds - liq_tax,
        trade_history=history,
        wash_settings=sim.wash,
        periods_per_year=float(market.periods_per_year),
        pre_tax=pre,
        notes=tuple(notes),
    )


