"""Browser tests of the HTML reports: pytest-playwright driving Debian's Chromium.

One browser per session (pytest-playwright's ``browser`` fixture, launched with
``executable_path=shutil.which("chromium")``); each report is generated and opened once
per module. Every test here is skipped, with the reason, when no chromium binary is
found (``apt-get install -y chromium``; ``.ci/run`` installs it). Screenshots are kept
under ``test-artifacts/browser/`` (ignored by git; ``REBAL_TEST_ARTIFACTS`` moves it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = next((p for p in (os.environ.get("REBAL_CHROMIUM"), shutil.which("chromium"),
                             shutil.which("chromium-browser")) if p), None)
ARTIFACTS = Path(os.environ.get("REBAL_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "browser"
INSPECT_JS = (Path(__file__).parent / "inspect.js").read_text(encoding="utf-8")
#: console message types that fail a test (plotly.js logs its warnings with console.trace)
BAD_CONSOLE = {"warning", "error", "trace", "assert"}


# the browser's launch arguments (Debian's chromium): tests/conftest.py


@dataclass
class OpenReport:
    """A report open in the browser: its page, the console messages and the chart summary."""

    name: str
    path: Path
    page: Any
    console: list[tuple[str, str]] = field(default_factory=list)

    def charts(self) -> list[dict[str, Any]]:
        """:file:`inspect.js`'s summary of every plotly chart, as now displayed."""
        return list(self.page.evaluate(INSPECT_JS))

    def chart(self, div_id: str) -> dict[str, Any]:
        found = [c for c in self.charts() if c["id"] == div_id]
        assert found, f"{self.name}: no chart {div_id!r}"
        return found[0]

    def bad_console(self) -> list[tuple[str, str]]:
        return [(t, m) for t, m in self.console if t in BAD_CONSOLE]

    def screenshot_path(self, suffix: str = "") -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        return ARTIFACTS / f"{self.name}{suffix}.png"

    def screenshot(self, suffix: str = "") -> Path:
        """A full-page screenshot, kept as a test artifact."""
        shot = self.screenshot_path(suffix)
        self.page.screenshot(path=str(shot), full_page=True)
        return shot


def open_report(browser: Any, name: str, path: Path, width: int = 1400) -> OpenReport:
    page = browser.new_page(viewport={"width": width, "height": 900})
    report = OpenReport(name=name, path=path, page=page)
    page.on("console", lambda m: report.console.append((m.type, m.text[:300])))
    page.on("pageerror", lambda e: report.console.append(("error", str(e)[:300])))
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.plotly-graph-div'))"
        ".every(d => d._fullLayout && d.querySelector('svg.main-svg'))", timeout=30_000)
    return report


@pytest.fixture(scope="module")
def opener(browser: Any) -> Iterator[Any]:
    """``opener(name, path, width=1400)``: open a report; pages close with the module."""
    pages: list[OpenReport] = []

    def _open(name: str, path: Path, width: int = 1400) -> OpenReport:
        r = open_report(browser, name, path, width)
        pages.append(r)
        return r

    yield _open
    for r in pages:
        r.page.close()
