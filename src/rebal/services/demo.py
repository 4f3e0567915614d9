"""Service ``demo``: the main job on the shipped data, start to finish (a comparison of
the core policies and the example household's plan, each with its HTML report)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rebal.errors import ConfigError

if TYPE_CHECKING:
    from rebal.services.compare import CompareRun
    from rebal.services.plan import PlanRun

__all__ = ["DEMO_HOUSEHOLD", "DEMO_STUDY", "DemoRequest", "DemoRun", "demo"]

DEMO_INPUTS = Path(__file__).resolve().parent / "demo_inputs"
"""The demo's inputs, shipped inside the package (so ``rebal demo`` works after a plain
``pip install``); copies of ``examples/studies/default_core.yaml`` and
``examples/households/article_client.yaml`` (a test keeps them equal)."""
DEMO_STUDY = DEMO_INPUTS / "default_core.yaml"
DEMO_HOUSEHOLD = DEMO_INPUTS / "article_client.yaml"


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoRequest:
    """The folder the two reports go to (created if missing)."""

    out: str = "rebal-demo"


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class DemoRun:
    """The comparison (its report in ``compare.report``) and the plan (``plan.report``)."""

    compare: CompareRun
    plan: PlanRun


def demo(request: DemoRequest, *, progress: Callable[[int, int], None] | None = None) -> DemoRun:
    """Compare the core policies on the shipped data and plan the example household,
    writing ``compare.html`` and ``plan.html`` into ``request.out``."""
    from rebal.services.compare import CompareRequest, compare
    from rebal.services.plan import PlanRequest, plan

    for needed in (DEMO_STUDY, DEMO_HOUSEHOLD):
        if not needed.is_file():
            raise ConfigError(f"the demo needs {needed}, missing from this installation of "
                              "rebal (reinstall it)")
    from rebal.services.outputs import check_output_dir, check_outputs

    out = check_output_dir("--out", request.out)
    check_outputs({"--out": out / "compare.html", "--out ": out / "plan.html"}
                  if out.is_dir() else {})
    out.mkdir(parents=True, exist_ok=True)
    compared = compare(CompareRequest(study=str(DEMO_STUDY), report=str(out / "compare.html")),
                       progress=progress)
    planned = plan(PlanRequest(household=str(DEMO_HOUSEHOLD), report=str(out / "plan.html")))
    return DemoRun(compare=compared, plan=planned)
