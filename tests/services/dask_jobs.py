"""Module-level job functions for the Dask executor tests (workers import them by name)."""

from __future__ import annotations

import time


def slow_square(x: int) -> int:
    """``x * x`` after 0.15 s (long enough for a worker to be killed mid-batch)."""
    time.sleep(0.15)
    return x * x
