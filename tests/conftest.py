"""Shared fixtures: run the real ``rebal`` entry point in-process and capture what a user sees."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from typing import Any

import pytest

from rebal.cli.main import main

Runner = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Runner:
    """``cli("backtest", "--json")`` → ``(exit status, stdout, stderr)``."""

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            main(list(argv))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


CHROMIUM = next((p for p in (os.environ.get("REBAL_CHROMIUM"), shutil.which("chromium"),
                             shutil.which("chromium-browser")) if p), None)
"""Debian's Chromium, which every browser test drives (``apt-get install -y chromium``)."""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch arguments: Debian's Chromium, one browser per session
    (the report tests and the web app's end-to-end test share it)."""
    if CHROMIUM is None:
        pytest.skip("no chromium binary: apt-get update && apt-get install -y chromium")
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]}
