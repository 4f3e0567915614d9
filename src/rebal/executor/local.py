"""The :class:`Executor` protocol and its local implementations.

A job is ``fn(job)`` for each item of a sequence; jobs share nothing and their
results come back in job order. Studies map their policies and sweeps their kernel
blocks through an executor, so one seam decides where work runs:

- :class:`SerialExecutor`: in this thread, one after the other (the default);
- :class:`ThreadExecutor`: a pool of threads, for jobs that release the GIL (the
  sweep's numba kernel is compiled ``nogil``), no copying of inputs;
- :class:`ProcessExecutor`: a pool of local processes, for Python-bound jobs; ``fn``
  must be a module-level function and jobs and results must pickle.

(:class:`rebal.executor.dask.DaskExecutor`, for many machines, implements the same
protocol.)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    import concurrent.futures

__all__ = [
    "Executor",
    "ProcessExecutor",
    "Progress",
    "SerialExecutor",
    "ThreadExecutor",
    "cpu_count",
]

J = TypeVar("J")
R = TypeVar("R")

Progress = Callable[[int, int, int], None]
"""``progress(done, total, index)``, called in the caller's thread after each job
finishes: ``done`` jobs of ``total`` are finished, the last one being ``jobs[index]``."""


class Executor(Protocol):
    """Maps a function over independent jobs; results in job order."""

    def map(
        self, fn: Callable[[J], R], jobs: Sequence[J], *, progress: Progress | None = None
    ) -> list[R]:
        """``[fn(job) for job in jobs]``, possibly concurrently.

        Parameters
        ----------
        fn
            The work of one job (module-level for :class:`ProcessExecutor`).
        jobs
            Independent inputs.
        progress
            Called as ``progress(done, total, index)`` after each job (:data:`Progress`).
        """
        ...


def cpu_count() -> int:
    """CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class SerialExecutor:
    """Every job in the calling thread, in order."""

    def map(
        self, fn: Callable[[J], R], jobs: Sequence[J], *, progress: Progress | None = None
    ) -> list[R]:
        out: list[R] = []
        for i, job in enumerate(jobs):
            out.append(fn(job))
            if progress is not None:
                progress(i + 1, len(jobs), i)
        return out


def _check_workers(n_workers: int | None, owner: str) -> int:
    if n_workers is None:
        return cpu_count()
    if int(n_workers) != n_workers or n_workers < 1:
        from rebal.errors import ConfigError

        raise ConfigError(f"{owner}.n_workers must be an integer >= 1, got {n_workers!r}")
    return int(n_workers)


@dataclass(frozen=True, slots=True)
class ThreadExecutor:
    """Jobs on a pool of ``n_workers`` threads (``None``: every available CPU).

    Worth it only for jobs that release the GIL (numba ``nogil`` kernels, I/O).
    With one worker or one job it runs serially, in the calling thread.
    """

    n_workers: int | None = None

    def map(
        self, fn: Callable[[J], R], jobs: Sequence[J], *, progress: Progress | None = None
    ) -> list[R]:
        n = min(_check_workers(self.n_workers, "ThreadExecutor"), len(jobs))
        if n <= 1:
            return SerialExecutor().map(fn, jobs, progress=progress)
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=n) as pool:
            return _gather(pool, fn, jobs, progress)


@dataclass(frozen=True, slots=True)
class ProcessExecutor:
    """Jobs on a pool of ``n_workers`` local processes (``None``: every available CPU).

    ``fn`` must be importable (module level) and the jobs and results must pickle.
    ``start_method`` is the :mod:`multiprocessing` start method: ``"spawn"`` (default)
    starts clean interpreters, safe beside numba's threads; ``"fork"`` starts faster.
    """

    n_workers: int | None = None
    start_method: str = "spawn"

    def map(
        self, fn: Callable[[J], R], jobs: Sequence[J], *, progress: Progress | None = None
    ) -> list[R]:
        n = min(_check_workers(self.n_workers, "ProcessExecutor"), len(jobs))
        if not jobs:
            return []
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        ctx = multiprocessing.get_context(self.start_method)
        with ProcessPoolExecutor(max_workers=n, mp_context=ctx) as pool:
            return _gather(pool, fn, jobs, progress)


def _gather(
    pool: concurrent.futures.Executor, fn: Callable[[J], R], jobs: Sequence[J],
    progress: Progress | None,
) -> list[R]:
    """Submit every job, report progress as each completes, return results in job order."""
    from concurrent.futures import as_completed

    futures = {pool.submit(fn, job): i for i, job in enumerate(jobs)}
    out: list[R | None] = [None] * len(jobs)
    for done, fut in enumerate(as_completed(futures), start=1):
        i = futures[fut]
        out[i] = fut.result()
        if progress is not None:
            progress(done, len(jobs), i)
    return out  # type: ignore[return-value]
