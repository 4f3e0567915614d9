#!/usr/bin/env bash
# Issue 15's speed table, this checkout against another revision, in one run.
#
#   bash benchmarks/side_by_side.sh d40d4b1            # BASE = any git revision
#   BT_PYTHON=/tmp/bench-venv/bin/python bash benchmarks/side_by_side.sh HEAD~5
#
# Makes a temporary `git worktree` of BASE, then runs, in this order:
#   bench_cli.py       whole processes, this tree vs BASE interleaved (--base-src), bt if
#                      BT_PYTHON (or this interpreter) has bt;
#   ab_engine.py       paired CPU-time blocks: e2e, fresh market, compute_metrics, 5 % band;
#   bench_taxable.py   annual / quarterly / monthly, BASE then this tree, twice;
#   bench_sweep.py     BASE then this tree, twice;
#   bench_planner.py   1,500 / 10,000 / 50,000 lots, BASE then this tree.
# The benchmark scripts are this checkout's; BASE's code is put first on PYTHONPATH (the
# scripts import rebal's public API as of BASE). The load average is printed at both ends:
# on shared 2-core hosts compare ratios from one run, not absolute figures across runs.
# Takes 10-20 minutes. Needs ../shared/data (or REBAL_SHARED_DATA).
set -euo pipefail
base_rev="${1:?usage: side_by_side.sh BASE_REVISION}"
root="$(cd "$(dirname "$0")/.." && pwd)"
py="${PYTHON:-$root/.venv/bin/python}"
bt_py="${BT_PYTHON:-$py}"
export REBAL_SHARED_DATA="${REBAL_SHARED_DATA:-$root/../shared/data}"
tmp="$(mktemp -d)"
trap 'git -C "$root" worktree remove --force "$tmp/base" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
git -C "$root" worktree add -q --detach "$tmp/base" "$base_rev"
base_src="$tmp/base/src"
# a benchmark exits non-zero when a goal is missed (bench_planner: "SLOW"): say so, go on
run() { "$@" || echo "# (exit $?: a goal missed, or an error above)"; }
here_src="$root/src"
cd "$root"

echo "# side by side: this tree ($(git rev-parse --short HEAD)) vs $base_rev; $(date -u)"
echo "# load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## whole process (bench_cli.py)"
run "$py" benchmarks/bench_cli.py --bt-python "$bt_py" --base-src "$base_src" --rounds 7
echo "## engine (ab_engine.py, paired CPU time)"
run "$py" benchmarks/ab_engine.py --base "$base_rev" --jobs e2e,fresh,metrics,band --rounds 40
echo "## taxable (bench_taxable.py)"
for _ in 1 2; do
  for src in "$base_src" "$here_src"; do
    echo "# src=$src"
    PYTHONPATH="$src" run "$py" benchmarks/bench_taxable.py --rounds 3 --repeat 3
  done
done
echo "## sweep (bench_sweep.py)"
for _ in 1 2; do
  for src in "$base_src" "$here_src"; do
    echo "# src=$src"
    PYTHONPATH="$src" run "$py" benchmarks/bench_sweep.py --rounds 3
  done
done
echo "## planner (bench_planner.py)"
for src in "$base_src" "$here_src"; do
  echo "# src=$src"
  PYTHONPATH="$src" run "$py" benchmarks/bench_planner.py --lots 1500 10000 50000 --repeat 3
done
echo "# load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u)"
