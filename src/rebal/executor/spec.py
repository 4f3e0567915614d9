"""Which executor a command uses: :class:`ExecutorSpec` (plain data) and
:func:`open_executor` (starts what it names, stops it afterwards).

A command that runs many independent jobs takes ``--executor serial|threads|processes|dask``,
``--scheduler tcp://HOST:8786`` and ``--workers N``; without them, the environment's
``REBAL_EXECUTOR`` and ``REBAL_SCHEDULER``; without those, the command's own default.
A scheduler address alone means ``dask``. ``dask`` without a scheduler starts a
LocalCluster of ``--workers`` processes (default: every CPU) on this machine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

from rebal.errors import ConfigError
from rebal.executor.local import (
    Executor,
    ProcessExecutor,
    SerialExecutor,
    ThreadExecutor,
    cpu_count,
)

__all__ = ["ENV_EXECUTOR", "ENV_SCHEDULER", "ExecutorKind", "ExecutorSpec", "open_executor",
           "parallel_width"]

ENV_EXECUTOR = "REBAL_EXECUTOR"
ENV_SCHEDULER = "REBAL_SCHEDULER"


class ExecutorKind(StrEnum):
    """Where jobs run."""

    SERIAL = "serial"
    THREADS = "threads"
    PROCESSES = "processes"
    DASK = "dask"


@dataclass(frozen=True, slots=True)
class ExecutorSpec:
    """A choice of executor, as plain data (it travels inside service requests).

    Attributes
    ----------
    kind
        Where jobs run.
    workers
        Threads, processes or LocalCluster workers (``None``: every CPU; ignored with a
        scheduler, whose workers are its own).
    scheduler
        A Dask scheduler's address (``tcp://host:8786``); ``None`` starts a LocalCluster.
    """

    kind: ExecutorKind = ExecutorKind.SERIAL
    workers: int | None = None
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if self.workers is not None and (int(self.workers) != self.workers or self.workers < 1):
            raise ConfigError(f"--workers must be an integer >= 1, got {self.workers!r}")
        if self.scheduler is not None and self.kind is not ExecutorKind.DASK:
            raise ConfigError(
                f"--scheduler needs --executor dask (got --executor {self.kind.value})")

    @classmethod
    def parse(
        cls,
        executor: str | None = None,
        scheduler: str | None = None,
        workers: int | None = None,
        *,
        env: Mapping[str, str] | None = None,
    ) -> ExecutorSpec | None:
        """The spec named by the command-line options, else by the environment.

        Parameters
        ----------
        executor, scheduler, workers
            ``--executor``, ``--scheduler`` and ``--workers`` as typed (``None``: not given).
        env
            The environment (default :data:`os.environ`).

        Returns
        -------
        ExecutorSpec or None
            ``None`` when nothing was chosen: the command keeps its own default.

        Raises
        ------
        ConfigError
            An unknown executor name, a scheduler address that is not ``tcp://host:port``
            (or ``tls://``, ``ws://``, ``inproc://``), or a scheduler with another executor;
            the message names the flag or variable.
        """
        env = os.environ if env is None else env
        flag_exec, flag_sched = "--executor", "--scheduler"
        if executor is None and env.get(ENV_EXECUTOR):
            executor, flag_exec = env[ENV_EXECUTOR], ENV_EXECUTOR
        if scheduler is None and env.get(ENV_SCHEDULER):
            scheduler, flag_sched = env[ENV_SCHEDULER], ENV_SCHEDULER
        if executor is None and scheduler is None and workers is None:
            return None
        if executor is None:
            kind = ExecutorKind.DASK if scheduler is not None else ExecutorKind.PROCESSES
        else:
            try:
                kind = ExecutorKind(executor.strip().lower())
            except ValueError:
                names = ", ".join(k.value for k in ExecutorKind)
                raise ConfigError(f"{flag_exec}: unknown executor {executor[:40]!r} "
                                  f"(one of {names})") from None
        if scheduler is not None:
            scheduler = scheduler.strip()
            if "://" not in scheduler:
                scheduler = f"tcp://{scheduler}"
            proto, _, rest = scheduler.partition("://")
            if proto not in {"tcp", "tls", "ws", "wss", "inproc"} or not rest:
                raise ConfigError(f"{flag_sched}: {scheduler[:80]!r} is not a scheduler "
                                  "address (tcp://HOST:PORT)")
            if kind is not ExecutorKind.DASK:
                raise ConfigError(f"{flag_sched} needs --executor dask (got {kind.value})")
        return cls(kind=kind, workers=workers, scheduler=scheduler)

    def describe(self) -> str:
        """In words, e.g. ``dask (LocalCluster, 2 workers)``."""
        if self.kind is ExecutorKind.DASK:
            where = self.scheduler or "LocalCluster"
            n = "" if self.scheduler or self.workers is None else f", {self.workers} workers"
            return f"dask ({where}{n})"
        if self.kind is ExecutorKind.SERIAL:
            return "serial"
        return f"{self.kind.value} ({self.workers or 'every CPU'})"


@contextmanager
def open_executor(
    spec: ExecutorSpec | None, default: Executor | None = None, *, preload: Sequence[str] = ()
) -> Iterator[Executor]:
    """The executor ``spec`` names, started; stopped (cluster and client closed) on exit.

    Parameters
    ----------
    spec
        The choice (``None``: ``default``).
    default
        What to use when ``spec`` is ``None`` (default :class:`SerialExecutor`).
    preload
        Modules a Dask worker imports when it starts (the jobs' own modules).

    Raises
    ------
    ConfigError
        ``dask`` chosen but not installed, or its scheduler unreachable (one line naming
        the address).
    """
    if spec is None:
        yield default if default is not None else SerialExecutor()
        return
    if spec.kind is ExecutorKind.SERIAL:
        yield SerialExecutor()
    elif spec.kind is ExecutorKind.THREADS:
        yield ThreadExecutor(spec.workers)
    elif spec.kind is ExecutorKind.PROCESSES:
        yield ProcessExecutor(spec.workers)
    else:
        try:
            from rebal.executor.dask import DaskExecutor
        except ImportError as exc:
            raise ConfigError(
                "--executor dask needs Dask distributed: pip install 'rebal[dask]' "
                f"({exc.name or exc} is missing)") from None
        with DaskExecutor.start(scheduler=spec.scheduler, workers=spec.workers,
                                 preload=preload) as ex:
            yield ex


def parallel_width(spec: ExecutorSpec, executor: Executor) -> int:
    """How many jobs ``executor`` (opened from ``spec``) runs at once: its workers, the
    connected Dask workers, or every CPU."""
    if spec.kind is ExecutorKind.SERIAL:
        return 1
    if spec.workers is not None:
        return spec.workers
    n = getattr(executor, "n_workers", None)
    return int(n) if n else cpu_count()
