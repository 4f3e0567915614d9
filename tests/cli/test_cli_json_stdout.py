"""Every command with ``--json`` prints exactly one JSON document on stdout, in a real
process: C-level output (a solver's banner) would break ``rebal … --json | jq`` and is
invisible to the in-process runner the other CLI tests use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

COMMANDS = {
    "backtest": ["backtest", "--target", "US_MKT=0.6,UST_INT=0.4", "--policy", "quarterly",
                 "--start", "2010-01-01", "--end", "2012-12-31", "--json"],
    "compare": ["compare", "examples/studies/default_core.yaml", "--json"],
    "plan": ["plan", "examples/households/diy_small.yaml", "--json"],
    "plan-article": ["plan", "examples/households/article_client.yaml", "--json"],
    "plan-schedule": ["plan", "examples/households/diy_small.yaml", "--months", "3",
                      "--monthly-contribution", "1000", "--json"],
    "sweep": ["sweep", "examples/studies/sweep_costs_default.yaml", "--json"],
    "check": ["check", "examples/households/diy_small.yaml", "--json"],
    "tax-estimate": ["tax", "estimate", "--year", "2025", "--status", "single",
                     "--income", "60000", "--lt", "30000", "--json"],
    "alts-project": ["alts", "project", "examples/alternatives/funds.yaml", "--json"],
    "tax-audit": ["tax", "audit", "examples/tax/trades.csv", "--household",
                  "examples/tax/household.yaml", "--json"],
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_json_stdout_is_one_document(name: str) -> None:
    env = {**os.environ, "COLUMNS": "80"}
    proc = subprocess.run(
        [sys.executable, "-m", "rebal.cli.main", *COMMANDS[name]],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=env, check=False,
    )
    assert proc.returncode in (0, 10), proc.stderr[-2000:]
    json.loads(proc.stdout)  # raises on a banner, a progress bar or any stray line


def test_demo_prints_no_solver_banner(tmp_path: Path) -> None:
    # `rebal demo` plans the example household with HiGHS: its C++ banner ("Running
    # HiGHS …", "Copyright …") must not reach stdout.
    proc = subprocess.run(
        [sys.executable, "-m", "rebal.cli.main", "demo", "--out", str(tmp_path), "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "HiGHS" not in proc.stdout and "Copyright" not in proc.stdout
    assert proc.stdout.strip().splitlines() == [
        f"backtest report: {tmp_path / 'compare.html'}",
        f"plan report:     {tmp_path / 'plan.html'}"]
