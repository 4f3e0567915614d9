"""Jobs of a batch that may fail one by one: :func:`settle` and :class:`JobOutcome`.

In a batch of households one bad file must not stop the others. ``settle(fn)`` wraps a
job function so that it never raises: it returns a :class:`JobOutcome` holding either
the result or the error's one-line message and type. The wrapper is a module-level
class, so it pickles for local processes and Dask workers alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

__all__ = ["JobOutcome", "settle"]

J = TypeVar("J")
R = TypeVar("R")

_MAX_MESSAGE = 300
"""Characters of an error message kept in an outcome (a batch summary stays readable)."""


@dataclass(frozen=True, slots=True)
class JobOutcome(Generic[R]):
    """How one job ended.

    Attributes
    ----------
    ok
        Whether the job returned.
    value
        Its result (``None`` when it failed).
    error
        The error's one-line message (``None`` when it returned).
    error_type
        The error's class name, e.g. ``InputError``; ``RebalError`` subclasses are the
        user's input, anything else is a bug worth reporting.
    seconds
        Wall time of the job on its worker (s).
    """

    ok: bool
    value: R | None
    error: str | None = None
    error_type: str | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """Status, error and time (the value is the caller's to render)."""
        return {"status": "ok" if self.ok else "failed", "error": self.error,
                "error_type": self.error_type, "seconds": self.seconds}


@dataclass(frozen=True, slots=True)
class _Settled(Generic[J, R]):
    fn: Callable[[J], R]

    def __call__(self, job: J) -> JobOutcome[R]:
        t0 = time.perf_counter()
        try:
            value = self.fn(job)
        except Exception as exc:  # a batch records every failure and goes on
            message = " ".join(str(exc).split()) or type(exc).__name__
            if len(message) > _MAX_MESSAGE:
                message = message[: _MAX_MESSAGE - 1] + "…"
            return JobOutcome(False, None, message, type(exc).__name__,
                              time.perf_counter() - t0)
        return JobOutcome(True, value, seconds=time.perf_counter() - t0)


def settle(fn: Callable[[J], R]) -> Callable[[J], JobOutcome[R]]:
    """``fn`` made total: each call returns a :class:`JobOutcome` instead of raising.

    ``KeyboardInterrupt`` and ``SystemExit`` still propagate (they are not
    :class:`Exception`).
    """
    return _Settled(fn)
