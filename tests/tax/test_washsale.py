"""Wash sales: TAX_RULES §1 rules and examples E1, E3, E4e, E5, E8–E11 (IRC §1091;
Reg. §§1.1091-1, -2; Rev. Rul. 56-602; Rev. Rul. 2008-5), and the guard."""

from datetime import date, timedelta

import pytest

from rebal.tax.guard import wash_sale_guard
from rebal.tax.ledger import audit
from rebal.tax.lots import Account, Trade, WashSaleSettings
from rebal.tax.washsale import buy_would_wash, sale_would_be_washed
from rebal.types import AccountType, LotMethod, Owner, Term

B = Account(id="b")


def T(d, side, q, p, account="b", symbol="X", **kw):
    return Trade(date=d, account=account, symbol=symbol, side=side, quantity=q, price_usd=p, **kw)


def lots_by_id(result):
    return {lot.id: lot for lot in result.open_lots}


def test_e1_pub550_example_1():
    # Buy 100 for $1,000, sell for $750, buy 100 for $800 within 30 days → basis $1,050.
    r = audit([
        T(date(2025, 1, 6), "buy", 100, 10.0),
        T(date(2025, 3, 3), "sell", 100, 7.5),
        T(date(2025, 3, 20), "buy", 100, 8.0),
    ], [B])
    (d,) = r.dispositions
    assert d.gain_usd == pytest.approx(-250.0)
    assert d.disallowed_usd == pytest.approx(250.0)
    assert d.recognized_usd == pytest.approx(0.0)
    (new,) = r.open_lots
    assert new.basis_usd == pytest.approx(1050.0)
    # holding period includes the 56 days the old shares were held
    assert new.holding_start == date(2025, 3, 20) - timedelta(days=56)
    assert new.acquired == date(2025, 3, 20)
    (adj,) = new.adjustments
    assert adj.amount_usd == pytest.approx(250.0) and adj.from_disposition == d.id


def test_e3_reg_1_1091_2_example_1():
    r = audit([
        T(date(1935, 6, 1), "buy", 1, 100.0),
        T(date(1955, 1, 15), "sell", 1, 80.0),
        T(date(1955, 2, 1), "buy", 1, 90.0),
    ], [B])
    assert r.dispositions[0].recognized_usd == pytest.approx(0.0)
    assert r.open_lots[0].basis_usd == pytest.approx(110.0)
    # tacked period: the 1935 shares' holding period carries over → long term at once
    assert r.open_lots[0].holding_start < date(1936, 1, 1)


def test_e4e_same_lot_is_not_a_replacement():
    # Rev. Rul. 56-602: 200 shares in one lot on 3/1, 100 sold at a loss on 3/20.
    r = audit([T(date(2025, 3, 1), "buy", 200, 10.0), T(date(2025, 3, 20), "sell", 100, 9.0)],
              [B])
    (d,) = r.dispositions
    assert d.disallowed_usd == 0.0 and d.recognized_usd == pytest.approx(-100.0)
    assert r.open_lots[0].basis_usd == pytest.approx(1000.0)


def test_e5_earliest_replacements_matched_first():
    r = audit(
        [T(date(2024, 9, 24), "buy", 100, 100.0, lot_id="M0"),
         T(date(2025, 2, 3), "sell", 100, 90.0)]
        + [T(date(2025, 2, d), "buy", 50, 95.0, lot_id=f"F{d}") for d in (10, 11, 12, 13)],
        [B],
    )
    (d,) = r.dispositions
    assert d.disallowed_usd == pytest.approx(1000.0)
    lots = lots_by_id(r)
    assert lots["F10"].basis_usd == pytest.approx(4750.0 + 500.0)
    assert lots["F11"].basis_usd == pytest.approx(4750.0 + 500.0)
    assert lots["F12"].basis_usd == pytest.approx(4750.0) and not lots["F12"].adjustments
    assert lots["F13"].basis_usd == pytest.approx(4750.0) and not lots["F13"].adjustments
    assert [m.purchase_id for m in d.wash_matches] == ["F10", "F11"]


def test_e8_partial_wash_proportional():
    # Sell 100 at a $1,000 loss; 50 bought on day -20 and 25 on day +5.
    sale = date(2025, 6, 2)
    r = audit([
        T(sale - timedelta(days=100), "buy", 100, 50.0, lot_id="S"),
        T(sale - timedelta(days=20), "buy", 50, 42.0, lot_id="R50"),
        T(sale, "sell", 100, 40.0, lot_ids=("S",)),
        T(sale + timedelta(days=5), "buy", 25, 41.0, lot_id="R25"),
    ], [B])
    (d,) = r.dispositions
    assert d.gain_usd == pytest.approx(-1000.0)
    assert d.disallowed_usd == pytest.approx(750.0)
    assert d.recognized_usd == pytest.approx(-250.0)
    lots = lots_by_id(r)
    assert lots["R50"].basis_usd == pytest.approx(2100.0 + 500.0)
    assert lots["R25"].basis_usd == pytest.approx(1025.0 + 250.0)
    for lot_id, acquired in (("R50", sale - timedelta(days=20)), ("R25", sale + timedelta(5))):
        assert lots[lot_id].holding_start == acquired - timedelta(days=100)


@pytest.mark.parametrize(("offset", "washed"), [(-31, False), (-30, True), (30, True),
                                                (31, False), (0, True)])
def test_e9_window_boundaries(offset, washed):
    sale = date(2025, 3, 15)
    buy = sale + timedelta(days=offset)
    trades = [T(date(2024, 12, 1), "buy", 100, 10.0, lot_id="OLD"),
              T(buy, "buy", 100, 9.0, account="c", lot_id="NEW"),
              T(sale, "sell", 100, 8.0, lot_ids=("OLD",))]
    trades.sort(key=lambda t: t.date)  # stable: same-day order kept
    r = audit(trades, [B, Account(id="c")])
    (d,) = r.dispositions
    assert d.disallowed_usd == pytest.approx(200.0 if washed else 0.0)
    assert (date(2025, 2, 13) <= buy <= date(2025, 4, 14)) is washed


def test_e10_gain_sale_never_washed():
    r = audit([T(date(2025, 1, 2), "buy", 100, 10.0), T(date(2025, 3, 3), "sell", 100, 12.0),
               T(date(2025, 3, 4), "buy", 100, 12.0)], [B])
    (d,) = r.dispositions
    assert d.disallowed_usd == 0.0 and d.recognized_usd == pytest.approx(200.0)
    assert r.open_lots[0].basis_usd == pytest.approx(1200.0)


def test_e11_whole_lot_sold_no_other_purchase():
    r = audit([T(date(2025, 5, 1), "buy", 100, 10.0), T(date(2025, 5, 11), "sell", 100, 9.0)],
              [B])
    assert r.dispositions[0].recognized_usd == pytest.approx(-100.0)
    assert r.dispositions[0].disallowed_usd == 0.0


@pytest.mark.parametrize("kind", [AccountType.TRADITIONAL, AccountType.ROTH, AccountType.HSA])
def test_rev_rul_2008_5_ira_replacement_permanently_disallowed(kind):
    # A: 100 X basis $1,000, sold 2007-12-20 for $600; IRA buys 100 X on 2007-12-21.
    ira = Account(id="ira", type=kind)
    r = audit([
        T(date(2007, 1, 2), "buy", 100, 10.0),
        T(date(2007, 12, 20), "sell", 100, 6.0),
        T(date(2007, 12, 21), "buy", 100, 6.1, account="ira"),
    ], [B, ira])
    (d,) = r.dispositions
    assert d.disallowed_usd == pytest.approx(400.0)
    assert d.permanently_disallowed_usd == pytest.approx(400.0)
    assert d.deferred_usd == pytest.approx(0.0)
    assert d.recognized_usd == pytest.approx(0.0)
    (ira_lot,) = r.open_lots
    assert ira_lot.basis_usd == pytest.approx(610.0) and ira_lot.adjustments == ()
    assert ira_lot.used_as_replacement
    assert r.year_totals[0].permanently_disallowed_usd == pytest.approx(400.0)


def test_spouse_and_cross_account_replacement_get_basis():
    spouse = Account(id="sp", owner=Owner.SPOUSE)
    other = Account(id="c")
    r = audit([
        T(date(2025, 1, 2), "buy", 100, 10.0),
        T(date(2025, 3, 3), "sell", 100, 8.0),
        T(date(2025, 3, 5), "buy", 60, 8.5, account="sp", lot_id="SP"),
        T(date(2025, 3, 6), "buy", 40, 8.5, account="c", lot_id="C"),
    ], [B, spouse, other])
    (d,) = r.dispositions
    assert d.disallowed_usd == pytest.approx(200.0) and d.permanently_disallowed_usd == 0
    lots = lots_by_id(r)
    assert lots["SP"].basis_usd == pytest.approx(510.0 + 120.0)
    assert lots["C"].basis_usd == pytest.approx(340.0 + 80.0)
    assert [(m.account, m.quantity) for m in d.wash_matches] == [("sp", 60), ("c", 40)]


def test_substantially_identical_group():
    settings = WashSaleSettings.from_groups({"sp500": ["VOO", "IVV"]})
    trades = [
        T(date(2025, 1, 2), "buy", 10, 500.0, symbol="VOO"),
        T(date(2025, 4, 4), "sell", 10, 450.0, symbol="VOO"),
        T(date(2025, 4, 7), "buy", 10, 455.0, symbol="IVV"),
    ]
    assert audit(trades, [B], settings).dispositions[0].disallowed_usd == pytest.approx(500.0)
    assert audit(trades, [B]).dispositions[0].disallowed_usd == 0.0  # default: symbol alone


def test_chained_wash_carries_basis_and_tacked_period():
    r = audit([
        T(date(2025, 1, 2), "buy", 100, 10.0, lot_id="L1"),
        T(date(2025, 3, 3), "sell", 100, 8.0),           # loss 200, held 60 days
        T(date(2025, 3, 10), "buy", 100, 9.0, lot_id="L2"),  # basis 1100, start 01-09
        T(date(2025, 3, 20), "sell", 100, 7.0),          # loss 400, held from 01-09: 70 days
        T(date(2025, 3, 25), "buy", 100, 7.5, lot_id="L3"),  # basis 1150, start 01-14
        T(date(2026, 1, 20), "sell", 100, 12.0),
    ], [B])
    d1, d2, d3 = r.dispositions
    assert d1.disallowed_usd == pytest.approx(200.0)
    assert d2.basis_usd == pytest.approx(1100.0)
    assert d2.holding_start == date(2025, 1, 9)
    assert d2.gain_usd == pytest.approx(-400.0) and d2.disallowed_usd == pytest.approx(400.0)
    assert d3.basis_usd == pytest.approx(1150.0)
    assert d3.holding_start == date(2025, 1, 14)
    assert d3.gain_usd == pytest.approx(50.0)
    assert d3.term is Term.LONG  # 2026-01-20 > 2026-01-14; without tacking: short term
    assert d3.acquired == date(2025, 3, 25)


def test_same_day_loss_and_gain_blocks():
    # Pub 550: a washed loss cannot reduce gains on identical blocks sold the same day.
    r = audit([
        T(date(2025, 1, 2), "buy", 100, 10.0, lot_id="A"),
        T(date(2025, 2, 3), "buy", 100, 6.0, lot_id="B"),
        T(date(2025, 3, 3), "sell", 200, 8.0),      # FIFO: A loss 200, B gain 200
        T(date(2025, 3, 5), "buy", 100, 8.0, lot_id="R"),
    ], [B])
    a, b = r.dispositions
    assert (a.lot_id, a.disallowed_usd, a.recognized_usd) == ("A", pytest.approx(200), 0)
    assert (b.lot_id, b.recognized_usd) == ("B", pytest.approx(200.0))
    (y,) = r.year_totals
    assert y.st_gains_usd == pytest.approx(200.0) and y.st_losses_usd == 0.0
    assert lots_by_id(r)["R"].basis_usd == pytest.approx(1000.0)


def test_replacement_share_consumed_once_across_two_loss_sales():
    r = audit([
        T(date(2024, 1, 2), "buy", 100, 10.0, lot_id="A"),
        T(date(2024, 1, 2), "buy", 100, 10.0, lot_id="B", account="c"),
        T(date(2025, 3, 3), "sell", 100, 8.0),
        T(date(2025, 3, 8), "sell", 100, 7.0, account="c"),
        T(date(2025, 3, 13), "buy", 100, 7.5, lot_id="R"),
    ], [B, Account(id="c")])
    d1, d2 = r.dispositions
    assert d1.disallowed_usd == pytest.approx(200.0)  # earliest loss sale gets R
    assert d2.disallowed_usd == 0.0 and d2.recognized_usd == pytest.approx(-300.0)
    assert lots_by_id(r)["R"].basis_usd == pytest.approx(950.0)


def test_drip_purchase_in_window_is_a_replacement():
    r = audit([
        T(date(2025, 1, 2), "buy", 100, 20.0, lot_id="A"),
        T(date(2025, 3, 15), "buy", 2, 15.0, lot_id="DRIP", reinvested=True),
        T(date(2025, 4, 1), "sell", 100, 15.0),
    ], [B])
    (d,) = r.dispositions
    assert d.lot_id == "A"
    assert d.disallowed_usd == pytest.approx(10.0)  # 2 of 100 shares: §1091(b)
    assert d.recognized_usd == pytest.approx(-490.0)
    drip = lots_by_id(r)["DRIP"]
    assert drip.basis_usd == pytest.approx(40.0) and drip.reinvested


def test_same_day_losses_ordered_by_original_acquisition():
    # Reg. §1.1091-1(b): same-day losses in order of original acquisition.
    c = Account(id="c")
    r = audit([
        T(date(2024, 3, 1), "buy", 100, 10.0, account="c"),
        T(date(2024, 6, 1), "buy", 100, 10.0),
        T(date(2025, 3, 3), "sell", 100, 9.0),               # acquired 2024-06-01
        T(date(2025, 3, 3), "sell", 100, 9.0, account="c"),  # acquired 2024-03-01
        T(date(2025, 3, 4), "buy", 100, 9.0, account="c", lot_id="R"),
    ], [B, c])
    by_acct = {d.account: d for d in r.dispositions}
    assert by_acct["c"].disallowed_usd == pytest.approx(100.0)
    assert by_acct["b"].disallowed_usd == 0.0


def test_sale_in_tax_advantaged_account_realizes_nothing():
    ira = Account(id="ira", type=AccountType.TRADITIONAL)
    r = audit([
        T(date(2025, 1, 2), "buy", 100, 10.0, account="ira"),
        T(date(2025, 2, 3), "sell", 100, 5.0, account="ira"),
        T(date(2025, 2, 4), "buy", 100, 5.0),
    ], [B, ira])
    (d,) = r.dispositions
    assert d.tax_advantaged and d.recognized_usd == 0.0 and d.disallowed_usd == 0.0
    assert r.form_8949 == () and r.year_totals == ()


def test_policy_replacement_before_sold_lot():
    trades = [
        T(date(2025, 1, 3), "buy", 100, 10.0, lot_id="A"),
        T(date(2025, 1, 18), "buy", 100, 10.0, lot_id="Bl"),
        T(date(2025, 1, 31), "sell", 100, 8.0, lot_ids=("Bl",)),
    ]
    r = audit(trades, [B])
    assert r.dispositions[0].disallowed_usd == pytest.approx(200.0)  # conservative default
    assert lots_by_id(r)["A"].basis_usd == pytest.approx(1200.0)
    r2 = audit(trades, [B], WashSaleSettings(replacement_before_sold_lot=False))
    assert r2.dispositions[0].disallowed_usd == 0.0


def test_policy_replacement_already_sold():
    c = Account(id="c")
    trades = [
        T(date(2024, 1, 2), "buy", 100, 10.0, lot_id="OLD"),
        T(date(2025, 2, 20), "buy", 50, 10.0, account="c", lot_id="P"),
        T(date(2025, 2, 25), "sell", 50, 10.0, account="c"),
        T(date(2025, 3, 1), "sell", 100, 8.0),
    ]
    r = audit(trades, [B, c])
    p_sale, loss = r.dispositions
    assert loss.disallowed_usd == pytest.approx(100.0)  # 50 of 100 shares
    assert p_sale.basis_added_after_sale_usd == pytest.approx(100.0)
    assert p_sale.recognized_usd == pytest.approx(-100.0)
    total = sum(d.recognized_usd for d in r.dispositions)
    assert total == pytest.approx(-200.0)  # the economic loss, recognized once
    r2 = audit(trades, [B, c], WashSaleSettings(replacement_already_sold=False))
    assert r2.dispositions[1].disallowed_usd == 0.0


def test_policy_lots_sold_together():
    trades = [
        T(date(2025, 1, 2), "buy", 100, 10.0, lot_id="A"),
        T(date(2025, 1, 20), "buy", 100, 10.0, lot_id="Bl"),
        T(date(2025, 2, 3), "sell", 200, 8.0),
    ]
    r = audit(trades, [B])
    assert [d.disallowed_usd for d in r.dispositions] == [0.0, 0.0]
    r2 = audit(trades, [B], WashSaleSettings(lots_sold_together_replace=True))
    assert sum(d.recognized_usd for d in r2.dispositions) == pytest.approx(-400.0)
    assert r2.dispositions[0].disallowed_usd == pytest.approx(200.0)


def test_partial_replacement_lot_is_split():
    r = audit([
        T(date(2024, 1, 2), "buy", 10, 10.0, lot_id="A"),
        T(date(2025, 3, 3), "sell", 10, 8.0),
        T(date(2025, 3, 5), "buy", 25, 8.0, lot_id="R"),
    ], [B])
    lots = lots_by_id(r)
    assert lots["R.1"].quantity == 10 and lots["R.1"].basis_usd == pytest.approx(100.0)
    assert lots["R"].quantity == 15 and lots["R"].basis_usd == pytest.approx(120.0)
    assert lots["R.1"].used_as_replacement and not lots["R"].used_as_replacement


# --------------------------------------------------------------------------- guard


ACCOUNTS = [B, Account(id="ira", type=AccountType.TRADITIONAL),
            Account(id="sp", owner=Owner.SPOUSE)]


def test_guard_do_not_buy_after_recent_loss():
    history = [T(date(2025, 1, 2), "buy", 100, 10.0), T(date(2025, 3, 3), "sell", 100, 8.0)]
    g = wash_sale_guard(history, [], date(2025, 3, 10), accounts=ACCOUNTS)
    assert {(x.account, x.group, x.until) for x in g.do_not_buy} == {
        (a.id, "X", date(2025, 4, 2)) for a in ACCOUNTS}
    assert g.do_not_buy[0].first_safe_date == date(2025, 4, 3)
    assert buy_would_wash(g.state, "X", date(2025, 4, 2))
    assert buy_would_wash(g.state, "X", date(2025, 4, 3)) == ()
    assert buy_would_wash(g.state, "Y", date(2025, 3, 11)) == ()
    import json
    json.dumps(g.to_dict())


def test_guard_proposed_loss_sale_washed_by_ira_purchase():
    history = [T(date(2025, 1, 2), "buy", 100, 10.0, lot_id="A"),
               T(date(2025, 3, 1), "buy", 10, 9.0, account="ira")]
    proposed = [T(date(2025, 3, 10), "sell", 100, 8.0)]
    g = wash_sale_guard(history, proposed, date(2025, 3, 10), accounts=ACCOUNTS)
    (w,) = g.washed_sales
    assert w.trade_index == 0 and w.washed_quantity == 10
    assert w.permanently_disallowed_usd == pytest.approx(20.0)
    assert w.matches[0].account == "ira"
    # the proposed sale leaves 90 unmatched loss shares: no buying until 04-09
    assert {x.until for x in g.do_not_buy} == {date(2025, 4, 9)}
    # the IRA purchase is used up; the A lot is gone: no remaining loss-sale block
    assert g.loss_sale_blocks == ()


def test_guard_loss_sale_block_and_pure_sale_check():
    history = [T(date(2024, 1, 2), "buy", 100, 10.0, lot_id="A"),
               T(date(2025, 3, 1), "buy", 30, 9.0, account="sp", lot_id="S")]
    g = wash_sale_guard(history, [], date(2025, 3, 10), accounts=ACCOUNTS)
    (block,) = g.loss_sale_blocks
    assert block.until == date(2025, 3, 31) and block.available_quantity == 30
    lot_a = next(lot for lot in _open(history) if lot.id == "A")
    check = sale_would_be_washed(g.state, lot_a, 8.0, date(2025, 3, 10))
    assert check.washed and check.washed_quantity == 30
    assert check.disallowed_usd == pytest.approx(60.0)
    assert check.permanently_disallowed_usd == 0.0
    assert not sale_would_be_washed(g.state, lot_a, 8.0, date(2025, 4, 1)).washed
    assert not sale_would_be_washed(g.state, lot_a, 12.0, date(2025, 3, 10)).washed
    lot_s = next(lot for lot in _open(history) if lot.id == "S")
    assert not sale_would_be_washed(g.state, lot_s, 8.0, date(2025, 3, 10)).washed  # 56-602


def test_guard_proposed_buy_washing_history_loss():
    history = [T(date(2025, 1, 2), "buy", 100, 10.0), T(date(2025, 3, 3), "sell", 100, 8.0)]
    proposed = [T(date(2025, 3, 10), "buy", 40, 8.0, account="sp")]
    g = wash_sale_guard(history, proposed, date(2025, 3, 10), accounts=ACCOUNTS)
    (w,) = g.washing_buys
    assert w.trade_index == 0 and w.washed_quantity == 40
    assert w.disallowed_usd == pytest.approx(80.0)
    assert {x.unmatched_quantity for x in g.do_not_buy} == {60}


def test_guard_lot_method_tax_min_needs_rates():
    history = [T(date(2025, 1, 2), "buy", 100, 10.0)]
    proposed = [T(date(2025, 3, 10), "sell", 10, 8.0, method=LotMethod.TAX_MIN)]
    g = wash_sale_guard(history, proposed, date(2025, 3, 10), accounts=ACCOUNTS,
                        st_rate=0.3, lt_rate=0.15)
    assert g.washed_sales == ()


def _open(history):
    from rebal.tax.ledger import Ledger

    led = Ledger(ACCOUNTS)
    led.apply_all(history)
    return led.open_lots()


def test_fractional_partial_wash():
    r = audit([
        T(date(2024, 1, 2), "buy", 10.5, 20.0),
        T(date(2025, 3, 3), "sell", 10.5, 18.0),          # loss 21.00 = 2/share
        T(date(2025, 3, 4), "buy", 3.25, 18.5, reinvested=True),
    ], [B])
    (d,) = r.dispositions
    assert d.disallowed_usd == pytest.approx(6.5)
    assert d.recognized_usd == pytest.approx(-14.5)
    assert r.open_lots[0].basis_usd == pytest.approx(3.25 * 18.5 + 6.5)


def test_guard_accepts_a_ledger_and_leaves_it_unchanged():
    from rebal.tax.ledger import Ledger

    led = Ledger(ACCOUNTS)
    led.apply_all([T(date(2025, 1, 2), "buy", 100, 10.0), T(date(2025, 3, 3), "sell", 50, 8.0)])
    before = led.open_lots()
    g = wash_sale_guard(led, [T(date(2025, 3, 5), "buy", 20, 8.0, account="ira")],
                        date(2025, 3, 5))
    assert g.washing_buys[0].permanently_disallowed_usd == pytest.approx(40.0)
    assert led.open_lots() == before
    state = led.guard_state(date(2025, 3, 5))
    (loss,) = state.open_losses["X"]
    assert loss.unmatched_quantity == 50 and loss.last_washing_date == date(2025, 4, 2)


def test_avoidance_guard_window_by_hand():
    from rebal.tax.washsale import AvoidanceGuard, first_safe_date

    g = AvoidanceGuard()
    assert g.buy_ok("X", date(2025, 1, 1)) and g.loss_sale_ok("X", date(2025, 1, 1))
    g.record_loss_sale("X", date(2025, 1, 1))
    # §1091(a): a buy on sale + 30 days washes; sale + 31 is safe
    assert not g.buy_ok("X", date(2025, 1, 31))
    assert g.buy_ok("X", date(2025, 2, 1))
    assert g.buy_safe_from("X") == first_safe_date(date(2025, 1, 1)) == date(2025, 2, 1)
    assert g.buy_ok("Y", date(2025, 1, 2))  # another group
    g.record_buy("X", date(2025, 3, 1))
    assert not g.loss_sale_ok("X", date(2025, 3, 31))
    assert g.loss_sale_ok("X", date(2025, 4, 1))
    assert g.loss_sale_safe_from("X") == date(2025, 4, 1)
