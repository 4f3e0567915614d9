"""The solver's options. With SOLVER_THREADS the proven optimum of a small knapsack MIP
equals the brute-force one, the point is bit-identical on every run, and solves from other
Python threads (a ThreadExecutor's workers) work beside the main thread's. A start point
(the lazy model's incumbent) changes where the search starts, never the optimum."""

from __future__ import annotations

import itertools
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from rebal.planner.model import Problem, SparseMatrix
from rebal.planner.settings import SolveStatus
from rebal.planner.solver import SOLVER_THREADS, solve

VALUES = [12.0, 7.0, 11.0, 8.0, 9.0, 6.0, 14.0, 5.0, 10.0, 4.0, 13.0, 3.0]
WEIGHTS = [4.0, 3.0, 5.0, 3.0, 4.0, 2.0, 6.0, 2.0, 5.0, 2.0, 6.0, 1.0]
CAPACITY = 20.0


def _knapsack() -> Problem:
    """Maximize value (minimize −value) of 0/1 items under one weight row and a row that
    takes at most two of the first four items."""
    n = len(VALUES)
    rows = [0] * n + [1] * 4
    cols = list(range(n)) + [0, 1, 2, 3]
    vals = WEIGHTS + [1.0] * 4
    return Problem(
        c=-np.asarray(VALUES), a_matrix=SparseMatrix.from_triplets(rows, cols, vals, (2, n)),
        row_lo=np.array([-np.inf, -np.inf]), row_hi=np.array([CAPACITY, 2.0]),
        lb=np.zeros(n), ub=np.ones(n), integrality=np.ones(n, dtype=np.int64),
        positions=(), lots=(), tax_cols=(), tax_coefs=(), investable_after_usd=0.0)


def _brute_force() -> float:
    best = 0.0
    for pick in itertools.product((0, 1), repeat=len(VALUES)):
        if (sum(w * p for w, p in zip(WEIGHTS, pick, strict=True)) <= CAPACITY
                and sum(pick[:4]) <= 2):
            best = max(best, sum(v * p for v, p in zip(VALUES, pick, strict=True)))
    return best


def test_optimum_is_the_brute_force_one_and_repeatable() -> None:
    assert SOLVER_THREADS >= 1
    want = _brute_force()
    runs = [solve(_knapsack(), presolve=False) for _ in range(3)]
    for sol in runs:
        assert sol.status is SolveStatus.OPTIMAL
        assert sol.x is not None and sol.objective is not None
        assert -sol.objective == want
        assert sol.bound is not None and -sol.bound <= want + 1e-9
        assert np.array_equal(sol.x, runs[0].x)


def test_solves_from_worker_threads_beside_the_main_thread() -> None:
    want = _brute_force()
    main = solve(_knapsack())  # the main thread's scheduler exists first
    with ThreadPoolExecutor(max_workers=2) as pool:
        sols = list(pool.map(lambda _: solve(_knapsack()), range(4)))
    again = solve(_knapsack())
    for sol in (main, *sols, again):
        assert sol.status is SolveStatus.OPTIMAL
        assert sol.objective is not None and -sol.objective == want


def _value(x: np.ndarray) -> float:
    return float(np.dot(VALUES, np.round(x)))


def test_a_start_point_never_changes_the_optimum() -> None:
    want = _brute_force()
    poor = np.zeros(len(VALUES))
    poor[11] = 1.0  # feasible: the lightest, least valuable item alone
    best = solve(_knapsack()).x
    assert best is not None
    for point in (poor, best):
        sol = solve(_knapsack(), presolve=False, start_point=point)
        assert sol.status is SolveStatus.OPTIMAL
        assert sol.x is not None and _value(sol.x) == want
    # an LP solve ignores it: the relaxation's optimum is above any 0/1 point's value
    lp = solve(_knapsack(), relax=True, start_point=poor)
    assert lp.objective is not None and -lp.objective >= want


def test_model_kind_codes_are_highs_variable_types() -> None:
    """solve() hands the model's kinds to HiGHS as they are."""
    import highspy

    from rebal.planner import model

    t = highspy.HighsVarType
    assert (model._CONT, model._INT, model._SEMI, model._SEMI_INT) == (
        int(t.kContinuous), int(t.kInteger), int(t.kSemiContinuous), int(t.kSemiInteger))


def test_semi_continuous_minimum_is_kept() -> None:
    """A semi-continuous column (0 or between its bounds) passed as kind 2: the optimum
    takes 0 rather than a value under the minimum."""
    n = 1
    p = Problem(
        c=np.array([1.0]), a_matrix=SparseMatrix.from_triplets([0], [0], [1.0], (1, n)),
        row_lo=np.array([-np.inf]), row_hi=np.array([np.inf]),
        lb=np.array([5.0]), ub=np.array([10.0]), integrality=np.array([2]),
        positions=(), lots=(), tax_cols=(), tax_coefs=(), investable_after_usd=0.0)
    sol = solve(p, presolve=False)
    assert sol.x is not None and sol.x[0] == 0.0
    p2 = Problem(
        c=np.array([-1.0]), a_matrix=SparseMatrix.from_triplets([0], [0], [1.0], (1, n)),
        row_lo=np.array([-np.inf]), row_hi=np.array([7.0]),
        lb=np.array([5.0]), ub=np.array([10.0]), integrality=np.array([2]),
        positions=(), lots=(), tax_cols=(), tax_coefs=(), investable_after_usd=0.0)
    sol2 = solve(p2, presolve=False)
    assert sol2.x is not None and sol2.x[0] == 7.0


def test_a_host_program_that_ran_highs_first_with_another_thread_count() -> None:
    """HiGHS fixes a thread's scheduler at its first solve: a program that solved with one
    thread before calling rebal still gets an optimal plan (a fresh process: this one's
    scheduler already runs SOLVER_THREADS)."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent("""
        import highspy, numpy as np
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.passModel(1, 1, 1, 1, 1, 0.0, np.array([-1.0]), np.array([0.0]), np.array([1.0]),
                    np.array([-np.inf]), np.array([1.0]), np.array([0, 1], np.int32),
                    np.array([0], np.int32), np.array([1.0]), np.array([1], np.int32))
        assert h.run() == highspy.HighsStatus.kOk
        import test_solver_options as t
        from rebal.planner.solver import solve
        sol = solve(t._knapsack())
        print(sol.status, -sol.objective, t._brute_force())
    """)
    here = str(Path(__file__).parent)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=here, timeout=120, check=True)
    status, got, want = out.stdout.split()[-3:]
    assert status == "optimal" and float(got) == float(want)
