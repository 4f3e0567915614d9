"""Every bad input is an InputError naming the file, the path inside it (or the
CSV line and field) and what is wrong — never a raw pydantic dump."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from rebal.errors import InputError
from rebal.household import household_from_dict, load_household

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    """A mutation setting ``data[a][b]...`` (ints index lists)."""

    def apply(data: dict[str, Any]) -> None:
        keys = [int(k) if k.isdigit() else k for k in path.split("/")]
        node: Any = data
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    return apply


def _del(path: str) -> Mutation:
    def apply(data: dict[str, Any]) -> None:
        keys = [int(k) if k.isdigit() else k for k in path.split("/")]
        node: Any = data
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]

    return apply


CASES: list[tuple[str, Mutation, tuple[str, ...]]] = [
    ("weights", _set("targets/classes/stocks", 0.4),
     ("targets.classes", "sum to 1", "0.9", "stocks 0.4")),
    ("lot account", _set("lots/1/account", "brokerage"),
     ("lots[1].account", "unknown account 'brokerage'", "tx, ira")),
    ("lot security", _set("lots/0/symbol", "VTI"), ("lots[0].symbol", "unknown security 'VTI'")),
    ("no price", _del("securities/0/price_usd"), ("securities[0].price_usd", "no price", "'A'")),
    ("zero price", _set("securities/0/price_usd", 0), ("securities[0].price_usd", "must be > 0")),
    ("negative quantity", _set("lots/0/quantity", -5),
     ("lots[0].quantity", "must be > 0", "-5")),
    ("zero quantity", _set("lots/2/quantity", 0), ("lots[2].quantity", "must be > 0")),
    ("substitute same group",
     lambda d: d["securities"][1].update(wash_group="A"),
     ("securities[0].substitutes[0]", "same wash-sale group 'A'", "'A2'")),
    ("unknown substitute", _set("securities/0/substitutes", ["ZZZ"]),
     ("securities[0].substitutes[0]", "'ZZZ'", "not a listed security")),
    ("duplicate account", _set("accounts/1/id", "tx"),
     ("accounts[1].id", "duplicate account id 'tx'", "accounts[0]")),
    ("duplicate symbol", _set("securities/1/symbol", "A"), ("securities[1].symbol", "duplicate")),
    ("duplicate lot id", lambda d: [lot.update(id="L1") for lot in d["lots"][:2]],
     ("lots[1].id", "duplicate lot id 'L1'", "lots[0]")),
    ("generated id clash", _set("lots/1/id", "tx:A:1"), ("lots[1].id", "duplicate lot id")),
    ("class without target", _set("securities/2/look_through", {"stocks": 0.6, "reits": 0.4}),
     ("securities[2].look_through", "'reits'", "no target")),
    ("asset class without target", _set("securities/1/asset_class", "gold"),
     ("securities[1].asset_class", "'gold'", "no target")),
    ("look-through sum", _set("securities/2/look_through", {"stocks": 0.5, "bonds": 0.4}),
     ("securities[2].look_through", "sum to 1", "0.9")),
    ("class and look-through", _set("securities/2/asset_class", "stocks"),
     ("securities[2]", "exactly one of asset_class or look_through")),
    ("unknown account type", _set("accounts/0/type", "brokerage"),
     ("accounts[0].type", "'brokerage'", "taxable, traditional, roth, hsa")),
    ("unknown filing status", _set("household/filing_status", "married"),
     ("household.filing_status", "single, mfj, mfs, hoh, qss")),
    ("unknown tier", _set("targets/classes/stocks", {"weight": 0.5, "tier": "gold"}),
     ("targets.classes.stocks.tier", "core, satellite, tactical")),
    ("unknown location type", _set("targets/location", {"bonds": ["401k"]}),
     ("targets.location.bonds[0]", "'401k'")),
    ("location class", _set("targets/location", {"gold": ["roth"]}),
     ("targets.location.gold", "no target")),
    ("lot date after as_of", _set("lots/0/acquired", "2025-07-01"),
     ("lots[0].acquired", "2025-07-01", "after as_of 2025-06-30")),
    ("bad date", _set("lots/0/acquired", "06/30/2024"),
     ("lots[0].acquired", "YYYY-MM-DD", "06/30/2024")),
    ("holding start after acquired", _set("lots/0/holding_start", "2024-07-01"),
     ("lots[0].holding_start", "after the acquisition date")),
    ("taxable lot without basis", _del("lots/0/cost_basis_usd"),
     ("lots[0].cost_basis_usd", "cost basis")),
    ("taxable lot without date", _del("lots/0/acquired"), ("lots[0].acquired", "acquisition date")),
    ("typo key", lambda d: d["accounts"][0].update(cash=5),
     ("accounts[0]", "unknown key 'cash'", "did you mean 'cash_usd'")),
    ("typo top key", lambda d: d.update(target={}), ("unknown key 'target'", "'targets'")),
    ("negative cash", _set("accounts/0/cash_usd", -1), ("accounts[0].cash_usd", "must be ≥ 0")),
    ("percent state rate", _set("household/state_rate", 5),
     ("household.state_rate", "fraction", "got 5")),
    ("negative carryforward", _set("household/loss_carryforward_usd", {"short_term": -100}),
     ("household.loss_carryforward_usd.short_term", "must be ≥ 0")),
    ("missing as_of", _del("as_of"), ("as_of", "required")),
    ("missing accounts", _del("accounts"), ("accounts", "required")),
    ("unsupported year", _set("household/tax_year", 2023),
     ("household.tax_year", "2024, 2025, 2026")),
    ("year mismatch", _set("household/tax_year", 2026), ("household.tax_year", "differs")),
    ("trade account", _set("recent_trades", [
        {"date": "2025-06-20", "account": "x", "symbol": "A", "side": "buy", "quantity": 1,
         "price_usd": 99}]), ("recent_trades[0].account", "unknown account 'x'")),
    ("trade date", _set("recent_trades", [
        {"date": "2025-07-20", "account": "tx", "symbol": "A", "side": "buy", "quantity": 1,
         "price_usd": 99}]), ("recent_trades[0].date", "after as_of")),
    ("trade side", _set("recent_trades", [
        {"date": "2025-06-20", "account": "tx", "symbol": "A", "side": "short", "quantity": 1,
         "price_usd": 99}]), ("recent_trades[0].side", "buy, sell")),
    ("step-up name", _set("household/hold_for_step_up", ["tx:A:9"]),
     ("household.hold_for_step_up[0]", "'tx:A:9'", "neither a lot id nor")),
    ("not a number", _set("accounts/0/cash_usd", "lots"), ("accounts[0].cash_usd", "a number")),
    ("nan", _set("accounts/0/cash_usd", float("nan")), ("accounts[0].cash_usd", "finite")),
    ("no accounts", _set("accounts", []), ("accounts", "at least one account")),
    ("investment income", _set("household/investment_income_usd", 1.0),
     ("household.investment_income_usd", "cannot be larger")),
]


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_names_file_and_path(tiny, write, mutate, expected):
    mutate(tiny)
    path = write(tiny)
    with pytest.raises(InputError) as info:
        load_household(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"
    for noise in ("validation error", "pydantic", "errors.pydantic.dev", "Value error"):
        assert noise not in message
    assert "\n" not in message


def test_several_problems_are_counted(tiny, write):
    tiny["accounts"][0]["cash_usd"] = -1
    tiny["accounts"][1]["cash_usd"] = -2
    with pytest.raises(InputError, match=r"accounts\[0\]\.cash_usd: .*and 1 more problem\)"):
        load_household(write(tiny))


def test_in_memory_error_has_path_without_file(tiny):
    tiny["accounts"][1]["cash_usd"] = -3
    with pytest.raises(InputError) as info:
        household_from_dict(tiny)
    assert str(info.value).startswith("accounts[1].cash_usd: must be ≥ 0")
    assert info.value.row == "accounts[1].cash_usd" and info.value.file is None


def test_target_class_without_security_is_a_warning(tiny):
    tiny["targets"]["classes"] = {"stocks": 0.5, "bonds": 0.4, "gold": 0.1}
    h = household_from_dict(tiny)
    assert len(h.warnings) == 1 and "'gold'" in h.warnings[0] and "no security" in h.warnings[0]


def test_yaml_syntax_error_names_line(write):
    path = write("as_of: 2025-06-30\naccounts: [\n  {id: x\n")
    with pytest.raises(InputError) as info:
        load_household(path)
    assert str(info.value).startswith(f"{path}, line ")
    assert "invalid YAML" in str(info.value)


def test_json_syntax_error_names_line(tmp_path):
    path = tmp_path / "h.json"
    path.write_text('{\n "as_of": "2025-06-30",\n "accounts": [,]\n}')
    with pytest.raises(InputError, match=r"h\.json, line 3: invalid JSON"):
        load_household(path)


def test_not_a_mapping(write):
    with pytest.raises(InputError, match="must be a mapping"):
        load_household(write("- just\n- a list\n"))


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="cannot read household file"):
        load_household(tmp_path / "nope.yaml")


# -- lots CSV -------------------------------------------------------------------

HEADER = "id,account,symbol,quantity,cost_basis_usd,acquired,holding_start\n"


@pytest.mark.parametrize(
    ("rows", "line", "field", "words"),
    [
        (",tx,A,0,800,2024-01-02,\n", 3, "quantity", "must be > 0"),
        (",tx,A,-2,800,2024-01-02,\n", 3, "quantity", "must be > 0"),
        (",tx,A,abc,800,2024-01-02,\n", 3, "quantity", "must be a number"),
        (",tx,A,2,800,06/01/2024,\n", 3, "acquired", "YYYY-MM-DD"),
        (",tx,A,2,-1,2024-01-02,\n", 3, "cost_basis_usd", "must be ≥ 0"),
        (",tx,A,2,800,2025-08-01,\n", 3, "acquired", "after as_of"),
        (",nope,A,2,800,2024-01-02,\n", 3, "account", "unknown account 'nope'"),
        (",tx,ZZ,2,800,2024-01-02,\n", 3, "symbol", "unknown security 'ZZ'"),
        (",tx,A,2,,2024-01-02,\n", 3, "cost_basis_usd", "cost basis"),
        ("\n# a comment\n,tx,A,2,800,2024-01-02,\n,tx,A,1,800,2024-01-02,x\n", 6, "holding_start",
         "YYYY-MM-DD"),
        ("L1,tx,A,2,800,2024-01-02,\nL1,tx,A,2,800,2024-01-02,\n", 4, "id", "duplicate lot id"),
    ],
)
def test_csv_errors_name_file_line_and_field(tiny, write, tmp_path, rows, line, field, words):
    (tmp_path / "lots.csv").write_text("# lots\n" + HEADER + rows, encoding="utf-8")
    tiny["lots_csv"] = "lots.csv"
    with pytest.raises(InputError) as info:
        load_household(write(tiny))
    err = info.value
    assert err.file == str(tmp_path / "lots.csv")
    assert (err.row, err.field) == (line, field)
    message = str(err)
    assert f"lots.csv, line {line}, field '{field}': " in message
    assert words in message, message


def test_csv_header_errors(tiny, write, tmp_path):
    tiny["lots_csv"] = "lots.csv"
    csv_path = tmp_path / "lots.csv"
    csv_path.write_text("account,symbol,qty\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"lots\.csv, line 1, field 'qty': unknown column 'qty'"):
        load_household(write(tiny))
    csv_path.write_text("account,symbol\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"lots\.csv, line 1: missing column quantity"):
        load_household(write(tiny))
    csv_path.write_text("account,symbol,quantity\ntx,A\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 2: expected 3 cells, found 2"):
        load_household(write(tiny))
    csv_path.unlink()
    with pytest.raises(InputError, match=r"lots\.csv: cannot read lots CSV"):
        load_household(write(tiny))
