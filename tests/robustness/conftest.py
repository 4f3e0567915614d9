"""Helpers of the robustness tests (issue 14): run the CLI in-process and capture it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from robust_helpers import Ran


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Ran]:
    """``cli("backtest", "--start", "x")`` → exit code, stdout, stderr (no traceback
    escapes: an exception other than ``SystemExit`` fails the test)."""
    from rebal.cli.main import main

    def run(*argv: str) -> Ran:
        try:
            main(list(argv))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run
