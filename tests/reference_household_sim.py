"""A plain, slow reference of the naive household simulation, written from the rules.

Scope: fractional-share accounts, single-class funds, decisions where no wash sale can
occur (yearly decisions; the tax is paid in April), as in ``tests/simulation``. Dicts and
loops: its own lots (FIFO), its own holding-period rule, its own band check and pro-rata
rebalance (``docs/simulate.md``, ``rebal.planner.naive`` docstring); the tax of each year
is the tax engine's ``federal_tax`` (with minus without the portfolio's gains), since the
brackets are the engine's data (``rebal.tax.rates.adjusted_params`` for years without a
file). Nothing from ``rebal.simulation`` or ``rebal.planner``.
"""

from __future__ import annotations

import datetime as dt

from rebal.tax.federal import tax_from_params
from rebal.tax.rates import adjusted_params, available_years, load_params


def _long_term(start: dt.date, sale: dt.date) -> bool:
    anniv = (dt.date(start.year + 1, 2, 28) if (start.month, start.day) == (2, 29)
             else start.replace(year=start.year + 1))
    return sale > anniv


def _params(year: int, status: str, inflation: float):  # type: ignore[no-untyped-def]
    if year in available_years():
        return load_params(year)[status]
    return adjusted_params(year, inflation)[status]


def reference_naive(h: dict, dates: list[dt.date], prices: dict[str, list[float]], *,
                    income: callable, inflation: float, state_rate: float,
                    status: str = "mfj") -> dict:
    """Simulate the naive strategy.

    ``h``: {"accounts": {id: {"taxable": bool, "cash": x, "min_cash": x}},
    "securities": {sym: {"class": c, "cost": rate}}, "targets": {c: (w, half_width)},
    "positions": [(account, sym, shares)]}. Prices per day per symbol. Returns daily values
    and the tax of each year."""
    acct = {a: dict(v) for a, v in h["accounts"].items()}
    sec = h["securities"]
    targets = h["targets"]
    lots: list[dict] = []  # {account, sym, qty, basis, acquired}
    p0 = {s: prices[s][0] for s in sec}
    for a, s, q in h["positions"]:
        lots.append({"account": a, "sym": s, "qty": q, "basis": q * p0[s], "acquired": dates[0]})
    realized: dict[int, list[float]] = {}
    carry = [0.0, 0.0]
    owed: dict[int, float] = {}
    taxes: dict[int, float] = {}
    values = []

    def held(a: str, s: str) -> float:
        return sum(x["qty"] for x in lots if x["account"] == a and x["sym"] == s)

    def sell(a: str, s: str, q: float, p: float, day: dt.date) -> None:
        fee_rate = sec[s]["cost"]
        acct[a]["cash"] += q * p * (1 - fee_rate)
        if not acct[a]["taxable"]:
            left = q
            for x in lots:
                if x["account"] == a and x["sym"] == s and left > 0:
                    take = min(left, x["qty"])
                    x["qty"] -= take
                    left -= take
            lots[:] = [x for x in lots if x["qty"] > 1e-12]
            return
        left = q
        for x in sorted((x for x in lots if x["account"] == a and x["sym"] == s),
                        key=lambda x: x["acquired"]):
            if left <= 1e-12:
                break
            take = min(left, x["qty"])
            basis = x["basis"] * take / x["qty"]
            gain = take * p * (1 - fee_rate) - basis
            row = realized.setdefault(day.year, [0.0, 0.0])
            row[1 if _long_term(x["acquired"], day) else 0] += gain
            x["basis"] -= basis
            x["qty"] -= take
            left -= take
        lots[:] = [x for x in lots if x["qty"] > 1e-12]

    def buy(a: str, s: str, q: float, p: float, day: dt.date) -> None:
        fee_rate = sec[s]["cost"]
        acct[a]["cash"] -= q * p * (1 + fee_rate)
        lots.append({"account": a, "sym": s, "qty": q, "basis": q * p * (1 + fee_rate),
                     "acquired": day})

    def year_tax(y: int) -> float:
        st, lt = realized.get(y, [0.0, 0.0])
        prm = _params(y, status, inflation)
        kw = dict(ordinary_income=income(y), state_rate=state_rate)
        with_p = tax_from_params(prm, st_gains=st, lt_gains=lt, st_carryforward=carry[0],
                                 lt_carryforward=carry[1], **kw)
        without = tax_from_params(prm, **kw)
        carry[:] = [with_p.netting.st_carryforward_out, with_p.netting.lt_carryforward_out]
        return with_p.total_tax - without.total_tax

    year = dates[0].year
    taxable_id = next(a for a, v in acct.items() if v["taxable"])
    for i, day in enumerate(dates):
        p = {s: prices[s][i] for s in sec}
        if day.year != year:
            taxes[year] = owed[year] = year_tax(year)
            year = day.year
        for y in sorted(owed):
            if day >= dt.date(y + 1, 4, 15):
                acct[taxable_id]["cash"] -= owed.pop(y)
        first_of_year = i == 0 or dates[i - 1].year != day.year
        short = any(v["cash"] < v["min_cash"] - 0.005 for v in acct.values())
        if first_of_year or short:
            # the band check over the household (rebal.planner.check)
            cls_val = {c: 0.0 for c in targets}
            for x in lots:
                cls_val[sec[x["sym"]]["class"]] += x["qty"] * p[x["sym"]]
            cash_now = {a: max(0.0, v["cash"]) for a, v in acct.items()}
            invest = (sum(cls_val.values()) + sum(cash_now.values())
                      - sum(v["min_cash"] for v in acct.values()))
            breach = any(abs(cls_val[c] / invest - w) > hw + 1e-9
                         for c, (w, hw) in targets.items())
            uninvested = sum(cash_now[a] - v["min_cash"] for a, v in acct.items())
            if breach or short or max(0.0, uninvested) > 0.01 * invest:
                for a, v in acct.items():
                    hold = {s: held(a, s) for s in sec if held(a, s) > 0}
                    w_acct = sum(q * p[s] for s, q in hold.items()) + v["cash"] - v["min_cash"]
                    sells, buys = [], []
                    for c, (w, _) in targets.items():
                        pool = [s for s in sec if sec[s]["class"] == c and s in hold]
                        now = sum(hold[s] * p[s] for s in pool)
                        diff = w * w_acct - now
                        if diff < 0 and pool:
                            sells += [[s, min(-diff * hold[s] / now, hold[s])] for s in pool]
                        elif diff > 0 and pool:
                            buys += [(s, diff * hold[s] * p[s] / now) for s in pool]
                        elif diff > 0:
                            buys.append((next(s for s in sec if sec[s]["class"] == c), diff))
                    room = v["cash"] - v["min_cash"] + sum(
                        q * p[s] * (1 - sec[s]["cost"]) for s, q in sells)
                    if room < 0:  # sell the missing dollars and their own cost too
                        for item in sells:
                            net = p[item[0]] * (1 - sec[item[0]]["cost"])
                            extra = min(-room / net, hold[item[0]] - item[1])
                            if room < 0 and extra > 0:
                                item[1] += extra
                                room += extra * net
                    for s, q in sells:
                        if q > 0:
                            sell(a, s, q, p[s], day)
                    for s, dollars in buys:
                        unit = p[s] * (1 + sec[s]["cost"])
                        q = min(dollars / p[s], max(v["cash"] - v["min_cash"], 0.0) / unit)
                        if q > 1e-9:
                            buy(a, s, q, p[s], day)
        values.append(sum(x["qty"] * p[x["sym"]] for x in lots)
                      + sum(v["cash"] for v in acct.values()))
    taxes[year] = year_tax(year)
    return {"values": values, "taxes": taxes, "carry": tuple(carry)}
