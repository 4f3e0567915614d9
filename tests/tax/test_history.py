"""Trade-history CSV and household tax-settings loading: values and errors (file, line,
field)."""

from datetime import date

import pytest

from rebal.errors import InputError
from rebal.tax.history import load_tax_household, load_trades
from rebal.tax.ledger import audit
from rebal.tax.lots import Account
from rebal.types import AccountType, LotMethod, Owner, Side

HEADER = "date,account,account_type,symbol,side,quantity,price,amount,lot_id,fees\n"


def write(tmp_path, body, header=HEADER, name="t.csv"):
    path = tmp_path / name
    path.write_text(header + body, encoding="utf-8")
    return path


def test_parse_all_columns(tmp_path):
    path = write(tmp_path, (
        "2025-01-02,b,taxable,X,buy,10,12.5,,A,1.00\n"
        "2025-01-03,ira,roth,X,reinvest,0.25,,3.00,,\n"
        "01/10/2025,b,taxable,X,sell,4,$13.00,52,A,0.5\n"
    ))
    h = load_trades(path)
    b, drip, sell = h.trades
    assert (b.date, b.side, b.quantity, b.price_usd, b.fees, b.lot_id) == (
        date(2025, 1, 2), Side.BUY, 10.0, 12.5, 1.0, "A")
    assert drip.reinvested and drip.side is Side.BUY and drip.price_usd == pytest.approx(12.0)
    assert sell.lot_ids == ("A",) and sell.date == date(2025, 1, 10) and sell.lot_id is None
    assert sell.source_file == str(path) and sell.source_line == 4
    assert {a.id: a.type for a in h.accounts} == {"b": AccountType.TAXABLE,
                                                  "ira": AccountType.ROTH}
    r = audit(h.trades, h.accounts)
    # basis 125 + 1 fee = 126 for 10 sh → 50.4 for 4; proceeds 52 - 0.5
    assert r.dispositions[0].basis_usd == pytest.approx(50.4)
    assert r.dispositions[0].proceeds_usd == pytest.approx(51.5)


@pytest.mark.parametrize(
    ("body", "line", "field", "text"),
    [
        ("2025-13-01,b,taxable,X,buy,1,10,,,\n", 2, "date", "cannot parse date"),
        ("2025-01-02,b,taxable,X,buy,1,10,,,\n2025-01-01,b,taxable,X,buy,1,10,,,\n", 3,
         "date", "before the previous"),
        ("2025-01-02,b,taxable,X,buy,-3,10,,,\n", 2, "quantity", "must be > 0"),
        ("2025-01-02,b,taxable,X,buy,0,10,,,\n", 2, "quantity", "must be > 0"),
        ("2025-01-02,b,taxable,X,short,1,10,,,\n", 2, "side", "unknown side"),
        ("2025-01-02,b,taxable,X,buy,1,,,,\n", 2, "price", "missing price"),
        ("2025-01-02,b,taxable,X,buy,1,abc,,,\n", 2, "price", "not a number"),
        ("2025-01-02,b,taxable,X,buy,2,10,25,,\n", 2, "amount", "disagrees"),
        ("2025-01-02,b,taxable,X,buy,1,10,,,-1\n", 2, "fees", ">= 0"),
        ("2025-01-02,b,,X,buy,1,10,,,\n", 2, "account_type", "empty"),
        ("2025-01-02,b,taxable,X,buy,1,10,,,\n2025-01-03,b,roth,X,buy,1,10,,,\n", 3,
         "account_type", "earlier line"),
        ("2025-01-02,b,taxable,X,buy,5,10,,,\n2025-01-03,b,taxable,X,sell,6,10,,,\n", 3,
         "quantity", "only 5 are held"),
        ("2025-01-02,b,taxable,X,buy,5,10,,A,\n2025-01-03,b,taxable,X,sell,5,10,,A,\n"
         "2025-01-04,b,taxable,X,sell,1,10,,A,\n", 4, "lot_id", "already sold"),
        ("2025-01-02,b,taxable,X,buy,5,10,,A,\n2025-01-02,b,taxable,X,buy,5,10,,B,\n"
         "2025-01-03,b,taxable,X,sell,6,10,,A,\n", 4, "lot_id", "hold only 5"),
    ],
)
def test_row_errors_name_file_line_field(tmp_path, body, line, field, text):
    path = write(tmp_path, body)
    with pytest.raises(InputError, match=text) as err:
        load_trades(path)
    assert err.value.file == str(path)
    assert err.value.row == line
    assert err.value.field == field


def test_declared_accounts(tmp_path):
    accounts = [Account(id="b"), Account(id="ira", type=AccountType.TRADITIONAL)]
    path = write(tmp_path, "2025-01-02,b,,X,buy,1,10,,,\n2025-01-03,zz,,X,buy,1,10,,,\n")
    with pytest.raises(InputError, match="unknown account 'zz'") as err:
        load_trades(path, accounts=accounts)
    assert (err.value.row, err.value.field) == (3, "account")
    path = write(tmp_path, "2025-01-02,ira,taxable,X,buy,1,10,,,\n")
    with pytest.raises(InputError, match="declared traditional") as err:
        load_trades(path, accounts=accounts)
    assert err.value.field == "account_type"


def test_header_errors(tmp_path):
    with pytest.raises(InputError, match="missing column 'side'") as err:
        load_trades(write(tmp_path, "", header="date,account,account_type,symbol,quantity,"
                                                "price\n"))
    assert err.value.row == 1
    with pytest.raises(InputError, match="unknown column 'colour'"):
        load_trades(write(tmp_path, "", header=HEADER.strip() + ",colour\n"))
    with pytest.raises(InputError, match="account_type"):
        load_trades(write(tmp_path, "", header="date,account,symbol,side,quantity,price\n"))
    with pytest.raises(InputError, match="cannot read"):
        load_trades(tmp_path / "missing.csv")


def test_household_file(tmp_path):
    path = tmp_path / "h.yaml"
    path.write_text(
        "filing_status: mfj\n"
        "accounts:\n"
        "  - {id: b, type: taxable, lot_method: hifo, average_cost: [VFIAX]}\n"
        "  - {id: r, type: roth, owner: spouse}\n"
        "wash_sale:\n"
        "  groups: {sp500: [VOO, IVV]}\n"
        "  replacement_already_sold: false\n"
        "lot_selection_rates: {short_term: 0.35, long_term: 0.15}\n"
    )
    hh = load_tax_household(path)
    b, r = hh.accounts
    assert b.lot_method is LotMethod.HIFO and b.average_cost_symbols == {"VFIAX"}
    assert r.type is AccountType.ROTH and r.owner is Owner.SPOUSE
    assert hh.settings.group_of("IVV") == "sp500" and hh.settings.group_of("BND") == "BND"
    assert hh.settings.replacement_already_sold is False
    assert hh.settings.replacement_before_sold_lot is True
    assert (hh.st_rate, hh.lt_rate) == (0.35, 0.15)


@pytest.mark.parametrize(
    ("text", "row", "message"),
    [
        ("accounts: []\n", "accounts", "non-empty"),
        ("accounts:\n  - {id: b, type: brokerage}\n", "accounts[0]", "unknown value"),
        ("accounts:\n  - {id: b}\n  - {id: b}\n", "accounts[1].id", "duplicate"),
        ("accounts:\n  - {id: b, colour: red}\n", "accounts[0].colour", "unknown key"),
        ("accounts:\n  - {id: b}\nwash_sale: {groups: {a: [X], c: [X]}}\n",
         "wash_sale.groups", "both"),
        ("accounts:\n  - {id: b}\nwash_sale: {replacement_already_sold: maybe}\n",
         "wash_sale.replacement_already_sold", "true or false"),
        ("accounts:\n  - {id: b}\nlot_selection_rates: {short_term: 35, long_term: 0.15}\n",
         "lot_selection_rates.short_term", "fraction"),
        ("accounts: [\n", None, "invalid YAML"),
    ],
)
def test_household_errors(tmp_path, text, row, message):
    path = tmp_path / "h.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as err:
        load_tax_household(path)
    assert err.value.file == str(path)
    if row is not None:
        assert err.value.row == row


def test_example_trades_file_loads():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "examples" / "tax"
    hh = load_tax_household(root / "household.yaml")
    h = load_trades(root / "trades.csv", accounts=hh.accounts)
    assert len(h.trades) == 16
