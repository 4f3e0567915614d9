"""Jobs on Dask distributed: :class:`DaskExecutor`.

The same :class:`~rebal.executor.local.Executor` protocol as the local executors, on a
Dask scheduler: a LocalCluster started on this machine (``--executor dask``), or a
running scheduler anywhere (``--scheduler tcp://HOST:8786``) whose workers have rebal
installed (docs/scale.md). This module is the only one that imports ``dask`` and
``distributed``; it is imported only when Dask is chosen.

- The job function is sent to every worker once (``scatter(..., broadcast=True)``), so a
  function that closes over large arrays (a sweep's market) travels once per worker,
  not once per job; each job's input travels with its task.
- A :class:`~distributed.WorkerPlugin` imports numpy, numba's kernels and HiGHS on each
  worker as it starts, so no task pays for it.
- A worker that dies takes its running tasks with it; the scheduler reruns them on the
  others (up to ``distributed.scheduler.allowed-failures`` times), so a batch loses
  nothing. Jobs that write somewhere must therefore be idempotent (the store's writes
  are keyed by the job's inputs).
- Results come back in job order, equal to the serial executor's (the jobs are pure).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, TypeVar

import distributed

from rebal.errors import ConfigError
from rebal.executor.local import Progress, cpu_count

__all__ = ["DaskExecutor", "Preload"]

J = TypeVar("J")
R = TypeVar("R")

PRELOAD_MODULES = ("numpy", "numba", "highspy")
"""Imported on each worker at start (by :class:`Preload`), besides the caller's own."""

CONNECT_TIMEOUT_S = 10.0
"""How long to try a scheduler's address before saying it cannot be reached (s)."""


class Preload(distributed.WorkerPlugin):
    """Imports :data:`PRELOAD_MODULES` and ``modules`` once per worker, when it starts
    (and on every worker that joins later)."""

    name = "rebal-preload"

    def __init__(self, modules: Sequence[str] = ()) -> None:
        self.modules = (*PRELOAD_MODULES, *modules)

    def setup(self, worker: distributed.Worker) -> None:
        import importlib

        for name in self.modules:
            with suppress(ImportError):
                importlib.import_module(name)


def _apply_chunk(fn: Callable[[J], R], jobs: Sequence[J]) -> list[R]:
    return [fn(job) for job in jobs]


CHUNKS_PER_WORKER = 4
"""Tasks per worker a batch is cut into (fewer, larger tasks: the scheduler's per-task cost,
about a millisecond, stays small beside jobs of a few milliseconds, while four tasks a worker
still even out the load)."""


@dataclass(slots=True)
class DaskExecutor:
    """Runs jobs through a connected :class:`distributed.Client`.

    Build it with :meth:`start` (which also closes what it started).

    Attributes
    ----------
    client
        The connected client.
    retries
        Times a task that raised is tried again (0: errors are final; a worker's death
        is handled by the scheduler whatever this is).
    chunk_size
        Jobs per task (``None``: the batch cut into :data:`CHUNKS_PER_WORKER` tasks per
        connected worker). Results and their order do not depend on it.
    """

    client: distributed.Client
    retries: int = 0
    chunk_size: int | None = None

    @classmethod
    @contextmanager
    def start(
        cls,
        *,
        scheduler: str | None = None,
        workers: int | None = None,
        preload: Sequence[str] = (),
        timeout_s: float = CONNECT_TIMEOUT_S,
    ) -> Iterator[DaskExecutor]:
        """Connect to ``scheduler``, or start a LocalCluster of ``workers`` processes.

        Parameters
        ----------
        scheduler
            ``tcp://HOST:PORT`` of a running scheduler; ``None`` starts a LocalCluster on
            127.0.0.1 (one thread per worker process; its dashboard on a free loopback port).
        workers
            LocalCluster worker processes (default: every CPU).
        preload
            Modules each worker imports when it starts (e.g. the job's own module, so
            numba kernels load from cache once per worker, not once per task).
        timeout_s
            Seconds to wait for the scheduler (s).

        Raises
        ------
        ConfigError
            The scheduler cannot be reached: one line naming the address.
        """
        cluster = None
        if scheduler is None:
            try:
                cluster = distributed.LocalCluster(
                    n_workers=workers or cpu_count(), threads_per_worker=1, processes=True,
                    host="127.0.0.1", dashboard_address="127.0.0.1:0",
                    silence_logs=logging.CRITICAL)
            except (OSError, RuntimeError, TimeoutError) as exc:
                raise ConfigError(f"--executor dask: could not start a local Dask cluster "
                                  f"({' '.join(str(exc).split())[:200]})") from None
            address: Any = cluster
        else:
            address = scheduler
        try:
            try:
                client = distributed.Client(address, timeout=f"{timeout_s}s",
                                            set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise ConfigError(
                    f"--scheduler: cannot reach the Dask scheduler at {scheduler} "
                    f"within {timeout_s:g} s ({type(exc).__name__})") from None
            try:
                client.register_plugin(Preload(preload))
                yield cls(client)
            finally:
                with suppress(Exception):
                    client.close()
        finally:
            if cluster is not None:
                with suppress(Exception):
                    cluster.close()

    @property
    def n_workers(self) -> int:
        """Workers connected now."""
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    def map(
        self, fn: Callable[[J], R], jobs: Sequence[J], *, progress: Progress | None = None
    ) -> list[R]:
        """``[fn(job) for job in jobs]`` on the cluster, results in job order.

        The first job that raises stops the batch (the others are cancelled) and its
        exception is raised here; wrap ``fn`` in :func:`rebal.executor.settle` to record
        failures and go on instead.
        """
        if not jobs:
            return []
        batch = uuid.uuid4().hex[:12]
        n = len(jobs)
        size = self.chunk_size or max(1, -(-n // (max(1, self.n_workers) * CHUNKS_PER_WORKER)))
        starts = list(range(0, n, size))
        fn_future = self.client.scatter(fn, broadcast=True, hash=False)
        futures = [
            self.client.submit(_apply_chunk, fn_future, list(jobs[a : a + size]),
                               key=f"rebal-{batch}-{a}", pure=False, retries=self.retries)
            for a in starts
        ]
        first = {f.key: a for f, a in zip(futures, starts, strict=True)}
        out: list[Any] = [None] * n
        done = 0
        try:
            for fut in distributed.as_completed(futures, loop=self.client.loop):
                a = first[fut.key]
                for k, value in enumerate(fut.result()):
                    out[a + k] = value
                    done += 1
                    if progress is not None:
                        progress(done, n, a + k)
        except BaseException:
            self.client.cancel(futures)
            raise
        finally:
            with suppress(Exception):
                self.client.cancel([fn_future])
        return out
