"""Run a household through history: the planner and the baselines on the same prices and flows.

One loop per strategy over trading days (:func:`run_strategy`):

1. **Flows.** A contribution arrives as cash on the first trading day of each flow period
   (after the first day). The previous year's tax (or refund) is paid from the first
   taxable account on the first trading day on/after the payment date.
2. **Decision** on the first trading day of each decision period (and on any day an
   account's cash is below its reserve): the household as it stands that day is built
   from the tax ledger (open lots with their adjusted basis and holding-period start; the
   last 61 days of trades for wash sales; this year's realized gains and the
   carryforwards in) and the strategy trades:

   - ``planner``: when :func:`rebal.planner.check` finds action needed (a class outside
     its band, cash to invest or to raise), a taxable lot is worth harvesting
     (:func:`rebal.tax.harvest.worth_harvesting`) or a long-term gain could be realized in
     the 0 % bracket (≥ $100 of room), :func:`rebal.planner.plan` (balanced). In
     December, when the plan's gains would cost no more next year, a tax-free plan now
     instead (the gains wait for January);
   - ``naive``: when ``check`` finds action needed, :func:`rebal.planner.naive_plan`
     (each account pro rata to the targets, FIFO, wash sales not avoided);
   - ``per-account-calendar``: ``naive_plan`` on the first decision day of each year;
   - ``buy-and-hold``: no rebalancing; cash above the reserve is invested in the
     account's holdings pro rata to value, a shortfall sold pro rata (FIFO).

   The trades go through the one :class:`rebal.tax.Ledger` (wash sales matched across all
   accounts, IRAs included; disallowed losses added to the replacement lots' basis).
3. **Valuation** at every close: shares × price + cash, per account.
4. **Tax** of each calendar year by the tax engine (:func:`rebal.tax.marginal.profile_tax`):
   the household's tax with the year's recognized gains and carryforwards minus its tax
   without any capital gain, brackets of the year or the nearest file indexed by the
   stated inflation (:func:`rebal.tax.rates.extra_years`). Carryforwards roll over.

Prices are total-return closes. Without ``simulation.dividends`` the dividends stay inside
them (not paid or taxed separately); with it, each security's yield is paid quarterly out
of the price (:mod:`rebal.simulation.market`) to cash — invested by the next decision, to
the underweights — or reinvested, and the taxable accounts' dividends are taxed each year
(qualified share at the LTCG rates, the rest as ordinary income; both NIIT income).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np

from rebal.errors import ConfigError
from rebal.household.model import HeldLot, Household, TaxFacts
from rebal.household.taxview import wash_sale_settings
from rebal.simulation.market import SimPrices
from rebal.simulation.spec import SimulationSpec
from rebal.tax.harvest import worth_harvesting
from rebal.tax.holding import is_long_term
from rebal.tax.ledger import AuditResult, Ledger
from rebal.tax.lots import Trade
from rebal.tax.marginal import TaxProfile, profile_tax, zero_rate_lt_room
from rebal.tax.records import Record, record_dict
from rebal.types import LotMethod, Side

__all__ = ["FREQUENCIES", "STRATEGIES", "SimSettings", "StrategyRun", "YearRow",
           "parse_strategies", "run_strategy"]

STRATEGIES: tuple[str, ...] = ("planner", "naive", "per-account-calendar", "buy-and-hold")
FREQUENCIES: tuple[str, ...] = ("month", "quarter", "year")
_RECENT_DAYS = 61


def parse_strategies(text: str | tuple[str, ...] | list[str], *, flag: str = "--strategies",
                     ) -> tuple[str, ...]:
    """Strategy names from ``"planner,naive"`` (ConfigError naming ``flag`` if misspelt)."""
    items = [s.strip() for s in text.split(",")] if isinstance(text, str) else list(text)
    items = [s for s in items if s]
    if not items:
        raise ConfigError(f"{flag}: name at least one of {', '.join(STRATEGIES)}")
    for s in items:
        if s not in STRATEGIES:
            raise ConfigError(f"{flag}: unknown strategy {s!r}; known: {', '.join(STRATEGIES)}")
    return tuple(dict.fromkeys(items))


def _frequency(text: str, flag: str) -> str:
    t = text.strip().lower().removesuffix("ly")
    t = {"month": "month", "quarter": "quarter", "year": "year", "annual": "year",
         "annually": "year"}.get(t, t)
    if t not in FREQUENCIES:
        raise ConfigError(f"{flag}: must be one of month, quarter, year; got {text!r}")
    return t


@dataclass(frozen=True, slots=True, kw_only=True)
class SimSettings:
    """How to simulate (flags of ``rebal simulate``).

    Attributes
    ----------
    every
        Decision frequency: ``month``, ``quarter`` or ``year``.
    contribution_usd
        New money per flow period, dollars ≥ 0 (negative: a withdrawal).
    contribution_account
        The account it goes to (default: the first taxable account).
    flow_frequency
        ``month``, ``quarter`` or ``year``.
    """

    every: str = "month"
    contribution_usd: float = 0.0
    contribution_account: str | None = None
    flow_frequency: str = "month"

    def __post_init__(self) -> None:
        object.__setattr__(self, "every", _frequency(self.every, "--every"))
        object.__setattr__(self, "flow_frequency",
                           _frequency(self.flow_frequency, "--flow-frequency"))
        if not math.isfinite(self.contribution_usd):
            raise ConfigError(f"--contribution must be a finite amount, got "
                              f"{self.contribution_usd!r}")


def _period_key(d: date, freq: str) -> tuple[int, int]:
    if freq == "month":
        return (d.year, d.month)
    if freq == "quarter":
        return (d.year, (d.month - 1) // 3)
    return (d.year, 0)


def period_starts(dates: tuple[date, ...], freq: str) -> np.ndarray:
    """Boolean mask of the first trading day of each period (row 0 included)."""
    out = np.zeros(len(dates), dtype=bool)
    prev = None
    for i, d in enumerate(dates):
        k = _period_key(d, freq)
        out[i] = k != prev
        prev = k
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class YearRow(Record):
    """One calendar year of a strategy (dollars; losses ≤ 0): recognized gains and losses
    (taxable accounts, wash-sale disallowed losses excluded), carryforwards in and out, the
    portfolio's tax, the parameter file used, and the taxable accounts' dividends."""

    year: int
    st_gains_usd: float
    st_losses_usd: float
    lt_gains_usd: float
    lt_losses_usd: float
    disallowed_usd: float
    st_carry_in_usd: float
    lt_carry_in_usd: float
    st_carry_out_usd: float
    lt_carry_out_usd: float
    tax_usd: float
    params: str
    qualified_dividends_usd: float = 0.0
    ordinary_dividends_usd: float = 0.0

    @property
    def harvested_usd(self) -> float:
        """Recognized losses of the year (≤ 0)."""
        return self.st_losses_usd + self.lt_losses_usd

    def to_dict(self) -> dict[str, Any]:
        return record_dict(self, last=("harvested_usd",))


@dataclass(slots=True, kw_only=True, eq=False)
class StrategyRun:
    """What one strategy did (arrays over the trading days)."""

    strategy: str
    dates: tuple[date, ...]
    values: np.ndarray                 # (n_days,) household value after the close's trades
    class_weights: np.ndarray          # (n_days, n_classes)
    flows_external: np.ndarray         # contributions (+) / withdrawals (−) of the day
    tax_paid: np.ndarray               # tax paid (+) or refunded (−) on the day
    traded_usd: np.ndarray             # value traded on the day
    cost_usd: np.ndarray               # trading cost of the day
    dividends_usd: np.ndarray          # dividends paid on the day (all accounts)
    years: list[YearRow] = field(default_factory=list)
    trades: list[Trade] = field(default_factory=list)
    steps: dict[str, list[tuple[date, float]]] = field(default_factory=dict)
    opening_trades: int = 0             # the first trades: the starting lots (not trades made)
    decisions: int = 0
    acted: int = 0
    deferred: int = 0                   # December plans whose gains were left to January
    plan_seconds: float = 0.0
    final_tax_owed_usd: float = 0.0     # taxes of unpaid years, at the end
    liquidation_tax_usd: float = 0.0    # extra tax of selling every taxable lot at the end
    audit: AuditResult | None = None   # the ledger at the end (lots, dispositions, washes)
    notes: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- tax


def year_tax(spec: SimulationSpec, year: int, st: float, lt: float, carry: tuple[float, float],
             qualified: float = 0.0, ordinary: float = 0.0,
             ) -> tuple[float, tuple[float, float], str]:
    """The portfolio's tax of ``year``: the household's total tax with net short/long-term
    gains ``st``/``lt``, carryforwards ``carry`` in and the taxable accounts' dividends
    (``qualified``; ``ordinary`` = the non-qualified part, ordinary and net investment
    income), minus its tax with none of them (dollars; negative = saved). Returns (tax,
    carryforwards out, parameter source)."""
    h = spec.household
    base = TaxProfile(year=year, filing_status=h.tax.filing_status,
                      ordinary_income=spec.ordinary_income(year),
                      investment_income=spec.investment_income(year),
                      state_rate=h.tax.state_rate)
    with_p = profile_tax(replace(
        base, st_realized=st, lt_realized=lt, st_carryforward=carry[0],
        lt_carryforward=carry[1], qualified_dividends=qualified,
        ordinary_income=base.ordinary_income + ordinary,
        investment_income=base.investment_income + ordinary))
    without = profile_tax(base)
    n = with_p.netting
    return (with_p.total_tax - without.total_tax,
            (n.st_carryforward_out, n.lt_carryforward_out), base.params.source_file)


def _year_row(spec: SimulationSpec, ledger: Ledger, year: int,
              carry: tuple[float, float], dividends: tuple[float, float] = (0.0, 0.0),
              ) -> YearRow:
    totals = {t.year: t for t in ledger.year_totals(year=year)}
    t = totals.get(year)
    stg, stl, ltg, ltl, dis = ((t.st_gains_usd, t.st_losses_usd, t.lt_gains_usd,
                                t.lt_losses_usd, t.disallowed_usd) if t else (0.0,) * 5)
    tax, out, src = year_tax(spec, year, stg + stl, ltg + ltl, carry, *dividends)
    return YearRow(year=year, st_gains_usd=stg, st_losses_usd=stl, lt_gains_usd=ltg,
                   lt_losses_usd=ltl, disallowed_usd=dis, st_carry_in_usd=carry[0],
                   lt_carry_in_usd=carry[1], st_carry_out_usd=out[0], lt_carry_out_usd=out[1],
                   tax_usd=tax, params=src, qualified_dividends_usd=dividends[0],
                   ordinary_dividends_usd=dividends[1])


# ----------------------------------------------------------------------------- state


class _Sim:
    """Mutable state of one strategy's run."""

    def __init__(self, spec: SimulationSpec, px: SimPrices, settings: SimSettings) -> None:
        h = spec.household
        self.spec, self.px, self.settings, self.h0 = spec, px, settings, h
        self.accounts = {a.id: a for a in h.accounts}
        self.acct_ids = [a.id for a in h.accounts]
        self.sec_index = {s: j for j, s in enumerate(px.symbols)}
        self.taxable = {a.id for a in h.accounts if a.taxable}
        self.ledger = Ledger(h.accounts, wash_sale_settings(h))
        self.cash = {a.id: a.cash_usd for a in h.accounts}
        self.qty = np.zeros(len(px.symbols))
        self.acct_qty: dict[tuple[str, str], float] = defaultdict(float)
        self.trades: list[Trade] = []
        self.carry: tuple[float, float] = (h.tax.carryforward_st_usd, h.tax.carryforward_lt_usd)
        self.dividends: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
        self._lots_cache: tuple[int, tuple[HeldLot, ...]] | None = None
        self._realized_cache: dict[tuple[int, int], tuple[float, float]] = {}
        self.classes = [t.asset_class for t in h.targets]
        self.class_of = np.zeros((len(px.symbols), len(self.classes)))
        for s in h.securities:
            for c, f in s.look_through:
                if c in self.classes:
                    self.class_of[self.sec_index[s.symbol], self.classes.index(c)] += f

    # -- ledger ---------------------------------------------------------------
    def apply(self, t: Trade) -> None:
        self.ledger.apply(t)
        self.trades.append(t)
        j = self.sec_index[t.symbol]
        sign = 1.0 if t.side is Side.BUY else -1.0
        self.qty[j] += sign * t.quantity
        self.acct_qty[(t.account, t.symbol)] += sign * t.quantity
        value = t.quantity * t.price_usd
        self.cash[t.account] += -value - t.fees if t.side is Side.BUY else value - t.fees

    def opening(self, day: date, purchase: bool) -> None:
        """The starting holdings: an initial purchase of the lots' shares on ``day``, or the
        file's lots with their basis and dates (tax-advantaged positions: bought ``day``)."""
        h = self.h0
        prices = dict(zip(self.px.symbols, self.px.prices[0], strict=True))
        buys = []
        for lot in h.lots:
            taxable = lot.account in self.taxable
            if purchase or not taxable or lot.acquired is None:
                when, price = day, prices[lot.symbol]
            else:
                when = lot.acquired
                price = (lot.cost_basis_usd or 0.0) / lot.quantity or prices[lot.symbol]
            buys.append(Trade(date=when, account=lot.account, symbol=lot.symbol, side=Side.BUY,
                              quantity=lot.quantity, price_usd=max(price, 1e-9), lot_id=lot.id))
        buys.sort(key=lambda t: t.date)
        cash0 = dict(self.cash)
        for t in buys:
            self.apply(t)
        self.cash = cash0  # the lots are held, not bought with the accounts' cash

    # -- the household as it stands ---------------------------------------------
    def _held_lots(self) -> tuple[HeldLot, ...]:
        """The ledger's open lots as the household states them (cached until the next
        trade: lots change only when trades are applied)."""
        if self._lots_cache is not None and self._lots_cache[0] == self.ledger.trade_count:
            return self._lots_cache[1]
        lots: list[HeldLot] = []
        merged: dict[tuple[str, str], float] = defaultdict(float)
        for lot in self.ledger.open_lots():
            if lot.account in self.taxable:
                lots.append(HeldLot(
                    id=lot.id, account=lot.account, symbol=lot.symbol, quantity=lot.quantity,
                    cost_basis_usd=lot.basis_usd, acquired=lot.acquired,
                    holding_start=lot.holding_start if lot.holding_start != lot.acquired
                    else None))
            else:  # a plain position in a tax-advantaged account
                merged[(lot.account, lot.symbol)] += lot.quantity
        lots += [HeldLot(id=f"{a}:{s}", account=a, symbol=s, quantity=q)
                 for (a, s), q in merged.items() if q > 1e-9]
        self._lots_cache = (self.ledger.trade_count, tuple(lots))
        return self._lots_cache[1]

    def household(self, row: int, pending: dict[str, float]) -> Household:
        day = self.px.dates[row]
        h = self.h0
        lots = self._held_lots()
        prices = self.px.prices[row]
        securities = tuple(replace(s, price_usd=float(prices[self.sec_index[s.symbol]]))
                           for s in h.securities)
        accounts = []
        for a in h.accounts:
            c = self.cash[a.id] + pending.get(a.id, 0.0)
            accounts.append(replace(a, cash_usd=max(0.0, c), pending_flow_usd=min(0.0, c)))
        st, lt = self._realized(day.year)
        q, nq = self.dividends.get(day.year, (0.0, 0.0))  # the year's dividends so far
        tax = TaxFacts(
            filing_status=h.tax.filing_status, tax_year=day.year,
            ordinary_income_usd=self.spec.ordinary_income(day.year) + nq,
            investment_income_usd=self.spec.investment_income(day.year) + nq,
            qualified_dividends_usd=q,
            state_rate=h.tax.state_rate, carryforward_st_usd=self.carry[0],
            carryforward_lt_usd=self.carry[1], realized_st_usd=st, realized_lt_usd=lt)
        cut = day - timedelta(days=_RECENT_DAYS)
        recent = []
        for t in reversed(self.trades):
            if t.date < cut:
                break
            recent.append(Trade(date=t.date, account=t.account, symbol=t.symbol, side=t.side,
                                quantity=t.quantity, price_usd=t.price_usd))
        return replace(h, as_of=day, tax=tax, accounts=tuple(accounts), securities=securities,
                       lots=tuple(lots), recent_trades=tuple(reversed(recent)), warnings=())

    def _realized(self, year: int) -> tuple[float, float]:
        key = (self.ledger.trade_count, year)
        if key not in self._realized_cache:
            self._realized_cache.clear()
            got = (0.0, 0.0)
            for t in self.ledger.year_totals(year=year):
                if t.year == year:
                    got = (t.net_st_usd, t.net_lt_usd)
            self._realized_cache[key] = got
        return self._realized_cache[key]

    def harvestable(self, h: Household) -> bool:
        """A taxable lot is worth harvesting today (the planner's harvest rule)."""
        if not h.harvest.enabled:
            return False
        price = {s.symbol: s.price_usd for s in h.securities}
        hv = h.harvest
        for lot in h.lots:
            if lot.account in self.taxable and lot.cost_basis_usd is not None:
                loss = lot.cost_basis_usd - lot.quantity * price[lot.symbol]
                if worth_harvesting(loss, lot.cost_basis_usd, hv.min_loss_usd, hv.min_loss_frac):
                    return True
        return False

    def zero_bracket_gain(self, h: Household) -> bool:
        """The household realizes 0 %-bracket gains, has at least $100 of room left this
        year (:func:`rebal.tax.marginal.zero_rate_lt_room`) and holds a taxable lot with a
        long-term gain."""
        if not h.realize_zero_bracket_gains:
            return False
        price = {s.symbol: s.price_usd for s in h.securities}
        if not any(lot.account in self.taxable and lot.cost_basis_usd is not None
                   and lot.holding_period_start is not None
                   and is_long_term(lot.holding_period_start, h.as_of)
                   and lot.quantity * price[lot.symbol] > lot.cost_basis_usd
                   for lot in h.lots):
            return False
        return zero_rate_lt_room(h.tax_profile()) >= 100.0

    def execute(self, day: date, plan_trades: tuple, run: StrategyRun, row: int) -> None:
        """Apply a plan's trades (sales first) through the ledger."""
        for pt in sorted(plan_trades, key=lambda t: t.side is Side.BUY):
            step = getattr(pt.step, "name", str(pt.step)).lower()
            run.steps.setdefault(step, []).append((day, pt.value_usd))
            run.traded_usd[row] += pt.value_usd
            run.cost_usd[row] += pt.cost_usd
            if pt.side is Side.SELL and pt.lots and pt.account in self.taxable:
                for r in pt.lots:
                    self.apply(Trade(date=day, account=pt.account, symbol=pt.symbol,
                                     side=Side.SELL, quantity=r.quantity,
                                     price_usd=pt.price_usd,
                                     fees=pt.cost_usd * r.quantity / pt.shares,
                                     lot_ids=(r.lot_id,), method=LotMethod.SPECIFIC))
            else:  # buys open lots named "sim:<n>" (never the ledger's own "L<n>")
                self.apply(Trade(date=day, account=pt.account, symbol=pt.symbol, side=pt.side,
                                 quantity=pt.shares, price_usd=pt.price_usd, fees=pt.cost_usd,
                                 lot_id=f"sim:{len(self.trades) + 1}" if pt.side is Side.BUY
                                 else None))

    def pay_dividends(self, row: int, run: StrategyRun) -> None:
        """The day's dividends: to cash (taxable accounts: counted for the year's tax), or
        reinvested in the same security and account (a purchase, ``reinvested=True``)."""
        day = self.px.dates[row]
        qs = self.spec.qualified_share
        for (acct, sym), q in list(self.acct_qty.items()):
            j = self.sec_index[sym]
            per_share = float(self.px.dividends[row, j])
            if q <= 1e-9 or per_share <= 0:
                continue
            amount = q * per_share
            run.dividends_usd[row] += amount
            if acct in self.taxable:
                self.dividends[day.year][0] += amount * qs
                self.dividends[day.year][1] += amount * (1.0 - qs)
            self.cash[acct] += amount
            if self.spec.reinvest:
                price = float(self.px.prices[row, j])
                self.apply(Trade(date=day, account=acct, symbol=sym, side=Side.BUY,
                                 quantity=amount / price, price_usd=price, reinvested=True,
                                 lot_id=f"sim:{len(self.trades) + 1}"))

    def year_dividends(self, year: int) -> tuple[float, float]:
        q, nq = self.dividends.get(year, (0.0, 0.0))
        return q, nq

    def value(self, row: int) -> float:
        return float(self.qty @ self.px.prices[row]) + sum(self.cash.values())


# ----------------------------------------------------------------------------- buy and hold


@dataclass(frozen=True, slots=True)
class _Order:
    account: str
    symbol: str
    side: Side
    shares: float
    price_usd: float
    value_usd: float
    cost_usd: float
    lots: tuple = ()
    step: str = "buy_and_hold"


def _hold_orders(sim: _Sim, h: Household) -> list[_Order]:
    """Buy-and-hold: invest cash above the reserve in the account's holdings pro rata to
    value; raise a shortfall by selling them pro rata (lots FIFO in taxable accounts)."""
    orders: list[_Order] = []
    sec = {s.symbol: s for s in h.securities}
    for a in h.accounts:
        room = a.cash_usd + a.pending_flow_usd - a.min_cash_usd
        held = {s: q for (acc, s), q in sim.acct_qty.items() if acc == a.id and q > 1e-9}
        if not held or abs(room) < 1.0:
            continue
        total = sum(q * sec[s].price_usd for s, q in held.items())
        for s, q in held.items():
            p, rate = sec[s].price_usd, sec[s].cost_bps / 1e4
            share = q * p / total
            if room > 0:
                n = room * share / (p * (1 + rate))
                n = math.floor(n) if a.whole_shares else math.floor(n * 1e6) / 1e6
                if n > 0:
                    orders.append(_Order(a.id, s, Side.BUY, n, p, n * p, n * p * rate))
            else:
                n = -room * share / (p * (1 - rate))
                n = min(q, math.ceil(n) if a.whole_shares else math.ceil(n * 1e6) / 1e6)
                if n > 0:
                    orders.append(_Order(a.id, s, Side.SELL, n, p, n * p, n * p * rate))
    return orders


# ----------------------------------------------------------------------------- the loop


def _defer_to_january(h: Household, p: Any, settings: Any, run: StrategyRun,
                      income: tuple[float, float]) -> Any:
    """December: when the plan's gains would cost no more tax next year (next year's tax
    facts: nothing realized, this year's carryforward rolled over), plan tax-free now and
    leave the gains to January (a year of deferral at no higher rate). ``p`` otherwise.
    ``income``: next year's other ordinary and investment income."""
    from rebal.errors import ConfigError, PlanInfeasible
    from rebal.planner import PlanMode, plan
    from rebal.planner.schedule import roll_tax_year

    now = p.tax.total_usd
    if now <= 0.5:
        return p
    try:
        facts = replace(roll_tax_year(h, h.as_of.year + 1), ordinary_income_usd=income[0],
                        investment_income_usd=income[1], qualified_dividends_usd=0.0)
        profile = replace(h, tax=facts).tax_profile()
        later = (profile_tax(profile, st=p.tax.net_st_usd, lt=p.tax.net_lt_usd).total_tax
                 - profile_tax(profile).total_tax)
    except ConfigError:  # no tax parameters for next year
        return p
    if later > now:
        return p
    try:
        free = plan(h, replace(settings, mode=PlanMode.TAX_FREE))
    except PlanInfeasible:
        return p
    run.deferred += 1
    run.notes.append(f"{h.as_of}: gains deferred to January (tax ${now:,.2f} this year, "
                     f"${later:,.2f} next year)")
    return free


def run_strategy(spec: SimulationSpec, px: SimPrices, settings: SimSettings,
                 strategy: str) -> StrategyRun:
    """Simulate one strategy over ``px`` (see the module docstring)."""
    from rebal.planner import PlanSettings, check, naive_plan, plan

    n = len(px.dates)
    sim = _Sim(spec, px, settings)
    run = StrategyRun(
        strategy=strategy, dates=px.dates, values=np.zeros(n),
        class_weights=np.zeros((n, len(sim.classes))), flows_external=np.zeros(n),
        tax_paid=np.zeros(n), traded_usd=np.zeros(n), cost_usd=np.zeros(n),
        dividends_usd=np.zeros(n))
    sim.opening(px.dates[0], not spec.keep_lots)
    run.opening_trades = len(sim.trades)
    decide = period_starts(px.dates, settings.every)
    has_dividends = px.dividends.any(axis=1)
    yearly = period_starts(px.dates, "year")
    flows = period_starts(px.dates, settings.flow_frequency)
    flow_acct = settings.contribution_account or next(iter(sim.taxable), sim.acct_ids[0])
    tax_acct = next(iter(sim.taxable), None)
    pay_m, pay_d = spec.tax_payment
    owed: dict[int, YearRow] = {}
    # A $1 branch-and-bound gap: each month's plan is proven within a dollar of its optimum
    # (closing the last cents took seconds on some months).
    settings_plan = PlanSettings(compare_naive=False, mip_gap_usd=1.0)
    year = px.dates[0].year
    for row, day in enumerate(px.dates):
        if day.year != year:  # close the year: its tax is owed, carryforwards roll over
            for y in range(year, day.year):
                r = _year_row(spec, sim.ledger, y, sim.carry, sim.year_dividends(y))
                run.years.append(r)
                owed[y] = r
                sim.carry = (r.st_carry_out_usd, r.lt_carry_out_usd)
            year = day.year
        for y in sorted(owed):
            if tax_acct is not None and day >= date(y + 1, pay_m, pay_d):
                tax = owed.pop(y).tax_usd
                sim.cash[tax_acct] -= tax
                run.tax_paid[row] += tax
        if row > 0 and has_dividends[row]:
            sim.pay_dividends(row, run)
        if row > 0 and flows[row] and settings.contribution_usd:
            sim.cash[flow_acct] += settings.contribution_usd
            run.flows_external[row] += settings.contribution_usd
        short = any(sim.cash[a] < sim.accounts[a].min_cash_usd - 0.005 for a in sim.acct_ids)
        act_day = decide[row] or short
        if act_day:
            run.decisions += 1
            h = sim.household(row, {})
            trades: tuple = ()
            t0 = time.perf_counter()
            if strategy == "planner":
                if (check(h).action_needed or sim.harvestable(h)
                        or sim.zero_bracket_gain(h)):
                    p = plan(h, settings_plan)
                    if day.month == 12 and not short:
                        nxt = day.year + 1
                        p = _defer_to_january(h, p, settings_plan, run, (
                            spec.ordinary_income(nxt), spec.investment_income(nxt)))
                    trades = p.trades
            elif strategy == "naive":
                if check(h).action_needed:
                    trades = naive_plan(h).trades
            elif strategy == "per-account-calendar":
                if yearly[row] or row == 0 or short:
                    trades = naive_plan(h).trades
            else:
                trades = tuple(_hold_orders(sim, h))
            run.plan_seconds += time.perf_counter() - t0
            if trades:
                run.acted += 1
                sim.execute(day, trades, run, row)
        v = sim.value(row)
        run.values[row] = v
        holdings = sim.qty * px.prices[row]
        cv = holdings @ sim.class_of
        invest = cv.sum()
        run.class_weights[row] = cv / invest if invest > 0 else 0.0
    # The end: taxes of the years not yet paid (the last one included) are owed.
    last = px.dates[-1]
    r = _year_row(spec, sim.ledger, last.year, sim.carry, sim.year_dividends(last.year))
    run.years.append(r)
    owed[last.year] = r
    run.final_tax_owed_usd = sum(x.tax_usd for x in owed.values())
    # Liquidation: sell every taxable lot at the last close (a copy of the ledger).
    led = sim.ledger.copy()
    sec_cost = {s.symbol: s.cost_bps / 1e4 for s in spec.household.securities}
    prices = dict(zip(px.symbols, px.prices[-1], strict=True))
    for lot in led.open_lots():
        if lot.account in sim.taxable:
            p = float(prices[lot.symbol])
            led.apply(Trade(date=last, account=lot.account, symbol=lot.symbol, side=Side.SELL,
                            quantity=lot.quantity, price_usd=p,
                            fees=lot.quantity * p * sec_cost[lot.symbol],
                            lot_ids=(lot.id,), method=LotMethod.SPECIFIC))
    liq = _year_row(spec, led, last.year, (r.st_carry_in_usd, r.lt_carry_in_usd),
                    sim.year_dividends(last.year))
    run.liquidation_tax_usd = liq.tax_usd - r.tax_usd
    run.trades = sim.trades
    run.audit = sim.ledger.result()
    return run
