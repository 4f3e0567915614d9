"""At 80 and 120 columns no number is cut: tables fold or leave out columns and say which
(``--wide`` shows all); plan trades take two lines each (issue 14, "Terminal")."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rebal.cli import console

REPO = Path(__file__).resolve().parents[2]
HH = str(REPO / "examples" / "households" / "article_client.yaml")
STUDY = str(REPO / "examples" / "studies" / "default_core.yaml")
TRADES = str(REPO / "examples" / "tax" / "trades.csv")
TAX_HH = str(REPO / "examples" / "tax" / "household.yaml")

COMMANDS = {
    "backtest": ["backtest", "--cost-bps", "5"],
    "compare": ["compare", STUDY],
    "plan": ["plan", HH],
    "check": ["check", HH],
    "tax estimate": ["tax", "estimate", "--income", "150000", "--lt", "40000"],
    "tax audit": ["tax", "audit", TRADES, "--household", TAX_HH],
    "sweep": ["sweep", str(REPO / "examples" / "studies" / "sweep_bands_default.yaml"),
              "--set", "data.start=2008-01-01", "--set", "sweep.axes.abs.step=0.05",
              "--set", "sweep.bootstrap.samples=20", "--threads", "1"],
    "monitor": ["monitor", HH, str(REPO / "examples" / "households" / "diy_small.yaml")],
    "simulate": ["simulate", str(REPO / "examples" / "households" /
                                 "article_client_sim_default.yaml"),
                 "--start", "2010-01-01", "--end", "2011-12-31", "--every", "quarter",
                 "--strategies", "naive,buy-and-hold", "--bootstrap", "0"],
    "factors": ["factors", "--factors", "us_ff3_monthly", "--prices", "us_monthly",
                "--target", "US_MKT=0.6,CORP_AAA=0.4", "--bands", "HML=0.1"],
}
FIGURE = re.compile(r"-?\$?\d[\d,]*(?:\.\d+)?%?")


@pytest.fixture
def render(cli, monkeypatch):  # type: ignore[no-untyped-def]
    """``render(argv, width)`` → stdout at that terminal width (``None``: --wide)."""
    def run(argv: list[str], width: int | None) -> str:
        monkeypatch.setattr(console.out, "width", width or 160)
        args = ["--wide", *argv] if width is None else argv
        ran = cli(*args)
        assert ran.code in (0, 10), ran.err  # check: 10 = action needed
        # leave out the notes of left-out columns and the sweep's timing (it varies)
        return "\n".join(ln for ln in ran.out.splitlines()
                         if not ln.startswith("not shown at ") and "backtests/s" not in ln)

    return run


def cli_text(cli, argv: list[str], width: int) -> str:  # type: ignore[no-untyped-def]
    """The whole stdout at ``width`` columns, the "not shown" lines included."""
    old = console.out.width
    console.out.width = width
    try:
        return cli(*argv).out
    finally:
        console.out.width = old


def _dropped(text: str) -> set[str]:
    out: set[str] = set()
    for m in re.finditer(r"not shown at \d+ columns: (.*?) \(rebal --wide", text):
        out.update(m.group(1).split(", "))
    return out


@pytest.mark.parametrize("name", list(COMMANDS))
def test_no_number_is_cut(render, name):
    argv = COMMANDS[name]
    wide = render(argv, None)
    whole = set(FIGURE.findall(wide))
    for width in (80, 120):
        text = render(argv, width)
        for line in text.splitlines():
            assert len(line) <= width or not line.startswith(("│", "┃", "┏", "└")), line
        cut = set(FIGURE.findall(text)) - whole
        assert not cut, (width, sorted(cut)[:10])


def _cells(text: str, first: str) -> list[str]:
    """The cells of the table row whose first cell is ``first``."""
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("│")]
        if len(parts) > 2 and parts[1] == first:
            return parts[1:-1]
    raise AssertionError(f"no row {first!r}")


@pytest.mark.parametrize("width", [80, 120])
def test_compare_json_figures_appear_whole(cli, monkeypatch, width):
    data = json.loads(cli("compare", STUDY, "--json").out)
    monkeypatch_width = width
    text = cli_text(cli, ["compare", STUDY], monkeypatch_width)
    dropped = _dropped(text)
    headers = {"annual_return": "Annual return", "volatility": "Volatility",
               "max_drawdown": "Max drawdown", "sharpe": "Sharpe", "turnover": "Turnover/yr",
               "rebalances": "Rebalances", "alpha": "Alpha vs Buy-and-hold"}
    shown = 0
    for row in data["rows"]:
        cells = _cells(text, row["policy"])
        for key, header in headers.items():
            x = row[key]
            want = {"sharpe": f"{x:.2f}", "turnover": f"{100 * x:.1f}%",
                    "rebalances": f"{x:,d}" if isinstance(x, int) else ""}.get(
                key, f"{100 * x:.2f}%")
            if header in dropped:
                continue
            assert want in cells, (row["policy"], key, want, cells)
            shown += 1
    assert shown >= 5 * len(data["rows"])
    assert "Alpha vs Buy-and-hold" not in dropped and "Sharpe" not in dropped
    if width == 80:
        assert dropped  # eight columns do not fit 80: it says which were left out


def test_backtest_json_figures_appear_whole(render, cli):
    data = json.loads(cli("backtest", "--cost-bps", "5", "--json").out)
    for width in (80, 120):
        text = render(["backtest", "--cost-bps", "5"], width)
        assert f"final value ${data['final_value']:,.2f}" in text
        cells = _cells(text, data["policy"])
        assert f"{100 * data['cagr']:.2f}%" in cells
        assert f"{100 * data['max_drawdown']:.2f}%" in cells


@pytest.mark.parametrize("width", [80, 120])
def test_plan_trades_two_lines_each(render, cli, width):
    data = json.loads(cli("plan", HH, "--json").out)
    trades = data["trades"]
    text = render(["plan", HH], width)
    lines = text.splitlines()
    section = lines[lines.index("Trades") + 1: next(i for i, ln in enumerate(lines)
                                                     if ln.startswith("Allocation"))]
    for t in trades:
        value = f"${abs(t['value_usd']):,.0f}"
        rows = [k for k, ln in enumerate(section)
                if t["symbol"] in ln.split() and value in ln.split()]
        assert len(rows) == 1, (t["symbol"], value)
        # the trade on one line: account, symbol, side and value; the reason starts on a
        # line of its own below it (after the lots, when there are lots)
        assert section[rows[0]].split()[:3] == [t["account"], t["symbol"], t["side"]]
        below = section[rows[0] + 1: rows[0] + 4]
        start = " ".join(t["reason"].split()[:4])
        assert any(ln.startswith("      ") and ln.strip().startswith(start) for ln in below), \
            (start, below)
        assert all(len(ln) <= width for ln in section)
    # a trade line, then its reason (and lots) lines: far fewer than 12 lines a trade
    assert len(section) <= 5 * len(trades)


def test_weight_keeps_a_decimal_under_one_percent():
    assert console.weight(0.6) == "60%"
    assert console.weight(0.005) == "0.5%"
    assert console.weight(0.125) == "12.5%"


def test_compiling_note_on_a_cold_cache(monkeypatch, capsys):
    import rebal.services.backtest as svc

    monkeypatch.setattr(svc, "engine_needs_compiling", lambda: True)
    monkeypatch.setattr(console.err, "_force_terminal", True)
    console.first_run_note()
    assert "compiling the backtest engine (first run only)" in capsys.readouterr().err


def test_wide_after_the_command(cli, monkeypatch):
    monkeypatch.setattr(console.out, "width", 80)
    narrow = cli("backtest").out
    wide = cli("backtest", "--wide").out
    assert "not shown at 80 columns: Turnover/yr, Rebalances, Costs/yr" in narrow
    assert "not shown" not in wide
    header = next(ln for ln in wide.splitlines() if "Strategy" in ln)
    for name in ("Turnover/yr", "Rebalances", "Costs/yr", "Alpha vs buy-and-hold"):
        assert name in header
