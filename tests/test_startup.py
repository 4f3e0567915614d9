"""Start-up: what ``rebal backtest --json`` imports (a user waits for every import).

pandas, plotly, highspy, pyarrow and rich (tables) are not needed to backtest a file and
print JSON;
``scipy.linalg`` is only imported by numba's BLAS probe, which the kernels skip
(``rebal.jit``). The numbers printed must be those of the same backtest run in a process
where scipy.linalg is loaded (as it is here). With numba's cache warm, the kernels load
without numba's typing and lowering registries (``rebal.jit.LeanLoadCache``).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pandas", "plotly", "highspy", "pyarrow", "scipy.linalg", "rich.console")

#: Modules only numba's registry refresh imports (typed containers, jitclass, linalg,
#: random generators), none of which a cached kernel needs to load.
REGISTRIES = ("numba.typed.typeddict", "numba.typed.typedlist",
              "numba.experimental.jitclass.base", "numba.np.linalg",
              "numba.np.random.generator_core", "numba.np.arraymath")

CODE = f"""
HEAVY = {HEAVY!r}
REGISTRIES = {REGISTRIES!r}
import contextlib, io, json, sys
from rebal.cli.main import main
sys.argv = ["rebal", "backtest", "--policy", "band:abs=0.05", "--cost-bps", "5", "--json"]
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        main()
    except SystemExit as exc:
        assert not exc.code, exc.code
heavy = [m for m in HEAVY if m in sys.modules]
registries = [m for m in REGISTRIES if m in sys.modules]
print(json.dumps({{"heavy": heavy, "registries": registries,
                  "answer": json.loads(out.getvalue())}}))
"""


def test_backtest_json_imports_no_heavy_module_and_prints_the_same_numbers() -> None:
    scipy_linalg = pytest.importorskip("scipy.linalg")  # loaded here, hidden there
    assert scipy_linalg is not None
    proc = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                          check=True, timeout=300)
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["heavy"] == []
    from rebal.services.backtest import BacktestRequest, backtest

    here = backtest(BacktestRequest(prices="default", target=None, policy="band:abs=0.05",
                                    cost_bps=5.0))
    assert got["answer"]["final_value"] == here.result.final_value
    assert got["answer"]["n_rebalances"] == here.result.n_rebalances
    assert got["answer"]["sharpe"] == here.metrics.sharpe


def test_warm_backtest_loads_kernels_without_numba_registries() -> None:
    # the first run may compile (a cold cache) and then imports everything; the second
    # loads the kernels from numba's cache
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                              check=True, timeout=300)
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["registries"] == []
    assert got["heavy"] == []
