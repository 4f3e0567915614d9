"""Run many independent jobs: one seam that decides where work runs.

A job is ``fn(job)`` for each item of a sequence; jobs share nothing and their results
come back in job order. Studies map their policies, sweeps their kernel blocks, the
bootstrap its chunks of resamples and batches their households through an
:class:`Executor`:

- :mod:`rebal.executor.local`: :class:`SerialExecutor` (this thread),
  :class:`ThreadExecutor` (threads, for ``nogil`` kernels), :class:`ProcessExecutor`
  (local processes);
- :mod:`rebal.executor.dask`: :class:`~rebal.executor.dask.DaskExecutor` on Dask
  distributed — a LocalCluster on this machine, or a scheduler and workers on many
  (optional extra ``rebal[dask]``; imported only when chosen);
- :mod:`rebal.executor.spec`: :class:`ExecutorSpec`, the plain-data choice made by
  ``--executor/--scheduler/--workers`` or ``REBAL_EXECUTOR``/``REBAL_SCHEDULER``, and
  :func:`open_executor`, which starts (and afterwards stops) what it names;
- :mod:`rebal.executor.outcome`: :func:`settle`, so that a batch job that fails is
  recorded with its error instead of stopping the batch.

This package sits at the bottom of the layers (beside ``types`` and ``errors``) so that
``studies`` and ``sweep`` can take an executor while ``services`` chooses one.
"""

from rebal.executor.local import (
    Executor,
    ProcessExecutor,
    Progress,
    SerialExecutor,
    ThreadExecutor,
    cpu_count,
)
from rebal.executor.outcome import JobOutcome, settle
from rebal.executor.spec import ExecutorKind, ExecutorSpec, open_executor, parallel_width

__all__ = [
    "Executor",
    "ExecutorKind",
    "ExecutorSpec",
    "JobOutcome",
    "ProcessExecutor",
    "Progress",
    "SerialExecutor",
    "ThreadExecutor",
    "cpu_count",
    "open_executor",
    "parallel_width",
    "settle",
]
