"""Shared fixtures: run the real ``rebal`` entry point in-process and capture what a user sees."""

from __future__ import annotations

from collections.abc import Callable

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
