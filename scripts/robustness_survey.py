"""Run rebal on a corpus of malformed inputs and classify how each one ends.

    python scripts/robustness_survey.py [--timeout 20] [--only PREFIX] [--show CLASS]

Each case is a command line (and the files it reads, written to a temporary folder).
It runs in a forked child of this process (rebal and its compiled kernels are loaded
once, here), its stdout/stderr captured, its address space capped (3 GB) and its time
capped (``--timeout`` seconds). The outcome is one of

``error``      exit status != 0, one clean error (no traceback), message <= 400 chars
``long``       a clean error whose text is longer (echoes the input back)
``note``       exit 0 and a ``note:``/``warning:`` line says what was done to the input
``accepted``   exit 0, nothing said
``traceback``  a Python traceback (or a crash by signal)
``hang``       killed at the time limit, or out of memory

Each case also says what it should end as (``error`` for bad input, ``note`` where the
input is usable but something was done to it, ``accepted`` for valid input). The table
printed at the end counts outcomes per class and the cases whose outcome differs from
what was expected. The counts of the main branch and of this branch are in the notes
of issue 14.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import os
import re
import resource
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HOUSEHOLD = (REPO / "examples" / "households" / "diy_small.yaml").read_text(encoding="utf-8")
STUDY = (REPO / "examples" / "studies" / "default_core.yaml").read_text(encoding="utf-8")
TAX_HH = (REPO / "examples" / "tax" / "household.yaml").read_text(encoding="utf-8")
TRADES = (REPO / "examples" / "tax" / "trades.csv").read_text(encoding="utf-8")


@dataclass
class Case:
    name: str
    argv: list[str]
    expect: str = "error"
    files: dict[str, str | bytes] = field(default_factory=dict)


def _prices(n: int = 300, *, start: str = "2020-01-01", gap: int = 0, sep: str = ",",
            returns: bool = False, comma_decimal: bool = False) -> str:
    """A synthetic two-asset daily price file (business days)."""
    import numpy as np
    import pandas as pd

    days = pd.bdate_range(start, periods=n + gap)
    if gap:
        days = days[:n // 2].append(days[n // 2 + gap:])
    rng = np.random.default_rng(1)
    r = rng.normal(0.0003, 0.01, size=(len(days), 2))
    p = 100 * np.cumprod(1 + r, axis=0)
    lines = [sep.join(["date", "A", "B"])]
    for d, row in zip(days, r if returns else p, strict=True):
        vals = [f"{x:.6f}" for x in row]
        if comma_decimal:
            vals = [v.replace(".", ",") for v in vals]
            lines.append(";".join([str(d.date()), *vals]))
        else:
            lines.append(sep.join([str(d.date()), *vals]))
    return "\n".join(lines) + "\n"


def _bomb(levels: int = 9, width: int = 9) -> str:
    out = ["a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]"]
    for i in range(1, levels):
        out.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(out) + "\n"


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def corpus() -> list[Case]:
    cases: list[Case] = []
    add = cases.append
    bt = ["backtest", "--prices", "default"]

    # --- backtest flags ----------------------------------------------------------------
    for v in ["2020/01/01", "2010-02-30", "01-02-2010", "yesterday", "2010-13-01", "", "2010",
              "2010-1-1x", "9999-01-01", "1900-01-01", "2010-02-30T00:00", "NaT"]:
        add(Case(f"bt-start[{v}]", [*bt, "--start", v],
                 "note" if v in ("1900-01-01",) else "error"))
    for v in ["2020/12/31", "2011-02-29", "1800-01-01", "abc"]:
        add(Case(f"bt-end[{v}]", [*bt, "--end", v]))
    add(Case("bt-end-before-start", [*bt, "--start", "2015-01-01", "--end", "2010-01-01"]))
    for flag, v in [("--initial", "-1"), ("--initial", "0"), ("--initial", "nan"),
                    ("--initial", "inf"), ("--cost-bps", "-5"), ("--cost-bps", "nan"),
                    ("--cost-bps", "20000"), ("--fixed-cost", "-1"), ("--min-trade", "-10"),
                    ("--contribution", "nan"), ("--contribution", "inf"),
                    ("--flow-frequency", "daily-ish"), ("--initial", "1e400"),
                    ("--fixed-cost", "nan"), ("--min-trade", "inf")]:
        add(Case(f"bt{flag}[{v}]", [*bt, flag, v]))
    add(Case("bt-flow-frequency-without-contribution", [*bt, "--flow-frequency", "weekly"]))
    for v in ["US_MKT=0.6", "US_MKT=0.6,UST_INT=0.6", "US_MKT=0.6,US_MKT=0.4", "XYZ=1",
              "US_MKT=60,UST_INT=40", "US_MKT=abc,UST_INT=0.4", "US_MKT=-0.2,UST_INT=1.2",
              "=1", "US_MKT", ",,,", "US_MKT=nan,UST_INT=0.4", "US_MKT=0.6;UST_INT=0.4",
              "US_MKT=60%,UST_INT=40%"]:
        add(Case(f"bt-target[{v}]", [*bt, "--target", v],
                 "accepted" if v == "US_MKT=60%,UST_INT=40%" else "error"))
    for v in ["band", "band:abs=-0.05", "band:abs=abc", "band:abs=0.05,foo=1", "unknown",
              "band:abs=0.05,check=hourly", "vol-band:window=0", "score:threshold=-1",
              "band:rel=0", "band:abs=2", "", "monthly:x=1", "band:abs=0.05,to=nowhere",
              "calendar:every=0", "band:abs=nan"]:
        add(Case(f"bt-policy[{v}]", [*bt, "--policy", v]))
    for v in ["nonexistent.csv", "/", "nonexistent_dataset"]:
        add(Case(f"bt-prices-path[{v}]", ["backtest", "--prices", v]))

    # --- price files -------------------------------------------------------------------
    tgt = ["--target", "A=0.5,B=0.5"]

    def pf(name: str, content: str | bytes, expect: str = "error", fname: str = "p.csv",
           extra: list[str] | None = None) -> None:
        add(Case(f"prices-{name}", ["backtest", "--prices", "{d}/" + fname, *tgt,
                                    *(extra or [])], expect, {fname: content}))

    good = _prices()
    pf("empty", "")
    pf("header-only", "date,A,B\n")
    pf("one-row", "date,A,B\n2020-01-02,100,100\n")
    pf("two-rows", "date,A,B\n2020-01-02,100,100\n2020-01-03,101,99\n", "note")
    pf("five-rows", "date,A,B\n" + "".join(f"2020-01-0{i},{100 + i},{100 - i}\n"
                                           for i in range(2, 7)), "note")
    pf("returns-as-prices", _prices(returns=True))
    pf("gap-150-days", _prices(gap=150), "note")
    pf("decimal-comma", _prices(comma_decimal=True))
    pf("decimal-comma-quoted", 'date,A,B\n2020-01-02,"10,5","10,5"\n2020-01-03,"10,6","10,4"\n'
       '2020-01-06,"10,7","10,3"\n')
    pf("semicolon-sep", _prices(sep=";"))
    pf("tab-sep", _prices(sep="\t"))
    pf("negative-price", _replace(good, "\n2020-01-03,", "\n2020-01-03,-"))
    pf("zero-price", re.sub(r"\n2020-01-03,[0-9.]+", "\n2020-01-03,0", good))
    pf("text-price", re.sub(r"\n2020-01-03,[0-9.]+", "\n2020-01-03,abc", good))
    pf("nan-price", re.sub(r"\n2020-01-03,[0-9.]+", "\n2020-01-03,nan", good))
    pf("inf-price", re.sub(r"\n2020-01-03,[0-9.]+", "\n2020-01-03,inf", good))
    pf("missing-price", re.sub(r"\n2020-01-03,[0-9.]+", "\n2020-01-03,", good))
    pf("duplicate-date", _replace(good, "2020-01-03,", "2020-01-02,"))
    lines = good.splitlines()
    pf("unsorted", "\n".join([lines[0], *reversed(lines[1:])]) + "\n")
    pf("bad-date", _replace(good, "2020-01-03", "2020-02-30"))
    pf("slash-date", good.replace("-", "/"))
    pf("text-date", _replace(good, "2020-01-03", "tomorrow"))
    pf("no-date-column", "A,B\n100,100\n101,99\n102,98\n")
    pf("date-col-named-Day", good.replace("date,A,B", "Day,A,B", 1), "accepted")
    pf("only-date-column", "date\n2020-01-02\n2020-01-03\n")
    pf("missing-asset", good.replace("date,A,B", "date,A,C", 1))
    pf("duplicate-column", good.replace("date,A,B", "date,A,A", 1))
    pf("ragged-row", _replace(good, "\n2020-01-03,", "\n2020-01-03,1,2,3,"))
    pf("binary-junk", bytes(range(256)) * 4)
    pf("corrupt-gz", gzip.compress(good.encode())[:200] + b"\x00garbage", fname="p.csv.gz")
    pf("not-gz", good, fname="p.csv.gz")
    pf("empty-gz", gzip.compress(b""), fname="p.csv.gz")
    pf("good-gz", gzip.compress(good.encode()), "accepted", fname="p.csv.gz")
    pf("huge-number", re.sub(r"\n2020-01-03,[0-9.]+", "\n2020-01-03,1e308", good))
    pf("bom", "\ufeff" + good, "accepted")
    pf("thousands-sep", 'date,A,B\n2020-01-02,"1,000.5","2,000"\n2020-01-03,"1,001.5","2,001"\n'
       '2020-01-06,"1,002.5","2,002"\n')
    pf("xlsx-named", good, "accepted", fname="p.txt")
    pf("parquet-junk", b"PAR1junkjunk", fname="p.parquet")
    pf("start-before-data", good, "note", extra=["--start", "2010-01-01"])
    pf("end-after-data", good, "note", extra=["--end", "2030-01-01"])
    pf("window-outside", good, extra=["--start", "2030-01-01"])
    pf("monthly-gap-10y", "date,A,B\n2000-01-31,100,100\n2000-02-29,101,99\n"
       "2010-03-31,150,120\n2010-04-30,151,121\n", "note")
    pf("kind-returns-ok", _prices(returns=True), "note", extra=["--kind", "returns"])
    pf("kind-bogus", good, extra=["--kind", "levels"])
    pf("sep-semicolon-ok", _prices(sep=";"), "accepted", extra=["--sep", ";"])
    pf("date-column-ok", good.replace("date,A,B", "when,A,B", 1), "accepted",
       extra=["--date-column", "when"])
    pf("date-column-missing", good, extra=["--date-column", "when"])

    # --- study files (compare) ---------------------------------------------------------
    def st(name: str, content: str, expect: str = "error", extra: list[str] | None = None) -> None:
        add(Case(f"study-{name}", ["compare", "{d}/s.yaml", "--quiet", *(extra or [])], expect,
                 {"s.yaml": content}))

    st("empty", "")
    st("not-mapping", "- a\n- b\n")
    st("scalar", "hello\n")
    st("invalid-yaml", "title: [unclosed\n")
    st("tabs", "title:\tx\n\tdata: 1\n")
    st("alias-bomb-title", _bomb() + "title: *a8\n" + STUDY.split("\n", 2)[2])
    st("alias-bomb-target", _replace(STUDY, "target: {US_MKT: 0.6, UST_INT: 0.4}",
                                     "target: *a8") + _bomb())
    st("alias-small-ok", _replace(STUDY, "costs: {bps: 5}", "costs: &c {bps: 5}"), "accepted")
    st("deep-list", "title: " + "[" * 5000 + "]" * 5000 + "\n")
    st("deep-map", "title: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n")
    st("deep-block", "".join("  " * i + f"k{i}:\n" for i in range(2000)) + "  " * 2000 + "v\n")
    st("duplicate-target", STUDY + "target: {US_MKT: 0.5, UST_INT: 0.5}\n")
    st("duplicate-policy", _replace(STUDY, "  Monthly: monthly", "  Monthly: monthly\n"
                                    "  Monthly: annual"))
    st("long-title", _replace(STUDY, 'title: "Core', 'title: "' + "x" * 100_000), "accepted")
    st("long-bad-value", _replace(STUDY, "initial_usd: 1000000", "initial_usd: " + "9x" * 50_000))
    st("missing-data", re.sub(r"data:\n(  .*\n)+", "", STUDY))
    st("missing-target", _replace(STUDY, "target: {US_MKT: 0.6, UST_INT: 0.4}\n", ""))
    st("missing-policies", STUDY.split("policies:")[0])
    st("target-sum", _replace(STUDY, "UST_INT: 0.4}", "UST_INT: 0.5}"))
    st("target-unknown", _replace(STUDY, "UST_INT: 0.4}", "XYZ: 0.4}"))
    st("target-string", _replace(STUDY, "UST_INT: 0.4}", "UST_INT: forty}"))
    st("initial-negative", _replace(STUDY, "initial_usd: 1000000", "initial_usd: -5"))
    st("initial-string", _replace(STUDY, "initial_usd: 1000000", "initial_usd: lots"))
    st("costs-negative", _replace(STUDY, "costs: {bps: 5}", "costs: {bps: -5}"))
    st("costs-unknown-key", _replace(STUDY, "costs: {bps: 5}", "costs: {bsp: 5}"))
    st("policy-bad", _replace(STUDY, "Annual: annual", "Annual: annuall"))
    st("policy-number", _replace(STUDY, "Annual: annual", "Annual: 5"))
    st("column-unknown", _replace(STUDY, "sharpe,", "sharp,"))
    st("prices-missing-file", _replace(STUDY, "prices: us_daily", "prices: nope.csv"))
    st("end-before-start", _replace(STUDY, "  assets:", "  start: 2015-01-01\n  end: 2010-01-01\n"
                                    "  assets:"))
    st("start-bad-date", _replace(STUDY, "  assets:", "  start: 2010-02-30\n  assets:"))
    st("start-slash", _replace(STUDY, "  assets:", "  start: 2010/01/01\n  assets:"))
    st("start-before-data", _replace(STUDY, "  assets:", "  start: 1900-01-01\n  assets:"), "note")
    st("unknown-top-key", STUDY + "tittle: x\n")
    st("binary", "\x00\x01\x02 junk")
    st("bad-utf8-bytes", "title: caf\udcff\n".encode("utf-8", "surrogateescape").decode("latin-1"))
    st("set-bad", STUDY, extra=["--set", "initial_usd=abc"])
    st("set-noeq", STUDY, extra=["--set", "initial_usd"])
    st("bootstrap-negative", STUDY, extra=["--bootstrap", "-5"])
    st("bootstrap-one", STUDY, extra=["--bootstrap", "1"])
    st("report-dir", STUDY, extra=["--report", "{d}"])
    st("report-missing-dir", STUDY, extra=["--report", "{d}/no/such/dir/r.html"])
    add(Case("study-dir-as-file", ["compare", "{d}"]))
    add(Case("study-missing", ["compare", "{d}/missing.yaml"]))

    # --- sweep ---------------------------------------------------------------------------
    sweep = (REPO / "examples" / "studies" / "sweep_bands_default.yaml").read_text("utf-8")
    add(Case("sweep-threads-0", ["sweep", "{d}/s.yaml", "--quiet", "--threads", "0"], "error",
             {"s.yaml": sweep}))
    add(Case("sweep-threads-neg", ["sweep", "{d}/s.yaml", "--quiet", "--threads", "-2"], "error",
             {"s.yaml": sweep}))
    add(Case("sweep-no-section", ["sweep", "{d}/s.yaml", "--quiet"], "error", {"s.yaml": STUDY}))
    add(Case("sweep-alias-bomb", ["sweep", "{d}/s.yaml", "--quiet"], "error",
             {"s.yaml": _bomb() + sweep + "\nextra: *a8\n"}))

    # --- household files (plan / check) -------------------------------------------------
    def hh(name: str, content: str, expect: str = "error", cmd: str = "plan",
           extra: list[str] | None = None) -> None:
        add(Case(f"hh-{name}", [cmd, "{d}/h.yaml", *(extra or [])], expect, {"h.yaml": content}))

    hh("empty", "")
    hh("not-mapping", "- 1\n")
    hh("invalid-yaml", "household: {name: [\n")
    hh("alias-bomb-name", _bomb() + _replace(HOUSEHOLD, "name: DIY investor (single)",
                                             "name: *a8"))
    hh("alias-bomb-check", _bomb() + _replace(HOUSEHOLD, "name: DIY investor (single)",
                                              "name: *a8"), cmd="check")
    hh("deep-list", HOUSEHOLD + "extra: " + "[" * 5000 + "]" * 5000 + "\n")
    hh("deep-map", HOUSEHOLD + "extra: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n")
    hh("duplicate-key", _replace(HOUSEHOLD, "  filing_status: single",
                                 "  filing_status: single\n  filing_status: mfj"))
    hh("duplicate-top", HOUSEHOLD + "as_of: 2025-07-01\n")
    hh("cash-negative", _replace(HOUSEHOLD, "cash_usd: 1250", "cash_usd: -1250"))
    hh("cash-string", _replace(HOUSEHOLD, "cash_usd: 1250", "cash_usd: lots"))
    hh("cash-comma", _replace(HOUSEHOLD, "cash_usd: 1250", "cash_usd: '1250,5'"))
    hh("price-zero", _replace(HOUSEHOLD, "price_usd: 303.93", "price_usd: 0"))
    hh("price-nan", _replace(HOUSEHOLD, "price_usd: 303.93", "price_usd: .nan"))
    hh("price-inf", _replace(HOUSEHOLD, "price_usd: 303.93", "price_usd: .inf"))
    hh("quantity-negative", _replace(HOUSEHOLD, "quantity: 90,", "quantity: -90,"))
    hh("quantity-huge", _replace(HOUSEHOLD, "quantity: 90,", "quantity: 1e300,"))
    hh("account-unknown", _replace(HOUSEHOLD, "{account: ira,  symbol: BND",
                                   "{account: iraa,  symbol: BND"))
    hh("symbol-unknown", _replace(HOUSEHOLD, "symbol: BND,  quantity: 420",
                                  "symbol: BNDX,  quantity: 420"))
    hh("type-unknown", _replace(HOUSEHOLD, "type: traditional", "type: 401kk"))
    hh("status-unknown", _replace(HOUSEHOLD, "filing_status: single", "filing_status: married"))
    hh("targets-sum", _replace(HOUSEHOLD, "us_stocks: 0.50", "us_stocks: 0.60"))
    hh("targets-negative", _replace(HOUSEHOLD, "us_stocks: 0.50", "us_stocks: -0.50"))
    hh("state-rate-percent", _replace(HOUSEHOLD, "state_rate: 0.0495", "state_rate: 4.95"))
    hh("as-of-bad", _replace(HOUSEHOLD, "as_of: 2025-06-30", "as_of: 2025-06-31"))
    hh("as-of-slash", _replace(HOUSEHOLD, "as_of: 2025-06-30", "as_of: 2025/06/30"))
    hh("acquired-future", _replace(HOUSEHOLD, "acquired: 2020-09-15", "acquired: 2030-09-15"))
    hh("acquired-bad", _replace(HOUSEHOLD, "acquired: 2020-09-15", "acquired: 2020-02-30"))
    hh("basis-negative", _replace(HOUSEHOLD, "cost_basis_usd: 19350.00", "cost_basis_usd: -1"))
    hh("trade-side", _replace(HOUSEHOLD, "side: sell", "side: short"))
    hh("unknown-key", _replace(HOUSEHOLD, "  filing_status: single",
                               "  filing_status: single\n  filling_status: single"))
    hh("long-name", _replace(HOUSEHOLD, "name: DIY investor (single)", "name: " + "x" * 100_000),
       "note")
    hh("long-bad-status", _replace(HOUSEHOLD, "filing_status: single",
                                   "filing_status: " + "y" * 100_000))
    hh("orders-dir", HOUSEHOLD, extra=["--orders", "{d}"])
    hh("report-dir", HOUSEHOLD, extra=["--report", "{d}"])
    hh("orders-then-report-dir", HOUSEHOLD, extra=["--orders", "{d}/o.csv", "--report", "{d}"])
    hh("orders-missing-dir", HOUSEHOLD, extra=["--orders", "{d}/no/o.csv"])
    hh("tax-budget-negative", HOUSEHOLD, extra=["--tax-budget", "-5"])
    hh("min-trade-negative", HOUSEHOLD, extra=["--min-trade", "-5"])
    hh("months-negative", HOUSEHOLD, extra=["--months", "-3"])
    hh("monthly-contribution-without-months", HOUSEHOLD,
       extra=["--monthly-contribution", "500"])
    hh("free-and-full", HOUSEHOLD, extra=["--tax-free-only", "--full-rebalance"])
    add(Case("hh-missing", ["plan", "{d}/missing.yaml"]))
    add(Case("hh-dir", ["plan", "{d}"]))
    hh("json-invalid", "{\"household\": ", cmd="plan")
    add(Case("hh-json-invalid-ext", ["plan", "{d}/h.json"], "error", {"h.json": "{\"a\": [1,}"}))
    add(Case("hh-json-deep", ["plan", "{d}/h.json"], "error",
             {"h.json": "[" * 100_000 + "]" * 100_000}))

    # --- demo ------------------------------------------------------------------------------
    add(Case("demo-out-file", ["demo", "--quiet", "--out", "{d}/f.txt"], "error",
             {"f.txt": "x"}))

    # --- tax estimate --------------------------------------------------------------------
    te = ["tax", "estimate"]
    for flag, v in [("--income", "-50000"), ("--income", "nan"), ("--income", "inf"),
                    ("--year", "1999"), ("--year", "2099"), ("--status", "married"),
                    ("--qualified-dividends", "-5"), ("--st-carryforward", "-100"),
                    ("--lt-carryforward", "nan"), ("--state-rate", "5"),
                    ("--state-rate", "-0.1"), ("--investment-income", "-1"),
                    ("--st", "nan"), ("--lt", "inf"), ("--income", "1e400")]:
        add(Case(f"tax-estimate{flag}[{v}]", [*te, flag, v]))
    add(Case("tax-estimate-investment-exceeds-income",
             [*te, "--income", "1000", "--investment-income", "5000"]))

    # --- tax audit -------------------------------------------------------------------------
    def ta(name: str, trades: str, hhold: str = TAX_HH, expect: str = "error") -> None:
        add(Case(f"audit-{name}", ["tax", "audit", "{d}/t.csv", "--household", "{d}/h.yaml"],
                 expect, {"t.csv": trades, "h.yaml": hhold}))

    ta("empty", "")
    ta("header-only", TRADES.splitlines()[0] + "\n", expect="accepted")
    ta("bad-date", _replace(TRADES, "2024-01-10", "2024-01-32"))
    ta("slash-date", _replace(TRADES, "2024-01-10", "2024/01/10"))
    ta("bad-side", _replace(TRADES, ",buy,100,", ",hold,100,"))
    ta("negative-qty", _replace(TRADES, ",buy,100,", ",buy,-100,"))
    ta("text-qty", _replace(TRADES, ",buy,100,", ",buy,lots,"))
    ta("comma-price", _replace(TRADES, ",430.00,", ',"430,50",'))
    ta("unknown-account", _replace(TRADES, "2024-01-10,brokerage", "2024-01-10,brokerge"))
    ta("missing-column", TRADES.replace(",price", ",prise", 1))
    ta("sell-unheld", TRADES + "2024-12-01,brokerage,taxable,self,ZZZ,sell,5,10,,,\n")
    ta("hh-alias-bomb", TRADES, _bomb() + TAX_HH)
    ta("hh-duplicate", TRADES, TAX_HH + "wash_sale: {}\n")
    ta("hh-deep", TRADES, TAX_HH + "x: " + "[" * 5000 + "]" * 5000 + "\n")
    ta("hh-rates", TRADES, _replace(TAX_HH, "short_term: 0.32", "short_term: 32"))
    ta("hh-method", TRADES, _replace(TAX_HH, "lot_method: fifo", "lot_method: newest"))
    ta("hh-invalid-yaml", TRADES, "accounts: [\n")
    ta("binary", "\x00\x01junk")
    add(Case("audit-year-bad", ["tax", "audit", "{d}/t.csv", "--household", "{d}/h.yaml",
                                "--year", "1800"], "note", {"t.csv": TRADES, "h.yaml": TAX_HH}))
    return cases


# -- running ------------------------------------------------------------------------------


def _child(case: Case, workdir: Path, out_path: Path, err_path: Path) -> None:
    limit = 3 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    fo = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    fe = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(fo, 1)
    os.dup2(fe, 2)
    sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", buffering=0), write_through=True)
    sys.stderr = io.TextIOWrapper(os.fdopen(2, "wb", buffering=0), write_through=True)
    os.chdir(workdir)
    code = 0
    try:
        from rebal.cli import console
        from rebal.cli.main import main

        console.out.file = sys.stdout
        console.err.file = sys.stderr
        argv = [a.replace("{d}", str(workdir)) for a in case.argv]
        main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except MemoryError:
        code = 97
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def classify(code: int | None, out: str, err: str, timed_out: bool) -> str:
    if timed_out or code == 97 or "MemoryError" in err:
        return "hang"
    if "Traceback (most recent call last)" in err or code is None or code < 0:
        return "traceback"
    if code != 0:
        return "long" if len(err) > 400 else "error"
    said = (out + err).lower()
    if "note:" in said or "warning:" in said:
        return "note"
    return "accepted"


def run_case(case: Case, root: Path, timeout: float) -> tuple[str, float, str]:
    workdir = Path(tempfile.mkdtemp(dir=root))
    for name, content in case.files.items():
        p = workdir / name
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8", errors="surrogateescape")
    out_path, err_path = workdir / ".stdout", workdir / ".stderr"
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        _child(case, workdir, out_path, err_path)
    timed_out = False
    code: int | None = None
    while True:
        done, status, _ = os.wait4(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            break
        if time.perf_counter() - t0 > timeout:
            os.kill(pid, signal.SIGKILL)
            os.wait4(pid, 0)
            timed_out = True
            break
        time.sleep(0.02)
    elapsed = time.perf_counter() - t0
    out = out_path.read_text("utf-8", errors="replace")[:200_000] if out_path.exists() else ""
    err = err_path.read_text("utf-8", errors="replace")[:200_000] if err_path.exists() else ""
    kind = classify(code, out, err, timed_out)
    first = next((ln for ln in err.splitlines() if ln.strip()), "")
    if kind == "traceback":
        first = (err.strip().splitlines() or [""])[-1]
    return kind, elapsed, first[:160]


def _warm() -> None:
    """Load rebal and compile its kernels once, before forking."""
    from rebal.cli.main import main

    with contextlib.suppress(SystemExit):
        main(["backtest", "--prices", "default", "--json", "--start", "2015-01-01"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--only", default="", help="run only cases whose name starts with this")
    ap.add_argument("--show", default="", help="print every case of these outcomes (a,b)")
    args = ap.parse_args(argv)
    cases = [c for c in corpus() if c.name.startswith(args.only)]
    import contextlib

    with contextlib.redirect_stdout(io.StringIO()):
        _warm()
    counts: Counter[str] = Counter()
    wrong: list[tuple[str, str, str, str]] = []
    show = set(filter(None, args.show.split(",")))
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            kind, secs, first = run_case(case, Path(tmp), args.timeout)
            counts[kind] += 1
            flag = "" if kind == case.expect else "  <-- expected " + case.expect
            if kind != case.expect:
                wrong.append((case.name, kind, case.expect, first))
            if kind in show or "all" in show or flag:
                print(f"{kind:9s} {secs:6.1f}s {case.name}: {first}{flag}", flush=True)
    print()
    print(f"{len(cases)} cases; load average {os.getloadavg()[0]:.1f}")
    for kind in ("error", "long", "note", "accepted", "traceback", "hang"):
        print(f"  {kind:10s} {counts[kind]:4d}")
    print(f"  outcome differs from expected: {len(wrong)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
