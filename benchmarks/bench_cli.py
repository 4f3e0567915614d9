"""Benchmark: whole processes — ``rebal backtest … --json``, ``rebal --help``,
``import rebal`` — and a bt script doing the same backtest, in interleaved rounds.

Run: ``python3 benchmarks/bench_cli.py [--rounds 7] [--bt-python /tmp/bt-venv/bin/python]
[--base-src /path/to/other/checkout/src]``

Data: ``bench_engine.py``'s 20 real ETFs chained to 8,300 daily rows, written to a
temporary wide CSV. The backtest command is the user's:
``rebal backtest --prices F --target A=0.05,… --policy monthly --json`` (monthly
rebalancing beside buy-and-hold, metrics, JSON). The bt side
(``benchmarks/_bt_cli.py``) reads the same CSV with pandas and runs the same two
strategies with ``RunMonthly(run_on_end_of_period=True)`` (the same rebalance dates;
final values agree to ~1e-13) and prints its statistics. With ``--base-src`` every rebal
command also runs against another checkout's ``src`` (``PYTHONPATH``, same interpreter):
an A/B of two revisions in one run.

numba's on-disk cache is warm for every rebal command (one untimed run first, per
source tree): the figures are a user's second and later runs. Each round runs every
command once, in an order rotated each round; the table gives median, min and max of
wall and CPU (user + sys of the child) seconds over the rounds, the ratio of medians to
the first command, and the load average before and after (2 shared cores: wall times
follow other load, CPU times much less).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + sys) seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)[:200]} failed: {proc.stderr.decode()[-800:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=8300)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--bt-python", default=None,
                        help="interpreter with bt installed (default: skip bt)")
    parser.add_argument("--base-src", default=None,
                        help="another checkout's src directory to time beside this one")
    parser.add_argument("--data", default=None, help="the ETF CSV (default: ../shared/data)")
    args = parser.parse_args()

    import bench_engine

    if args.data:
        bench_engine.ETF_FILE = Path(args.data)
    market, _ = bench_engine.build_market(args.rows)
    target = ",".join(f"{a}=0.05" for a in market.assets)
    tmp = tempfile.mkdtemp(prefix="bench_cli_")
    csv = Path(tmp) / "prices.csv"
    with csv.open("w") as fh:
        fh.write("Date," + ",".join(market.assets) + "\n")
        for d, row in zip(market.dates, market.prices.tolist(), strict=True):
            fh.write(f"{d}," + ",".join(repr(x) for x in row) + "\n")

    py = sys.executable
    backtest = ["-m", "rebal.cli.main", "backtest", "--prices", str(csv), "--target", target,
                "--policy", "monthly", "--json"]
    trees = {"": str(ROOT / "src")}
    if args.base_src:
        trees[" [base]"] = str(Path(args.base_src).resolve())
    commands: dict[str, tuple[list[str], dict[str, str]]] = {}
    # Children may write bytecode (a user's install has it): with PYTHONDONTWRITEBYTECODE
    # set (as in some shells and CI images) every run would recompile rebal's sources.
    child_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for tag, src in trees.items():
        env = {**child_env, "PYTHONPATH": src}
        commands[f"rebal backtest --json{tag}"] = ([py, *backtest], env)
        commands[f"rebal --help{tag}"] = ([py, "-m", "rebal.cli.main", "--help"], env)
        commands[f"import rebal{tag}"] = ([py, "-c", "import rebal"], env)
    if args.bt_python:
        commands["bt script (same backtest)"] = (
            [args.bt_python, str(ROOT / "benchmarks" / "_bt_cli.py"), str(csv)], dict(child_env)
        )
    for cmd, env in commands.values():  # warm numba's cache and the OS file cache
        _run(cmd, env)

    load0 = os.getloadavg()
    names = list(commands)
    walls: dict[str, list[float]] = {n: [] for n in names}
    cpus: dict[str, list[float]] = {n: [] for n in names}
    for r in range(args.rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        for n in order:
            w, c = _run(*commands[n])
            walls[n].append(w)
            cpus[n].append(c)
    load1 = os.getloadavg()

    print(f"{market.n_assets} assets x {market.n_days} rows; {args.rounds} interleaved rounds; "
          f"python {sys.version.split()[0]}")
    print(f"load average before {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}, "
          f"after {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f} (2 cores)")
    ref = names[0]
    head = (f"{'command':<36}{'wall median':>12}{'min':>8}{'max':>8}{'CPU median':>12}"
            f"{'min':>8}{'max':>8}{'wall/first':>11}")
    print(head)
    for n in names:
        wm, cm = statistics.median(walls[n]), statistics.median(cpus[n])
        print(f"{n:<36}{wm:>11.3f}s{min(walls[n]):>8.3f}{max(walls[n]):>8.3f}{cm:>11.3f}s"
              f"{min(cpus[n]):>8.3f}{max(cpus[n]):>8.3f}"
              f"{wm / statistics.median(walls[ref]):>11.2f}")
    if args.bt_python:
        bt = statistics.median(walls["bt script (same backtest)"])
        bt_cpu = statistics.median(cpus["bt script (same backtest)"])
        for tag in trees:
            own = statistics.median(walls[f"rebal backtest --json{tag}"])
            own_cpu = statistics.median(cpus[f"rebal backtest --json{tag}"])
            print(f"bt script / rebal backtest{tag}: {bt / own:.2f}x wall, "
                  f"{bt_cpu / own_cpu:.2f}x CPU (medians)")
    if args.base_src:
        for what in ("rebal backtest --json", "rebal --help", "import rebal"):
            a, b = (statistics.median(walls[what]),
                    statistics.median(walls[f"{what} [base]"]))
            ca, cb = (statistics.median(cpus[what]), statistics.median(cpus[f"{what} [base]"]))
            print(f"{what}: this tree / base = {a / b:.2f} wall, {ca / cb:.2f} CPU")


if __name__ == "__main__":
    main()
