"""The one breach rule: plain Python for Python callers, the same source compiled for
kernels (built lazily, so Python callers do not import numba)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from rebal.policy import breach


@pytest.mark.parametrize(("w", "t", "hw", "out"), [
    (0.55, 0.5, 0.05, False),  # on the edge: inside
    (0.55 + 2e-12, 0.5, 0.05, True),
    (0.45 - 2e-12, 0.5, 0.05, True),
    (0.5, 0.5, -1.0, True),  # negative half-width: always act
    (0.9, 0.5, np.inf, False),
])
def test_the_rule_and_its_compiled_form_agree(w, t, hw, out) -> None:
    from numba import njit

    @njit
    def in_a_kernel(w, t, hw):
        return breach.breaches(w, t, hw), breach.drift_breaches(abs(w - t), hw)

    assert breach.breach_rule(w, t, hw) is out
    assert breach.drift_breach_rule(abs(w - t), hw) is out
    assert in_a_kernel(w, t, hw) == (out, out)
    mask = breach.breached_mask(np.array([w, t]), np.array([t, t]), np.array([hw, hw]))
    assert list(mask) == [out, hw < 0]


def test_python_callers_do_not_import_numba() -> None:
    code = ("import sys, rebal.policy, rebal.household, rebal.planner.check; "
            "print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_unknown_attributes_still_raise() -> None:
    with pytest.raises(AttributeError):
        breach.no_such_rule  # noqa: B018
