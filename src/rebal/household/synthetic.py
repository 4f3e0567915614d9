"""Generated households, for scale tests and benchmarks (many households at once).

:func:`synthetic_household` returns a household *file's content* (plain data, the
mapping that :func:`rebal.household.household_from_dict` validates), so it travels to
workers as data and can be written to YAML or stored. A seed fixes everything: the
same seed gives the same household on any machine.

The shape follows an advisor's typical client: a taxable account, a traditional IRA
and a Roth (more accounts repeat those types), five asset classes with one fund and
one substitute each, lots bought over the previous ten years at prices that drifted
from today's (so some lots are at a gain, some at a loss), and a target the holdings
have drifted away from.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np

__all__ = ["SYNTHETIC_AS_OF", "synthetic_household"]

SYNTHETIC_AS_OF = date(2025, 6, 30)
"""The day every generated household is valued on."""

_FUNDS = (
    # symbol, substitute, asset class, price (USD), target weight
    ("VTI", "ITOT", "us_stocks", 303.93, 0.40),
    ("VXUS", "IXUS", "intl_stocks", 68.76, 0.20),
    ("VNQ", "SCHH", "real_estate", 90.12, 0.05),
    ("BND", "AGG", "bonds", 73.40, 0.30),
    ("VTIP", "SCHP", "tips", 49.80, 0.05),
)
_SUB_PRICE = {"ITOT": 134.60, "IXUS": 78.02, "SCHH": 21.40, "AGG": 99.25, "SCHP": 26.70}
_TYPES = ("taxable", "traditional", "roth")


def synthetic_household(
    seed: int,
    *,
    n_accounts: int = 3,
    n_lots: int = 20,
    value_usd: float | None = None,
    whole_shares: bool = False,
) -> dict[str, Any]:
    """One generated household's file content.

    Parameters
    ----------
    seed
        Fixes every random choice.
    n_accounts
        Accounts (≥ 1), taking the types taxable, traditional, roth in turn.
    n_lots
        Lots in all (≥ 1), spread over the accounts and funds.
    value_usd
        Rough total value in dollars (default: drawn between $100k and $3M).
    whole_shares
        Whether the accounts trade whole shares only (default: fractional shares, as
        most US brokers now allow for ETFs; whole shares make the plan an integer
        program, which takes HiGHS seconds rather than milliseconds).

    Returns
    -------
    dict
        The mapping of a household file (``as_of``, ``household``, ``accounts``,
        ``securities``, ``targets``, ``lots``): plain Python values (dates as ISO text),
        ready for YAML or JSON.
    """
    if n_accounts < 1 or n_lots < 1:
        raise ValueError("a synthetic household needs at least one account and one lot")
    rng = np.random.default_rng(seed)
    total = float(value_usd) if value_usd is not None else float(
        np.exp(rng.uniform(np.log(1e5), np.log(3e6))))
    accounts = [
        {"id": f"acct{i + 1}", "type": _TYPES[i % len(_TYPES)],
         "cash_usd": round(float(rng.uniform(0, 0.03)) * total / n_accounts, 2),
         "whole_shares": whole_shares}
        for i in range(n_accounts)
    ]
    securities: list[dict[str, Any]] = []
    for sym, sub, cls, price, _w in _FUNDS:
        securities.append({"symbol": sym, "price_usd": price, "asset_class": cls,
                           "substitutes": [sub]})
        securities.append({"symbol": sub, "price_usd": _SUB_PRICE[sub], "asset_class": cls,
                           "substitutes": [sym]})
    # drifted holdings: each fund's share of the lots is its target times a drift
    weights = np.array([w for *_, w in _FUNDS]) * rng.uniform(0.6, 1.4, len(_FUNDS))
    weights /= weights.sum()
    fund_of_lot = rng.choice(len(_FUNDS), size=n_lots, p=weights)
    lots: list[dict[str, Any]] = []
    for k in range(n_lots):
        sym, _sub, _cls, price, _w = _FUNDS[int(fund_of_lot[k])]
        acct = accounts[k % n_accounts]
        per_fund = max(1, int((fund_of_lot == fund_of_lot[k]).sum()))
        dollars = total * weights[int(fund_of_lot[k])] / per_fund
        qty = max(1.0, round(float(dollars) / price, 3))
        lot: dict[str, Any] = {"account": acct["id"], "symbol": sym, "quantity": qty}
        if acct["type"] == "taxable":
            days = int(rng.integers(20, 3650))
            basis_price = price * float(np.exp(rng.normal(-0.04 * days / 365, 0.15)))
            lot["acquired"] = (SYNTHETIC_AS_OF - timedelta(days=days)).isoformat()
            lot["cost_basis_usd"] = round(qty * basis_price, 2)
        lots.append(lot)
    return {
        "as_of": SYNTHETIC_AS_OF.isoformat(),
        "household": {
            "name": f"synthetic-{seed}",
            "filing_status": "mfj" if rng.random() < 0.6 else "single",
            "ordinary_income_usd": round(float(rng.uniform(40_000, 400_000)), -2),
            "state_rate": round(float(rng.uniform(0, 0.09)), 4),
            "harvest": {"min_loss_usd": 500, "min_loss_frac": 0.05},
        },
        "accounts": accounts,
        "securities": securities,
        "targets": {"classes": {cls: w for _s, _u, cls, _p, w in _FUNDS}},
        "lots": lots,
    }
