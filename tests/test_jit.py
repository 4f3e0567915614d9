"""rebal.jit: ``njit_cached`` compiles on a cold cache, loads on a warm one without
numba's registries, and falls back to numba's own load when its lean load fails."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

MODULE = '''
import numpy as np

from rebal.jit import njit_cached


@njit_cached(error_model="numpy")
def kernel(x):
    out = np.empty(x.shape[0])
    flag = np.iinfo(np.int64).min < 0  # numba.np.arraymath's code: its module on load
    for i in range(x.shape[0]):
        out[i] = x[i] * 2.0 + flag
    return out
'''

RUN = '''
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import lean_kernel_mod as mod
out = mod.kernel(np.arange(5.0))
print(json.dumps({
    "out": out.tolist(),
    "hits": sum(mod.kernel.stats.cache_hits.values()),
    "misses": sum(mod.kernel.stats.cache_misses.values()),
    "loaded": [m for m in ("numba.typed.typeddict", "numba.experimental.jitclass.base",
                           "numba.np.random.generator_core", "scipy.linalg")
               if m in sys.modules],
}))
'''


def _run(folder: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", RUN, str(folder)], capture_output=True,
                          text=True, check=True, timeout=300)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_cold_cache_compiles_then_warm_cache_loads_without_registries(tmp_path: Path) -> None:
    (tmp_path / "lean_kernel_mod.py").write_text(MODULE)
    cold = _run(tmp_path)
    warm = _run(tmp_path)
    assert cold["out"] == [1.0, 3.0, 5.0, 7.0, 9.0]
    assert (cold["hits"], cold["misses"]) == (0, 1)
    assert warm["out"] == [1.0, 3.0, 5.0, 7.0, 9.0]
    assert (warm["hits"], warm["misses"]) == (1, 0)
    assert warm["loaded"] == []


def test_failed_lean_load_falls_back_to_numba_refresh_and_load(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from rebal.jit import LeanLoadCache, njit_cached

    @njit_cached()
    def plus_one(x):  # type: ignore[no-untyped-def]
        return x + 1.0

    plus_one(np.float64(1.0))  # compiled (or loaded) and saved in the cache
    again = njit_cached()(plus_one.py_func)
    cache = again._cache
    assert isinstance(cache, LeanLoadCache)
    calls: list[str] = []
    real = LeanLoadCache._load_overload

    def failing_once(self, sig, target_context):  # type: ignore[no-untyped-def]
        calls.append("load")
        if len(calls) == 1:
            raise RuntimeError("a load that needs the registries")
        return real(self, sig, target_context)

    refreshed: list[bool] = []
    monkeypatch.setattr(LeanLoadCache, "_load_overload", failing_once)
    target = again.targetctx
    real_refresh = type(target).refresh
    monkeypatch.setattr(type(target), "refresh",
                        lambda self: (refreshed.append(True), real_refresh(self))[1])
    assert again(np.float64(2.5)) == 3.5
    assert calls == ["load", "load"]
    assert refreshed
    assert sum(again.stats.cache_hits.values()) == 1
