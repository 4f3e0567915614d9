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
thread asking for another count fails. (When the host program ran HiGHS first in that
thread with another count, :func:`solve` falls back to one thread or HiGHS's default.)"""


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
    n = int(problem.c.size)
    a = problem.a_matrix
    lb, ub = problem.lb, problem.ub
    ints = np.flatnonzero(problem.integrality)
    if fix_integers is not None:
        relax = True
        lb, ub = lb.copy(), ub.copy()
        lb[ints] = ub[ints] = np.round(np.asarray(fix_integers, dtype=np.float64))
    inf = highspy.kHighsInf
    # The model's kinds are HiGHS's own codes (HighsVarType: continuous 0, integer 1,
    # semi-continuous 2, semi-integer 3); a relaxation passes all continuous.
    kinds = (np.zeros(n, dtype=np.int32) if relax
             else np.ascontiguousarray(problem.integrality, dtype=np.int32))
    # Arrays straight into HiGHS: filling a HighsLp's fields converts them element by
    # element (4.9 ms against 0.55 ms for a 9,600-column model, each of ~17 solves).
    hs.passModel(n, int(a.shape[0]), int(a.index.size), int(highspy.MatrixFormat.kColwise),
                 int(highspy.ObjSense.kMinimize), 0.0,
                 problem.c, lb, ub,
                 np.where(np.isinf(problem.row_lo), -inf, problem.row_lo),
                 np.where(np.isinf(problem.row_hi), inf, problem.row_hi),
                 a.start, a.index, a.value, kinds)
    if start_point is not None and not relax:
        first = highspy.HighsSolution()
        first.col_value = np.asarray(start_point, dtype=np.float64).tolist()
        first.value_valid = True
        hs.setSolution(first)
    if hs.run() == highspy.HighsStatus.kError and (
            hs.getModelStatus() == highspy.HighsModelStatus.kNotset):
        # This thread's HiGHS scheduler was started by an earlier solve with another
        # thread count (the host program's own HiGHS, another library): HiGHS refuses any
        # other count then. Solve with one thread, or HiGHS's default, as that one was.
        for threads in (1, 0):
            hs.setOptionValue("threads", threads)
            if hs.run() != highspy.HighsStatus.kError:
                break
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
