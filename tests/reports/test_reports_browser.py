"""End to end: open the reports in headless Chromium, check every chart rendered.

Needs Debian's ``chromium`` (``apt-get install -y chromium``); skipped with the
reason when no binary is found. Screenshots are saved under the test's tmp dir.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from rebal.reports import compare_report, meta_from_results, plan_report

CHROMIUM = next((p for p in (os.environ.get("REBAL_CHROMIUM"), shutil.which("chromium"),
                             shutil.which("chromium-browser"), shutil.which("google-chrome"))
                 if p), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium binary (install it with: apt-get update && apt-get install -y chromium)",
)


class _PlotCheck(HTMLParser):
    """Per plotly graph div: whether a ``<svg class="main-svg">`` rendered inside it."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []  # plot id on the element that opened a plot div
        self.current: str | None = None
        self.rendered: dict[str, bool] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "div" and "plotly-graph-div" in classes:
            self.current = a.get("id") or f"plot{len(self.rendered)}"
            self.rendered[self.current] = False
            self.stack.append(self.current)
        else:
            self.stack.append(None)
        if tag == "svg" and "main-svg" in classes and self.current is not None:
            self.rendered[self.current] = True

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if not self.stack:
            return
        if self.stack.pop() is not None:
            self.current = next((s for s in reversed(self.stack) if s is not None), None)


def _open(page: Path, tmp: Path, height: int) -> tuple[str, str, Path]:
    shot = tmp / f"{page.stem}.png"
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={tmp / ('profile-' + page.stem)}",
        "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000",
        f"--window-size=1400,{height}", f"--screenshot={shot}", "--dump-dom",
        page.resolve().as_uri(),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, done.stderr, shot


def _check(dom: str, log: str, shot: Path, n_plots: int) -> None:
    errors = [line for line in log.splitlines() if "Uncaught" in line or
              ("CONSOLE" in line and "error" in line.lower())]
    assert not errors, errors
    check = _PlotCheck()
    check.feed(dom)
    assert len(check.rendered) == n_plots, check.rendered
    missing = [k for k, ok in check.rendered.items() if not ok]
    assert not missing, f"charts without plotly's rendered svg: {missing}"
    assert shot.exists() and shot.stat().st_size > 50_000


def test_compare_report_renders(tmp_path, results, policies, costs):
    page = compare_report(results, tmp_path / "compare.html", policies=policies,
                          meta=meta_from_results(results, costs=costs))
    assert page.stat().st_size < 8_000_000
    dom, log, shot = _open(page, tmp_path, 5600)
    _check(dom, log, shot, n_plots=6)


def test_plan_report_renders(tmp_path):
    from rebal.household.io import load_household
    from rebal.planner import plan

    root = Path(__file__).resolve().parents[2]
    household = load_household(root / "examples" / "households" / "article_client.yaml")
    page = plan_report(plan(household), tmp_path / "plan.html")
    dom, log, shot = _open(page, tmp_path, 4200)
    _check(dom, log, shot, n_plots=3)


def test_simulation_report_renders(tmp_path):
    from rebal.reports.simulation import simulation_report
    from rebal.simulation import SimSettings, load_sim_prices, load_simulation, simulate

    root = Path(__file__).resolve().parents[2]
    spec = load_simulation(root / "examples" / "households" / "article_client_sim_default.yaml")
    px = load_sim_prices(spec, "default", end=spec.start.replace(year=spec.start.year + 1))
    result = simulate(spec, px, SimSettings(every="quarter"),
                      ("planner", "naive", "buy-and-hold"), n_bootstrap=50)
    page = simulation_report(result, tmp_path / "simulation.html")
    dom, log, shot = _open(page, tmp_path, 4200)
    _check(dom, log, shot, n_plots=4)
