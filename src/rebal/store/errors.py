"""The store's error: a :class:`rebal.errors.RebalError`, so the CLI prints one line, exit 2."""

from __future__ import annotations

from rebal.errors import RebalError

__all__ = ["StoreError"]


class StoreError(RebalError):
    """The store cannot do what was asked (unknown household, wrong schema, busy, …)."""
