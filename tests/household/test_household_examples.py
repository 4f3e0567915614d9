"""The shipped example households load, and hold the figures their comments claim."""

from __future__ import annotations

from pathlib import Path

import pytest

from rebal.household import load_household
from rebal.household import views as v
from rebal.types import AccountType, Term

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "households"

NAMES = ["article_client.yaml", "diy_small.yaml", "balanced_illiquid.yaml"]


@pytest.mark.parametrize("name", NAMES)
def test_example_loads_without_warnings(name):
    h = load_household(EXAMPLES / name)
    assert h.warnings == ()
    assert h.as_of.isoformat() == "2025-06-30" and h.tax.tax_year == 2025
    assert h.source == str(EXAMPLES / name)


def test_article_client_shape():
    h = load_household(EXAMPLES / "article_client.yaml")
    assert {a.type for a in h.accounts} == {
        AccountType.TAXABLE, AccountType.TRADITIONAL, AccountType.ROTH,
    }
    # ≈ $1.8M, target 70/30, actual ≈ 76/24
    assert v.total_value_usd(h) == pytest.approx(1_798_283.0)
    weights = v.class_weights(h)
    assert weights["stocks"] == pytest.approx(0.758, abs=0.001)
    assert weights["bonds"] == pytest.approx(0.242, abs=0.001)
    assert all(d.breached for d in v.drift(h))
    gains = v.lot_gains(h)
    assert {g.term for g in gains} == {Term.SHORT, Term.LONG}
    assert sum(g.gain_usd < 0 for g in gains) == 2  # T-VTI-5 (ST) and T-BND-1 (LT)


def test_article_client_naive_rebalance_tax_by_hand():
    """The naive plan's tax, worked by hand (2025, MFJ, TAX_RULES.md §4).

    Naive plan (tax-blind, as the planner's baseline is meant to be): every account is
    brought to 70/30 on its own, an overweight class is sold pro rata across its funds,
    sales relieve lots FIFO. Only the taxable account's sales are taxed.

    Taxable account on 2025-06-30 (cash 5,000 = its reserve, so investable = holdings):
      VTI  1,780 sh × 303.93 = 540,995.40
      VXUS 2,100 sh ×  68.76 = 144,396.00   stocks 685,391.40
      BND  2,940 sh ×  73.40 = 215,796.00   total  901,187.40
      stocks to sell = 685,391.40 − 0.70 × 901,187.40 = 54,560.22
      VTI share  = 54,560.22 × 540,995.40 / 685,391.40 = 43,065.65 → 141.696 sh
      VXUS share = 54,560.22 × 144,396.00 / 685,391.40 = 11,494.57 → 167.169 sh
    FIFO: VTI from T-VTI-1 (2012-06-04, $69.40/sh): 141.696 × 234.53 = 33,232.0 LT gain
          VXUS from T-VXUS-1 (2024-08-05, $59.80/sh; long-term only from 2025-08-06):
          167.169 × 8.96 = 1,497.8 ST gain
    Rates at the margin: ordinary taxable income = 250,000 − 31,500 standard deduction
      = 218,500, inside the 24 % bracket (206,700–394,600), so ST gains pay 24 %.
      Preferential income (9,000 dividends + LT gain) sits above 218,500 > 96,700 (the 0 %
      limit) and ends below 600,050, so LT gains pay 15 %. MAGI − 250,000 = 9,000 + gains
      = net investment income, so NIIT is 3.8 % of every dollar of gain. State: 5 % flat.
      ST: 1,497.8 × (0.24 + 0.038 + 0.05) =   491.3
      LT: 33,232.0 × (0.15 + 0.038 + 0.05) = 7,909.2
      naive tax ≈ $8,400.5 (selling whole shares, 142 VTI and 167 VXUS: ≈ $8,417).
    Below, a plain loop over the loaded file reproduces the gains.
    """
    h = load_household(EXAMPLES / "article_client.yaml")
    prices = {s.symbol: s.price_usd for s in h.securities}
    classes = {s.symbol: s.asset_class for s in h.securities}
    lots = [lot for lot in h.lots if lot.account == "taxable"]
    value = {sym: 0.0 for sym in ("VTI", "VXUS", "BND")}
    for lot in lots:
        value[lot.symbol] += lot.quantity * prices[lot.symbol]
    stocks = value["VTI"] + value["VXUS"]
    total = stocks + value["BND"]  # cash equals the reserve
    assert (stocks, total) == pytest.approx((685_391.40, 901_187.40))
    to_sell = stocks - 0.70 * total
    assert to_sell == pytest.approx(54_560.22, abs=0.01)
    gains = {Term.SHORT: 0.0, Term.LONG: 0.0}
    for symbol in ("VTI", "VXUS"):
        assert classes[symbol] == "stocks"
        shares = to_sell * value[symbol] / stocks / prices[symbol]
        for lot in sorted((x for x in lots if x.symbol == symbol), key=lambda x: x.acquired):
            take = min(shares, lot.quantity)
            if take <= 0:
                break
            assert lot.acquired is not None and lot.cost_basis_usd is not None
            term = Term.LONG if v.is_long_term(lot.acquired, h.as_of) else Term.SHORT
            gains[term] += take * (prices[symbol] - lot.cost_basis_usd / lot.quantity)
            shares -= take
    assert gains[Term.LONG] == pytest.approx(33_232.0, abs=0.5)
    assert gains[Term.SHORT] == pytest.approx(1_497.8, abs=0.1)
    tax = gains[Term.SHORT] * (0.24 + 0.038 + 0.05) + gains[Term.LONG] * (0.15 + 0.038 + 0.05)
    assert tax == pytest.approx(8_400.5, abs=1.0)
    assert h.tax.ordinary_income_usd == 250_000 and h.tax.state_rate == 0.05


def test_diy_small():
    h = load_household(EXAMPLES / "diy_small.yaml")
    assert len(h.accounts) == 3
    assert h.account("roth").pending_flow_usd == 7000.0
    for fund, sub in (("VTI", "ITOT"), ("VXUS", "IXUS"), ("BND", "AGG")):
        assert h.security(fund).substitutes == (sub,)
        assert h.wash_group(fund) != h.wash_group(sub)
    assert h.target("bonds").half_width == pytest.approx(0.05)  # min(0.05, 0.25 × 0.30)
    assert h.target("bonds").location[0] is AccountType.TRADITIONAL
    assert h.tax.carryforward_lt_usd == 1800.0 and h.tax.realized_st_usd == -350.0


def test_balanced_illiquid():
    h = load_household(EXAMPLES / "balanced_illiquid.yaml")
    assert h.security("VBIAX").class_fractions() == {"us_stocks": 0.6, "bonds": 0.4}
    assert h.security("VBIAX").asset_class is None
    assert not h.security("PRIVRE").tradable
    # lots come from the CSV, ids generated per account and symbol in file order
    assert [lot.id for lot in h.lots][:2] == ["taxable:VBIAX:1", "taxable:VBIAX:2"]
    assert h.lot("k401:VBIAX:1").cost_basis_usd is None
    assert h.lot("taxable:VXUS:2").holding_period_start.isoformat() == "2025-05-20"
    assert h.held_for_step_up(h.lot("taxable:VBIAX:1"))
    # look-through: VBIAX 6,100.25 sh × 49.80 split 60/40
    vbiax = 6100.25 * 49.80
    bonds = 0.4 * vbiax + 900 * 73.40
    assert v.class_values(h)["bonds"] == pytest.approx(bonds)


def test_article_client_naive_tax_agrees_with_tax_engine():
    """The hand figure above, re-priced by rebal.tax (federal incl. NIIT and AMT, + state)."""
    from rebal.tax import extra_tax_detail

    h = load_household(EXAMPLES / "article_client.yaml")
    detail = extra_tax_detail(h.tax_profile(), st=1_497.84, lt=33_232.0)
    assert detail.total == pytest.approx(8_400.5, abs=1.0)
    assert detail.niit == pytest.approx(0.038 * (1_497.84 + 33_232.0), abs=0.01)
    assert detail.state == pytest.approx(0.05 * (1_497.84 + 33_232.0), abs=0.01)


def test_tax_profile_maps_every_fact():
    h = load_household(EXAMPLES / "diy_small.yaml")
    p = h.tax_profile()
    assert (p.year, p.filing_status.value) == (2025, "single")
    assert (p.ordinary_income, p.qualified_dividends) == (95_000.0, 1_200.0)
    assert (p.st_realized, p.lt_realized) == (-350.0, 0.0)
    assert (p.st_carryforward, p.lt_carryforward) == (0.0, 1_800.0)
    assert p.state_rate == 0.0495


def test_docs_example_loads(tmp_path):
    text = (EXAMPLES.parents[1] / "docs" / "household.md").read_text(encoding="utf-8")
    block = text.split("## A complete example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "doc.yaml"
    path.write_text(block, encoding="utf-8")
    h = load_household(path)
    assert [a.id for a in h.accounts] == ["brokerage", "roth"]
    assert h.lot("roth:BND:1").quantity == 120.0
