"""A plain, slow reference for taxable backtests, written from the rules.

One taxable account, flat rates, FIFO or HIFO, calendar or absolute-band
policies sized to target, proportional costs, harvesting with substitutes and
swap-back, dividends (DRIP). A day-by-day loop with its own lots (a list of
dicts), its own holding-period rule, its own Schedule D netting and bisection
for costs; nothing from ``rebal.backtest`` or ``rebal.tax``. The rules it follows are
those of ``docs/taxable_backtests.md``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np


def _long_term(start: dt.date, sale: dt.date) -> bool:
    if start.month == 2 and start.day == 29:
        anniv = dt.date(start.year + 1, 2, 28)
    else:
        anniv = start.replace(year=start.year + 1)
    return sale > anniv


def _netting(stg, stl, ltg, ltl, st_cf, lt_cf, limit=3000.0):
    net_st = stg + stl - st_cf
    net_lt = ltg + ltl - lt_cf
    total = net_st + net_lt
    if total >= 0:
        ncg = max(0.0, min(net_lt, total))
        ordinary = total - ncg
        ded = 0.0
    else:
        ncg = ordinary = 0.0
        ded = min(limit, -total)
    st_loss = max(0.0, -net_st)
    lt_gain = max(0.0, net_lt)
    st_out = max(0.0, st_loss - (ded + lt_gain))
    lt_loss = max(0.0, -net_lt)
    st_gain = max(0.0, net_st)
    lt_out = max(0.0, lt_loss - (st_gain + max(0.0, ded - st_loss)))
    return ordinary, ncg, ded, max(total, -limit), st_out, lt_out


def reference_taxable(dates, tr_prices, classes, subs, target, *, policy, band=None,
                      check=None, st_rate, lt_rate, state_rate=0.0, method="hifo",
                      cost=0.0, initial=1_000_000.0, harvest=None, dividend_yield=None):
    """Simulate; returns a dict of values, taxes by year, lots, realized by year.

    ``tr_prices`` ``(n_days, n_assets)`` for ``assets = classes + substitutes``;
    ``subs`` maps class index -> substitute column (or -1). ``policy`` is
    "bh" or "check" (rebalance on ``check`` rows when some class is beyond ``band``;
    band < 0 = always). ``harvest`` = (min_pct, min_usd, swap_back) or None.
    ``dividend_yield`` ``(n_assets,)`` annual yields paid quarterly.
    """
    dates = [d.astype(object) for d in np.asarray(dates, "datetime64[D]")]
    n, m = tr_prices.shape
    K = len(classes)
    cls = list(range(K)) + [k for k in range(K) if subs[k] >= 0]
    other = [-1] * m
    for k in range(K):
        if subs[k] >= 0:
            other[k], other[subs[k]] = subs[k], k
    # quarter-end rows (the last row of each quarter, never row 0 or the last row)
    q_end = [False] * n
    for t in range(1, n - 1):
        q_end[t] = (dates[t].month - 1) // 3 != (dates[t + 1].month - 1) // 3 or \
            dates[t].year != dates[t + 1].year
    y = np.zeros(m) if dividend_yield is None else np.asarray(dividend_yield, float)
    factor = np.ones(m)
    prices = np.empty_like(tr_prices)
    for t in range(n):
        if q_end[t]:
            factor = factor * (1.0 + y / 4.0)
        prices[t] = tr_prices[t] / factor
    units = np.zeros(m)
    lots = [[] for _ in range(m)]  # dicts: q, basis, start, seq
    seq = [0]
    last_buy, last_loss = {}, {}
    realized, qdiv, taxes = {}, {}, {}
    carry = [0.0, 0.0]
    swap_due = {}
    values = np.zeros(n)
    wait = dt.timedelta(days=31)

    def buy_ok(j, d):
        return j not in last_loss or d >= last_loss[j] + wait

    def loss_ok(j, d):
        return j not in last_buy or d >= last_buy[j] + wait

    def buy(t, j, dollars, fee_rate):
        if dollars <= 0:
            return
        p = prices[t, j]
        q = dollars / p
        seq[0] += 1
        lots[j].append({"q": q, "basis": q * p + fee_rate * dollars, "start": dates[t],
                        "seq": seq[0]})
        units[j] += q
        last_buy[j] = dates[t]

    def sell(t, j, q_want, chosen=None):
        p = prices[t, j]
        d = dates[t]
        if chosen is None:
            pool = list(lots[j])
            if not loss_ok(j, d):
                pool = [lt for lt in pool if lt["basis"] <= lt["q"] * (p * (1 - cost))]
            if method == "hifo":
                # equal bases per share (same price, e.g. flat T-bills) tie FIFO: compare at
                # 12 significant digits so float noise in basis / q cannot decide
                pool.sort(key=lambda lt: (-float(f"{lt['basis'] / lt['q']:.12g}"), lt["seq"]))
            else:
                pool.sort(key=lambda lt: lt["seq"])
            total = sum(lt["q"] for lt in lots[j])
            q_want = min(q_want, total)
            chosen, left = [], q_want
            for lt in pool:
                if left <= 1e-9 * max(1.0, q_want):
                    break
                take = min(lt["q"], left)
                if lt["q"] - take <= 1e-9 * max(1.0, q_want):
                    take = lt["q"]
                chosen.append((lt, take))
                left -= take
        q = sum(x for _, x in chosen)
        if q <= 0:
            return 0.0, 0.0
        net = q * p * (1 - cost)
        row = realized.setdefault(d.year, [0.0, 0.0, 0.0, 0.0])
        for lt, x in chosen:
            basis = lt["basis"] * x / lt["q"]
            gain = net * x / q - basis
            k = 2 if _long_term(lt["start"], d) else 0
            row[k + (0 if gain >= 0 else 1)] += gain
            if gain < -1e-9:
                last_loss[j] = d
            lt["basis"] -= basis
            lt["q"] -= x
        lots[j][:] = [lt for lt in lots[j] if lt["q"] > 1e-9 * max(1.0, q)]
        units[j] = sum(lt["q"] for lt in lots[j])
        return q, net

    def class_h(t):
        h = np.zeros(K)
        for j in range(m):
            h[cls[j]] += units[j] * prices[t, j]
        return h

    def preferred(k, d):
        for j in (k, subs[k]):
            if j >= 0 and buy_ok(j, d):
                return j
        return -1

    def sell_class(t, k, dollars):
        cash, left = 0.0, dollars
        for j in (subs[k], k):
            if j < 0 or units[j] <= 0 or left <= 1e-12 * dollars:
                continue
            q, net = sell(t, j, min(units[j], left / prices[t, j]))
            left -= q * prices[t, j]
            cash += net
        return cash

    def spend(t, plan, cash):
        buys = [(preferred(k, dates[t]), x) for k, x in plan]
        assert all(j >= 0 for j, _ in buys), "reference: a class cannot be bought"
        denom = sum(x * (1 + cost) for _, x in buys)
        for j, x in buys:
            buy(t, j, cash / denom * x, cost)

    def bisect(f, lo, hi):
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if f(mid) > 0:
                hi = mid
            else:
                lo = mid
        return 0.5 * (lo + hi)

    def rebalance(t):
        h = class_h(t)
        frozen = set()
        while True:
            act = [k for k in range(K) if k not in frozen]
            V = sum(h[k] for k in act)
            wa = sum(target[k] for k in act)
            x0 = {k: target[k] / wa * V - h[k] for k in act}
            act = [k for k in act if abs(x0[k]) > 1e-12 * V]
            frozen_in = sum(h[k] for k in range(K) if k not in frozen and k not in act)
            wa = sum(target[k] for k in act)
            def excess(v, act=act, wa=wa, frozen_in=frozen_in, V=V):
                return v + sum(cost * abs(target[k] / wa * (v - frozen_in) - h[k])
                               for k in act) - V

            Vp = bisect(excess, 0.0, V)
            x = {k: target[k] / wa * (Vp - frozen_in) - h[k] for k in act}
            blocked = [k for k in act if x[k] > 0 and preferred(k, dates[t]) < 0]
            if not blocked:
                break
            frozen.update(blocked)
        cash = sum(sell_class(t, k, -x[k]) for k in sorted(x) if x[k] < 0)
        spend(t, [(k, x[k]) for k in sorted(x) if x[k] > 0], cash)

    def bill(year):
        r = realized.get(year, [0.0] * 4)
        qd = qdiv.get(year, 0.0)
        ordinary, ncg, ded, in_agi, st_out, lt_out = _netting(*r, *carry)
        carry[:] = [st_out, lt_out]
        return (st_rate * ordinary + lt_rate * (ncg + qd) - st_rate * ded
                + state_rate * (in_agi + qd))

    def pay(t, T):
        h = class_h(t)
        V = sum(h)
        V1 = V - T
        s = 1.0 if T < 0 else -1.0
        e = [s * (target[k] * V1 - h[k]) for k in range(K)]
        order = sorted(range(K), key=lambda k: -e[k])
        cum, act = 0.0, K
        for i in range(K):
            cum += e[order[i]]
            lam = (cum - abs(T)) / (i + 1)
            nxt = e[order[i + 1]] if i + 1 < K else -np.inf
            if lam >= nxt:
                act = i + 1
                break
        act = order[:act]

        def xs(v):
            kappa = (sum(target[k] * v - h[k] for k in act) - (v - V)) / len(act)
            return {k: target[k] * v - h[k] - kappa for k in act}

        Vp = bisect(lambda v: v - (V1 - sum(cost * abs(x) for x in xs(v).values())),
                    0.0, 2 * V)
        x = xs(Vp)
        if T < 0:
            spend(t, [(k, x[k]) for k in sorted(x) if x[k] > 0], -T)
            return
        cash = sum(sell_class(t, k, -x[k]) for k in sorted(x) if x[k] < 0)
        assert abs(cash - T) <= 1e-6 * V, "reference: bill not raised"

    # row 0
    for k in range(K):
        buy(0, k, target[k] * initial, 0.0)
    values[0] = sum(units * prices[0])
    for t in range(1, n):
        d = dates[t]
        if q_end[t]:
            for j in range(m):
                if units[j] > 0 and y[j] > 0:
                    dollars = units[j] * y[j] / 4.0 * prices[t, j]
                    qdiv[d.year] = qdiv.get(d.year, 0.0) + dollars
                    dest = j if buy_ok(j, d) else other[j]
                    if dest >= 0 and buy_ok(dest, d):
                        buy(t, dest, dollars, 0.0)
                    else:  # the class is blocked: the largest shortfall takes it, with costs
                        h = class_h(t)
                        V = sum(h)
                        k = max((target[c] * V - h[c], c) for c in range(K)
                                if preferred(c, d) >= 0)[1]
                        buy(t, preferred(k, d), dollars / (1 + cost), cost)
        if d.year != dates[t - 1].year:
            taxes[dates[t - 1].year] = T = bill(dates[t - 1].year)
            if T != 0:
                pay(t, T)
        for k in sorted(swap_due):
            if swap_due[k] > d:
                continue
            j, x = subs[k], k
            if not buy_ok(x, d):
                swap_due[k] = last_loss[x] + wait
                continue
            if units[j] > 0:
                _, cash = sell(t, j, units[j])
                if cash > 0:
                    buy(t, x, cash / (1 + cost), cost)
            if units[j] > 0:
                swap_due[k] = last_buy[j] + wait
            else:
                del swap_due[k]
        if harvest is not None:
            pct, usd, back = harvest
            for j in range(m):
                o = other[j]
                if o < 0 or units[j] <= 0 or not (loss_ok(j, d) and buy_ok(o, d)):
                    continue
                p = prices[t, j]
                qual = [lt for lt in lots[j] if (lt["basis"] - lt["q"] * p) > 0
                        and lt["basis"] - lt["q"] * p >= usd
                        and lt["basis"] - lt["q"] * p >= pct * lt["basis"]]
                if not qual:
                    continue
                qual.sort(key=lambda lt: lt["seq"])
                _, cash = sell(t, j, 0.0, chosen=[(lt, lt["q"]) for lt in qual])
                buy(t, o, cash / (1 + cost), cost)
                k = cls[j]
                if back and o == subs[k]:
                    due = d + wait
                    swap_due[k] = max(swap_due.get(k, due), due)
        if policy == "check" and check[t]:
            h = class_h(t)
            V = sum(h)
            if any(band < 0 or abs(h[k] / V - target[k]) > band + 1e-12 for k in range(K)):
                rebalance(t)
        values[t] = sum(units * prices[t])
    owed = bill(dates[-1].year)
    taxes[dates[-1].year] = owed
    return {
        "values": values, "taxes": taxes, "realized": realized, "owed": owed,
        "lots": [[(lt["q"], lt["basis"], lt["start"]) for lt in lots[j]] for j in range(m)],
        "qdiv": qdiv,
    }
