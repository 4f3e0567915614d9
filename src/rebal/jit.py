"""numba's ``njit(cache=True)``, loading from the on-disk cache without the registry refresh.

When a cached function is first called, numba's cache loader calls
``target_context.refresh()`` before it reads the file: that imports and installs every
typing and lowering registry numba has (``numba.typed``, ``jitclass``, ``np.linalg``,
random generators, …) — about 0.3–0.6 s of a ``rebal backtest`` process, for nothing:
rebuilding a cached function needs only numba's runtime (NRT) and the object code.

:func:`njit_cached` is ``njit(cache=True, **options)`` with :class:`LeanLoadCache`:

- a cache hit initialises the runtime and loads the object code, registries untouched;
- a miss (first run, or sources changed) loads the registries (:func:`load_registries`)
  and returns nothing: numba then compiles, and its compiler refreshes the contexts
  itself, exactly as with plain ``njit(cache=True)``;
- a load that fails for any other reason is retried the plain way (refresh, then load).

If numba's cache classes ever lack what this relies on, :func:`njit_cached` is plain
``njit(cache=True)``. The compiled code is the same either way (same cache files).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from numba import njit
from numba.core.caching import FunctionCache

__all__ = ["LeanLoadCache", "load_registries", "njit_cached"]


@contextmanager
def _blas_probe_hidden() -> Iterator[None]:
    """Inside: importing ``scipy.linalg`` raises ImportError, unless scipy.linalg or
    ``numba.np.arraymath`` is already loaded (then nothing changes).

    ``numba.np.arraymath`` probes for BLAS by importing ``scipy.linalg`` when it is first
    imported (about 0.1–0.5 s, most of it scipy's own test helpers); numba's registry
    refresh imports it, and so does a cache load of a function whose code used one of
    its implementations (``np.iinfo``, ``np.sort``, …). The probe only picks the inner
    product of ``np.convolve`` / ``np.correlate``, which no rebal kernel uses; functions
    that need BLAS (``np.dot``, ``np.linalg``) import scipy themselves when they are
    compiled. (Other numba code compiled later in the same process gets numba's
    plain-loop inner product for ``np.convolve`` / ``np.correlate`` instead of BLAS's:
    the same sums, possibly in another order.)
    """
    if "numba.np.arraymath" in sys.modules or "scipy.linalg" in sys.modules:
        yield
        return
    sys.modules["scipy.linalg"] = None  # type: ignore[assignment]  # its import raises
    try:
        yield
    finally:
        if sys.modules.get("scipy.linalg", 0) is None:
            del sys.modules["scipy.linalg"]


def load_registries() -> None:
    """Import numba's array registries, without its BLAS probe (see
    :func:`_blas_probe_hidden`)."""
    with _blas_probe_hidden():
        import numba.np.arraymath  # noqa: F401


class LeanLoadCache(FunctionCache):  # type: ignore[misc]  # numba is untyped
    """numba's per-function cache (``njit(cache=True)``'s), without the context refresh
    on a load (see the module docstring)."""

    def load_overload(self, sig: Any, target_context: Any) -> Any:
        """The cached compile result of ``sig``, or None (numba then compiles)."""
        from numba.core.runtime import rtsys

        rtsys.initialize(target_context)  # the runtime the object code links against
        try:
            with _blas_probe_hidden():
                data = self._load_overload(sig, target_context)
        except Exception:  # noqa: BLE001 - anything: numba's own way decides
            return super().load_overload(sig, target_context)
        if data is None:
            load_registries()  # numba compiles next (and refreshes its contexts)
        return data


def _lean_cache_works() -> bool:
    """Whether numba's cache has the two methods :class:`LeanLoadCache` relies on."""
    return callable(getattr(FunctionCache, "_load_overload", None)) and callable(
        getattr(FunctionCache, "load_overload", None)
    )


def njit_cached(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """``numba.njit(cache=True, **options)`` as a decorator, loading cache hits through
    :class:`LeanLoadCache`."""

    def decorate(func: Callable[..., Any]) -> Any:
        if not _lean_cache_works():
            return njit(cache=True, **options)(func)
        dispatcher = njit(**options)(func)
        dispatcher._cache = LeanLoadCache(func)  # what cache=True does, with numba's class
        return dispatcher

    return decorate
