"""The lazy model's rounds reuse what they can (issue 13): a build with the memo of earlier
rounds — positions' lot columns replayed, shifted when the columns before them changed —
is the same problem as a fresh build with the same chunks, array for array."""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np

from rebal.household import household_from_dict
from rebal.planner import PlanSettings
from rebal.planner.guard import build_guard
from rebal.planner.model import build_problem, lot_buckets, taxable_lot_facts

AS_OF = date(2025, 6, 30)


def _household(seed: int = 3):
    """Two classes of three funds; a taxable account with 25 lots of four funds (gains
    and losses, both terms), an IRA with one fund."""
    rng = random.Random(seed)
    securities, prices = [], {}
    for c in ("stocks", "bonds"):
        syms = [f"{c[:2].upper()}{i}" for i in range(3)]
        for i, sym in enumerate(syms):
            prices[sym] = rng.randint(2000, 20000) / 100
            securities.append({"symbol": sym, "asset_class": c, "price_usd": prices[sym],
                               "substitutes": [syms[(i + 1) % 3]], "cost_bps": 1})
    lots = []
    for sym in ("ST0", "ST1", "BO0", "BO2"):
        for _ in range(25):
            q = rng.randint(1, 60)
            lots.append({"account": "tx", "symbol": sym, "quantity": q,
                         "cost_basis_usd": round(q * prices[sym] * rng.uniform(0.5, 1.8), 2),
                         "acquired": (AS_OF - timedelta(days=rng.randint(2, 2000))).isoformat()})
    lots.append({"account": "ira", "symbol": "BO1", "quantity": 300})
    return household_from_dict({
        "as_of": AS_OF.isoformat(),
        "household": {"name": "memo", "filing_status": "single",
                      "ordinary_income_usd": 120_000},
        "accounts": [{"id": "tx", "type": "taxable", "whole_shares": True, "cash_usd": 1000},
                     {"id": "ira", "type": "traditional", "whole_shares": False}],
        "securities": securities, "lots": lots,
        "targets": {"classes": {"stocks": {"weight": 0.6, "band_abs": 0.03},
                                "bonds": {"weight": 0.4, "band_abs": 0.03}}},
    })


def _same(p, q) -> None:
    for f in ("c", "row_lo", "row_hi", "lb", "ub", "integrality"):
        assert np.array_equal(getattr(p, f), getattr(q, f)), f
    for f in ("start", "index", "value"):
        assert np.array_equal(getattr(p.a_matrix, f), getattr(q.a_matrix, f)), f
    assert p.lots == q.lots
    assert p.chunks == q.chunks
    assert p.row_names == q.row_names
    assert (p.tax_cols, p.tax_coefs) == (q.tax_cols, q.tax_coefs)


def test_rounds_with_a_memo_build_the_fresh_problem():
    h = _household()
    s = PlanSettings(compare_naive=False)
    guard = build_guard(h)
    facts = taxable_lot_facts(h, s, guard)
    groups = {k: lot_buckets(v) for k, v in facts.items()}
    buckets = [((a, sym, *key), len(b)) for (a, sym), g in groups.items() for key, b in g.items()
               if len(b) > 3]
    assert len(buckets) >= 3
    first, mid, last = buckets[0], buckets[len(buckets) // 2], buckets[-1]
    # rounds: no cut; a cut late (columns before it unchanged); one early (all after it
    # shift); more cuts early and late; a round repeated
    rounds = [{}, {last[0]: (1,)}, {first[0]: (2,), last[0]: (1,)},
              {first[0]: (1, 2), mid[0]: (1, 3), last[0]: (1, 2)},
              {first[0]: (1, 2), mid[0]: (1, 3), last[0]: (1, 2)}]
    memo: dict = {}
    for cuts in rounds:
        kept = build_problem(h, s, guard, lot_facts=facts, exact=cuts, lot_groups=groups,
                             memo=memo)
        fresh = build_problem(h, s, guard, lot_facts=facts, exact=cuts, lot_groups=groups)
        _same(kept, fresh)
