"""Shared checks of the robustness tests (issue 14)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Ran:
    code: int
    out: str
    err: str


def one_line_error(ran: Ran, *needles: str) -> None:
    """``ran`` ended in exit 2 with one ``error:`` line containing every needle."""
    assert ran.code == 2, (ran.code, ran.out[-500:], ran.err[-500:])
    lines = [ln for ln in ran.err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), ran.err[-1000:]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
