"""A plain-Python reference backtest: slow, obviously correct, independent of the engine.

It implements the conventions of ``docs/conventions.md`` with dicts, lists and
loops (no numpy), Python's ``datetime`` for calendars, and bisection where the
engine uses closed forms or fixed-point iteration:

- the joint "to edge" point (projection on the band box within the budget) by
  bisection on the shift ``mu``;
- the water-filling level of a cash flow by bisection on ``lam``;
- the post-trade value ``V'`` solving ``V' = V - C(trades(V'))`` by bisection.

Used by ``tests/sim`` (agreement to 1e-12) and ``benchmarks/bench_engine.py``.
It reads the policy objects' parameters but none of the engine's code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

BREACH_TOL = 1e-12  # stated convention: strictly beyond the band by more than this
ZERO_TRADE_RTOL = 1e-12  # stated convention: a costless trade this close to 0 (x V) is none


@dataclass
class RefResult:
    values: list[float]
    holdings: list[dict[str, float]]
    costs: list[float]
    trades: list[tuple[int, str, float, float, str]] = field(default_factory=list)
    rebalance_days: list[int] = field(default_factory=list)
    # (day, group, score, regime) per rebalance; score/regime None where not applicable
    log: list[tuple[int, int, float | None, float | None]] = field(default_factory=list)
    score: dict[int, float] = field(default_factory=dict)  # look day -> score

    def weights(self, t: int) -> dict[str, float]:
        v = self.values[t]
        return {a: x / v for a, x in self.holdings[t].items()}


def _as_date(d) -> dt.date:
    if isinstance(d, dt.date):
        return d
    return dt.date.fromisoformat(str(d)[:10])


def _period_key(d: dt.date, freq: str, first: dt.date):
    if freq == "weekly":
        iso = d.isocalendar()
        return (iso[0], iso[1])
    if freq == "biweekly":
        monday0 = first - dt.timedelta(days=first.weekday())
        monday = d - dt.timedelta(days=d.weekday())
        return (monday - monday0).days // 14
    if freq == "monthly":
        return (d.year, d.month)
    if freq == "quarterly":
        return (d.year, (d.month - 1) // 3)
    if freq == "semiannual":
        return (d.year, d.month <= 6)
    if freq == "annual":
        return d.year
    raise ValueError(freq)


def check_days(dates, freq: str) -> set[int]:
    """Rows that are the last row of their period (never row 0, never the final row)."""
    ds = [_as_date(d) for d in dates]
    if freq == "daily":
        return set(range(1, len(ds)))
    out = set()
    for t in range(1, len(ds) - 1):
        if _period_key(ds[t], freq, ds[0]) != _period_key(ds[t + 1], freq, ds[0]):
            out.add(t)
    return out


def _bisect_decreasing(f, lo: float, hi: float) -> float:
    """Root of a non-increasing ``f`` with ``f(lo) >= 0 >= f(hi)``."""
    for _ in range(400):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if f(mid) > 0:
            lo = mid
        else:
            hi = mid
    # the endpoint closest to the root: taking a midpoint would bias every solve by
    # half an ulp, which adds up over thousands of rebalances
    return lo if abs(f(lo)) < abs(f(hi)) else hi


def _bisect_increasing(f, lo: float, hi: float) -> float:
    return _bisect_decreasing(lambda v: -f(v), lo, hi)


def _clamp(v: float, lo: float, hi: float) -> float:
    return min(max(v, lo), hi)


def _desired(w, tgt, hw, breached, sizing, scope, assets):
    sized = {a: breached[a] if scope == "breached" else True for a in assets}
    return _desired_sized(w, tgt, hw, sized, sizing, assets)


def _desired_sized(w, tgt, hw, sized, sizing, assets):
    """Sized assets go to their point; the others absorb the rest pro rata."""
    every = all(sized[a] for a in assets)
    if every and sizing == "target":
        return dict(tgt)
    lo = {a: max(tgt[a] - max(hw[a], 0.0), 0.0) for a in assets}
    hi = {a: min(tgt[a] + max(hw[a], 0.0), 1.0) for a in assets}

    def point(a):  # the sized point of one asset
        edge = _clamp(w[a], lo[a], hi[a])
        if sizing == "target":
            return tgt[a]
        return edge if sizing == "edge" else 0.5 * (tgt[a] + edge)

    if not every:
        out = {a: point(a) for a in assets if sized[a]}
        rest = sum(w[a] for a in assets if not sized[a])
        resid = 1.0 - sum(out.values())
        if rest > 0 and resid >= 0:
            for a in assets:
                if not sized[a]:
                    out[a] = w[a] * resid / rest
            return out
    if sizing == "target":
        return dict(tgt)
    # joint edge point: clip(w - mu, lo, hi) summing to 1, mu by bisection
    def excess(mu):
        return sum(_clamp(w[a] - mu, lo[a], hi[a]) for a in assets) - 1.0

    mu_lo = min(w[a] - hi[a] for a in assets) - 1.0
    mu_hi = max(w[a] - lo[a] for a in assets) + 1.0
    mu = _bisect_decreasing(excess, mu_lo, mu_hi)
    edge = {a: _clamp(w[a] - mu, lo[a], hi[a]) for a in assets}
    if sizing == "edge":
        return edge
    return {a: 0.5 * (tgt[a] + edge[a]) for a in assets}


class ReferenceError_(Exception):
    pass


def reference_backtest(
    dates,
    assets: list[str],
    prices: list[list[float]],
    target: dict[str, float],
    *,
    check: set[int] | list[set[int]],
    band,
    sizing: str | list[str] = "target",
    scope: str | list[str] = "all",
    initial_usd: float = 1_000_000.0,
    cost_bps: dict[str, float] | None = None,
    fixed_usd: float = 0.0,
    min_trade_usd: float = 0.0,
    flows: dict[int, float] | None = None,
    groups: dict[str, int] | None = None,
    act: list[set[int]] | None = None,
    score: dict | None = None,
    regime: list[float] | None = None,
) -> RefResult:
    """Simulate.

    ``band``: half-width per asset (a dict), a function ``t -> dict`` for bands that
    change by row, or None (calendar: trade every check day). Tiers: ``groups``
    maps each asset to its group 0..G-1, ``check`` (and ``act``, None = act on look
    days) is one set of rows per group, ``sizing``/``scope`` one string per group.
    ``score`` = dict(w_drift=, w_time=, horizon=, threshold=, market_factor=[...]):
    the score trigger (one group). ``regime``: a per-row value logged per rebalance.
    """
    n_days = len(dates)
    rate = {a: (cost_bps or {}).get(a, 0.0) / 1e4 for a in assets}
    flows = flows or {}
    group = groups or dict.fromkeys(assets, 0)
    checks = [check] if isinstance(check, set) else list(check)
    n_groups = len(checks)  # a group may hold no asset
    assert max(group.values()) < n_groups
    acts = None if act is None else list(act)
    sizings = [sizing] * n_groups if isinstance(sizing, str) else list(sizing)
    scopes = [scope] * n_groups if isinstance(scope, str) else list(scope)
    assert len(checks) == n_groups and len(sizings) == n_groups and len(scopes) == n_groups

    no_band = dict.fromkeys(assets, -1.0)

    def band_at(t):
        if band is None:
            return no_band
        return band(t) if callable(band) else band

    # rows where some group looks or acts (only those need the per-group loop)
    event_rows = set().union(*checks, *(acts or []))
    pending = [False] * n_groups
    last_rebalance = 0
    h = {a: target[a] * initial_usd for a in assets}
    res = RefResult(values=[sum(h.values())], holdings=[dict(h)], costs=[0.0])
    for t in range(1, n_days):
        for j, a in enumerate(assets):
            r = prices[t][j] / prices[t - 1][j] - 1.0
            h[a] = h[a] * (1.0 + r)
        day_cost = 0.0
        flow = flows.get(t, 0.0)
        if flow != 0.0:
            day_cost += _flow(t, h, target, flow, rate, fixed_usd, assets, res, dates)
        for g in range(n_groups if t in event_rows else 0):
            look = t in checks[g]
            acts_now = look if acts is None else t in acts[g]
            if not look and not (acts_now and pending[g]):
                continue
            v = sum(h.values())
            w = {a: h[a] / v for a in assets}
            hw = band_at(t)
            sc = None
            if score is not None:
                drift = max(abs(w[a] - target[a]) / hw[a] for a in assets)
                sc = (score["w_drift"] * (100.0 * drift) + score["market_factor"][t]
                      + score["w_time"] * (100.0 * (t - last_rebalance) / score["horizon"]))
                fires = sc >= score["threshold"]
                breached = {a: abs(w[a] - target[a]) > hw[a] + BREACH_TOL for a in assets}
                if look:
                    res.score[t] = sc
            else:
                breached = {
                    a: group[a] == g
                    and (hw[a] < 0 or abs(w[a] - target[a]) > hw[a] + BREACH_TOL)
                    for a in assets
                }
                fires = any(breached.values())
            if look and fires:
                pending[g] = True  # a breach seen on a look day waits for an action day
            if not (acts_now and pending[g]):
                continue
            pending[g] = False
            if not fires:  # no longer breached on the action day
                continue
            sized = {a: group[a] == g and (scopes[g] == "all" or breached[a]) for a in assets}
            if not any(sized.values()):
                continue
            ws = _desired_sized(w, target, hw, sized, sizings[g], assets)
            cost, traded = _rebalance(t, h, ws, rate, fixed_usd, min_trade_usd, assets, res,
                                      dates)
            if traded:
                day_cost += cost
                res.rebalance_days.append(t)
                res.log.append((t, g, sc, None if regime is None else regime[t]))
                last_rebalance = t
        res.values.append(sum(h.values()))
        res.holdings.append(dict(h))
        res.costs.append(day_cost)
    return res


def _rebalance(t, h, ws, rate, fixed, min_trade, assets, res, dates):
    v = sum(h.values())
    # sums always run in asset order so rounding matches any other careful loop
    active = list(assets)
    while True:
        wa = sum(ws[a] for a in active)
        hf = sum(h[a] for a in assets if a not in active)
        if not active or wa <= 0:
            return 0.0, False
        drop = [a for a in active
                if abs(x := ws[a] / wa * (v - hf) - h[a]) <= ZERO_TRADE_RTOL * v
                or abs(x) < min_trade]
        if not drop:
            break
        active = [a for a in active if a not in drop]

    def trade(a, vp):
        return ws[a] / wa * (vp - hf) - h[a]

    def gap(vp):  # increasing in vp; zero at the post-trade value
        return vp + sum(rate[a] * abs(trade(a, vp)) + fixed for a in active) - v

    if gap(hf) >= 0:
        raise ReferenceError_(f"costs exceed the portfolio on {dates[t]}")
    vp = _bisect_increasing(gap, hf, v)
    total = 0.0
    xs = {a: trade(a, vp) for a in assets if a in active}
    for a in assets:
        if a in xs:
            cost = rate[a] * abs(xs[a]) + fixed
            res.trades.append((t, a, xs[a], cost, "rebalance"))
            h[a] += xs[a]
            total += cost
    return total, True


def _flow(t, h, target, flow, rate, fixed, assets, res, dates):
    v = sum(h.values())
    v1 = v + flow
    if v1 <= 0:
        raise ReferenceError_(f"withdrawal exceeds the portfolio on {dates[t]}")
    sign = 1.0 if flow > 0 else -1.0
    e = {a: sign * (target[a] * v1 - h[a]) for a in assets}
    amount = abs(flow)
    lam = _bisect_decreasing(
        lambda lam: sum(max(e[a] - lam, 0.0) for a in assets) - amount,
        min(e.values()) - amount - 1.0,
        max(e.values()),
    )
    active = [a for a in assets if e[a] > lam]
    m = len(active)

    def trades(vp):
        kappa = (sum(target[a] * vp - h[a] for a in active) - (vp - v)) / m
        return {a: target[a] * vp - h[a] - kappa for a in active}

    def gap(vp):
        return vp + sum(rate[a] * abs(x) + fixed for a, x in trades(vp).items()) - v1

    if gap(0.0) >= 0:
        raise ReferenceError_(f"withdrawal exceeds the portfolio on {dates[t]}")
    vp = _bisect_increasing(gap, 0.0, v1)
    xs = trades(vp)
    total = 0.0
    for a in assets:
        if a in xs:
            cost = rate[a] * abs(xs[a]) + fixed
            res.trades.append((t, a, xs[a], cost, "flow"))
            h[a] += xs[a]
            total += cost
            if h[a] < -1e-9 * v1:
                raise ReferenceError_(f"withdrawal exceeds the portfolio on {dates[t]}")
    return total


def reference_from_policy(market, target, policy, *, initial_usd=1_000_000.0, costs=None,
                          cash_flows=None) -> RefResult:
    """Run the reference for rebal objects, reading only their parameters."""
    from rebal.policy.triggers import Always, BandTrigger, Never

    assets = [a for a in market.assets if a in target]
    cols = [market.assets.index(a) for a in assets]
    dates = [dt.date.fromisoformat(str(d)) for d in market.dates]
    prices = [[float(market.prices[t][j]) for j in cols] for t in range(len(dates))]
    tgt = {a: float(target[a]) for a in assets}
    trig = policy.trigger
    if isinstance(trig, Never) or policy.cash_flow_only:
        check: set[int] = set()
        band = None
    elif isinstance(trig, Always):
        check = check_days(dates, policy.schedule.frequency.value)
        band = None
    elif isinstance(trig, BandTrigger):
        check = check_days(dates, policy.schedule.frequency.value)
        band = {}
        for a in assets:
            widths = []
            if trig.absolute is not None:
                widths.append(trig.absolute.width)
            if trig.relative is not None:
                widths.append(trig.relative.width * tgt[a])
            band[a] = min(widths)
    else:  # pragma: no cover
        raise TypeError(trig)
    cost_bps: dict[str, float] = {}
    fixed = min_trade = 0.0
    if costs is not None:
        bps = costs.cost_bps
        cost_bps = {a: float(bps[a]) if isinstance(bps, dict) else float(bps) for a in assets}
        fixed, min_trade = costs.fixed_usd, costs.min_trade_usd
    flows: dict[int, float] = {}
    if cash_flows is not None:
        if cash_flows.amount_usd:
            for t in check_days(dates, cash_flows.frequency.value):
                flows[t] = flows.get(t, 0.0) + cash_flows.amount_usd
        for day, amount in (cash_flows.dated or {}).items():
            d = dt.date.fromisoformat(str(day))
            t = next(i for i, x in enumerate(dates) if x >= d)
            flows[t] = flows.get(t, 0.0) + amount
    return reference_backtest(
        dates, assets, prices, tgt, check=check, band=band,
        sizing=policy.sizing.value, scope=policy.scope.value, initial_usd=initial_usd,
        cost_bps=cost_bps, fixed_usd=fixed, min_trade_usd=min_trade, flows=flows,
    )
