"""The only module that talks to the solver: HiGHS through ``highspy``.

It takes a :class:`rebal.planner.model.Problem` (arrays only) and returns the solution
vector with the solve's status; it knows nothing about households.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from rebal.planner.model import Problem
from rebal.planner.settings import SolveStatus
from rebal.types import FloatArray

__all__ = ["SOLVER_THREADS", "Solution", "solve"]

SOLVER_THREADS = 2
"""Threads HiGHS may use in one solve. Two make the planner's MIPs 20–35 % faster (the
50,000-lot benchmark's two MIPs: 0.9 → 0.6–0.7 s each; ``benchmarks/bench_planner.py``)
with the same result on every run. It is one constant on purpose: HiGHS fixes the
thread count of a thread's task scheduler at its first solve, and a later solve in that
thread asking for another count fails."""


def _quiet_highs() -> Any:
    """A ``highspy.Highs`` with its output off, created with file descriptor 1 pointed at
    ``/dev/null``: the constructor prints a two-line banner from C++ before any option can
    be set, which would break ``rebal plan --json`` on stdout (C stdio is flushed inside
    the redirection so nothing buffered leaks out after it)."""
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        hs = highspy.Highs()
        hs.setOptionValue("output_flag", False)
        # no C library handle (Windows): nothing of HiGHS's is buffered in C stdio there
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).fflush(None)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    return hs


@dataclass(frozen=True, slots=True)
class Solution:
    """Result of one solve.

    Attributes
    ----------
    x
        ``(n_variables,)`` values, or ``None`` when no feasible point was found.
    status
        How the solve ended (:class:`rebal.planner.settings.SolveStatus`).
    objective
        Objective value (dollars) at ``x``.
    seconds
        Wall time of the solve.
    message
        The solver's own message.
    bound
        A proven lower bound on the optimum (dollars): the MIP's dual bound, the LP's
        objective; ``None`` without a point.
    """

    x: FloatArray | None
    status: SolveStatus
    objective: float | None
    seconds: float
    message: str
    bound: float | None = None  # proven lower bound on the objective (MIP dual bound)

    @property
    def ok(self) -> bool:
        return self.x is not None


def _var_types() -> dict[int, Any]:
    import highspy

    t = highspy.HighsVarType
    return {0: t.kContinuous, 1: t.kInteger, 2: t.kSemiContinuous, 3: t.kSemiInteger}


def solve(problem: Problem, *, time_limit_s: float = 30.0, mip_rel_gap: float = 1e-6,
          mip_abs_gap_usd: float = 0.05, relax: bool = False,
          fix_integers: FloatArray | None = None, presolve: bool = True,
          sub_mips: bool = True, start_point: FloatArray | None = None) -> Solution:
    """Solve ``problem`` (minimize ``c @ x``) with HiGHS; deterministic for equal input.

    Parameters
    ----------
    problem
        The model arrays.
    time_limit_s
        Wall-clock limit, seconds; on expiry the best point found so far is returned.
    mip_rel_gap, mip_abs_gap_usd
        Branch-and-bound stops when the gap is below either (the objective is dollars,
        so one cent of absolute gap is as exact as the plan is reported).
    relax, fix_integers
        Solve the LP relaxation; with ``fix_integers`` the integer variables fixed at
        those values (rounded) first.
    presolve
        HiGHS's presolve on (off for models re-solved many times with small changes).
    sub_mips
        HiGHS's sub-MIP heuristics RINS and RENS on. They cost 55–65 % of each MIP of the
        planner's lazy lot model (whose MIPs are small and close to their LP), which turns
        them off; the optimum proven is the same, only the search for incumbents differs.
    start_point
        A feasible point of ``problem`` (all ``n_variables`` values) the MIP starts from
        as its first incumbent; ignored by LP solves.
    """
    import highspy

    start = time.perf_counter()
    hs = _quiet_highs()
    hs.setOptionValue("time_limit", float(time_limit_s))
    hs.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    hs.setOptionValue("mip_abs_gap", float(mip_abs_gap_usd))
    hs.setOptionValue("random_seed", 0)
    hs.setOptionValue("threads", SOLVER_THREADS)
    if not presolve:
        hs.setOptionValue("presolve", "off")
    if not sub_mips:
        hs.setOptionValue("mip_heuristic_run_rins", False)
        hs.setOptionValue("mip_heuristic_run_rens", False)
    lp = highspy.HighsLp()
    n = int(problem.c.size)
    m = int(problem.a_matrix.shape[0])
    lp.num_col_ = n
    lp.num_row_ = m
    lp.col_cost_ = problem.c
    lb, ub = problem.lb, problem.ub
    ints = np.flatnonzero(problem.integrality)
    if fix_integers is not None:
        relax = True
        lb, ub = lb.copy(), ub.copy()
        lb[ints] = ub[ints] = np.round(np.asarray(fix_integers, dtype=np.float64))
    lp.col_lower_ = lb
    lp.col_upper_ = ub
    inf = highspy.kHighsInf
    lp.row_lower_ = np.where(np.isinf(problem.row_lo), -inf, problem.row_lo)
    lp.row_upper_ = np.where(np.isinf(problem.row_hi), inf, problem.row_hi)
    a = problem.a_matrix
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.start
    lp.a_matrix_.index_ = a.index
    lp.a_matrix_.value_ = a.value
    if not relax and np.any(problem.integrality):
        types = _var_types()
        lp.integrality_ = [types[int(k)] for k in problem.integrality]
    hs.passModel(lp)
    if start_point is not None and not relax:
        first = highspy.HighsSolution()
        first.col_value = np.asarray(start_point, dtype=np.float64).tolist()
        first.value_valid = True
        hs.setSolution(first)
    hs.run()
    model_status = hs.getModelStatus()
    ms = highspy.HighsModelStatus
    info = hs.getInfo()
    has_point = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if model_status == ms.kOptimal:
        status = SolveStatus.OPTIMAL
    elif model_status in (ms.kTimeLimit, ms.kIterationLimit, ms.kSolutionLimit):
        status = SolveStatus.TIME_LIMIT
    elif model_status == ms.kInfeasible:
        status = SolveStatus.INFEASIBLE
    elif model_status in (ms.kUnbounded, ms.kUnboundedOrInfeasible):
        status = SolveStatus.UNBOUNDED
    else:
        status = SolveStatus.ERROR
    x = None
    if has_point and status.has_point:
        x = np.asarray(hs.getSolution().col_value, dtype=np.float64)
    seconds = time.perf_counter() - start
    objective = float(info.objective_function_value) if x is not None else None
    bound = None
    if x is not None:
        mip = not relax and ints.size > 0
        bound = float(info.mip_dual_bound) if mip else objective
    return Solution(x=x, status=status, objective=objective, seconds=seconds,
                    message=hs.modelStatusToString(model_status), bound=bound)
