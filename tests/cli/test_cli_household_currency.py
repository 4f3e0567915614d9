"""`rebal check` / `rebal plan` with currencies (issue 21): values in the base currency,
the currency exposure, FX conversions, and one-line errors for --base and --fx.

Hand figures: SAP 40 × €250 = €10,000 (= $11,720 at 1.1720 USD per euro on 2025-06-30);
NESN 120 × CHF 80 = CHF 9,600 = €10,271 at 0.9347 CHF per euro."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import yaml

Runner = Callable[..., tuple[int, str, str]]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "households" / "international.yaml"


def test_check_in_euros_with_exposure(cli: Runner) -> None:
    code, out, err = cli("check", str(EXAMPLE), "--json")
    assert code == 10, err
    data = json.loads(out)
    assert data["base_currency"] == "EUR" and data["usd_per_base"] == 1.172
    cur = {c["currency"]: c for c in data["currencies"]}
    assert abs(cur["EUR"]["value_base"] - 10_000) < 1e-6
    assert abs(cur["EUR"]["value_usd"] - 11_720) < 1e-6
    assert abs(cur["CHF"]["value_base"] - 9_600 / 0.9347) < 1e-6
    held = 150 * 300 + 300 * 73 + 11_720 + 9_600 * 1.172 / 0.9347
    assert abs(cur["USD"]["weight"] - (150 * 300 + 300 * 73) / held) < 1e-12
    regions = {r["region"]: r["weight"] for r in data["regions"]}
    assert set(regions) == {"us", "developed"} and abs(sum(regions.values()) - 1) < 1e-12
    code, out, err = cli("check", str(EXAMPLE))
    assert "Currency exposure" in out and "10,000 EUR" in out
    assert "38,396 EUR" in out  # us_stocks: 150 × $300 = $45,000 ÷ 1.172
    assert "base currency is a view: tax is computed in US dollars" in out
    code, out, err = cli("check", str(EXAMPLE), "--base", "USD")
    assert "base currency is a view" not in out and "Currency exposure" in out


def test_plan_shows_netted_conversions(cli: Runner, tmp_path: Path) -> None:
    data = {
        "as_of": "2025-06-30",
        "household": {"name": "swap", "filing_status": "single",
                      "fx_rates_usd": {"EUR": 1.25}, "fx_cost_bps": 50},
        "accounts": [{"id": "ira", "type": "traditional"}],
        "securities": [
            {"symbol": "EA", "currency": "EUR", "price": 100.0, "asset_class": "a"},
            {"symbol": "EB", "currency": "EUR", "price": 40.0, "asset_class": "b"}],
        "targets": {"classes": {"a": 0.5, "b": 0.5}},
        "lots": [{"account": "ira", "symbol": "EA", "quantity": 100}],
    }
    path = tmp_path / "swap.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    code, out, err = cli("plan", str(path), "--json")
    assert code == 0, err
    plan = json.loads(out)
    (conv,) = plan["conversions"]
    bought = sum(t["value_usd"] for t in plan["trades"] if t["side"] == "buy")
    sold = sum(t["value_usd"] for t in plan["trades"] if t["side"] == "sell")
    assert abs(conv["net_usd"] - (bought - sold)) < 1e-9
    assert abs(conv["cost_usd"] - 0.005 * abs(bought - sold)) < 1e-9
    report = tmp_path / "plan.html"
    code, out, err = cli("plan", str(path), "--report", str(report))
    assert "FX conversions (netted)" in out and "Saved by netting" in out
    html = report.read_text(encoding="utf-8")
    assert "FX conversions" in html and "Currency exposure" in html


def test_bad_base_and_fx_are_one_line_errors(cli: Runner, tmp_path: Path) -> None:
    code, _out, err = cli("check", str(EXAMPLE), "--base", "XYZ")
    assert code == 2 and "--base" in err and "no FX rates for 'XYZ'" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    missing = tmp_path / "none.csv"
    code, _out, err = cli("plan", str(EXAMPLE), "--fx", str(missing))
    assert code == 2 and "--fx" in err and "none.csv" in err
    assert len(err.strip().splitlines()) == 1


def test_check_states_the_foreign_tax_and_its_credit(cli: Runner) -> None:
    code, out, err = cli("check", str(EXAMPLE), "--json")
    assert code == 10, err
    ft = {f["symbol"]: f for f in json.loads(out)["foreign_tax"]}
    # SAP (taxable): $11,720 × 1.2 % × 15 % (treaty DE) = $21.096, creditable
    assert abs(ft["SAP"]["tax_usd"] - 11_720 * 0.012 * 0.15) < 1e-9
    assert ft["SAP"]["creditable"] and ft["SAP"]["basis"] == "treaty DE"
    # NESN (IRA): CHF 9,600 at 1.1720/0.9347 USD per CHF × 3.5 % × 15 % = $63.195, lost
    assert abs(ft["NESN"]["tax_usd"] - 9_600 * 1.1720 / 0.9347 * 0.035 * 0.15) < 1e-9
    assert not ft["NESN"]["creditable"]
    _code, out, _err = cli("check", str(EXAMPLE))
    assert ("foreign tax a year: $21.10 creditable in taxable accounts; $63.20 lost in "
            "tax-advantaged accounts") in out


def test_python_api_takes_base_and_fx(tmp_path: Path) -> None:
    import rebal

    h = rebal.load_household(EXAMPLE, base="GBP")
    assert h.base_currency == "GBP"
    assert abs(h.in_base(1_172.0) - 1_000 * 0.8555) < 1e-9  # 0.8555 GBP per euro
    rates = tmp_path / "rates.csv"
    rates.write_text("Date,USD,CHF\n2025-06-30,1.25,1.0\n", encoding="utf-8")
    h2 = rebal.load_household(EXAMPLE, fx=rates)
    assert abs(h2.security("NESN").price_usd - 80 * 1.25) < 1e-9
