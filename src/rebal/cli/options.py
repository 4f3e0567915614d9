"""Parsing of CLI option text into API values (strings become numbers/enums once, here)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rebal.errors import ConfigError

if TYPE_CHECKING:
    from rebal.services.executor import ExecutorSpec

ReportOption = Annotated[Path | None, typer.Option(help="Also write a self-contained HTML report here.")]
"""``--report PATH`` of the study commands (``compare``, ``sweep``)."""


def parse_target(text: str, *, option: str = "--target") -> dict[str, float]:
    """``"SPY=0.6,IEF=0.4"`` → ``{"SPY": 0.6, "IEF": 0.4}`` (fractions).

    Percent forms such as ``SPY=60%`` are accepted and divided by 100. The sum
    is checked later, against the data's assets, by the engine.
    """
    weights: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, raw = part.partition("=")
        name, raw = name.strip(), raw.strip()
        if not sep or not name or not raw:
            raise ConfigError(f"{option}: expected ASSET=WEIGHT, got {part!r} (e.g. SPY=0.6,IEF=0.4)")
        scale = 1.0
        if raw.endswith("%"):
            raw, scale = raw[:-1], 0.01
        try:
            value = float(raw) * scale
        except ValueError:
            raise ConfigError(f"{option}: weight of {name} is not a number: {raw!r}") from None
        if not math.isfinite(value):
            raise ConfigError(f"{option}: weight of {name} must be finite, got {raw!r}")
        if name in weights:
            raise ConfigError(f"{option}: {name} appears twice")
        weights[name] = value
    if not weights:
        raise ConfigError(f"{option}: no weights given (e.g. SPY=0.6,IEF=0.4)")
    return weights


def parse_currencies(items: list[str] | None, *, option: str = "--currency") -> dict[str, str]:
    """``["DAX=EUR", "NKY=JPY,FTSE=GBP"]`` → ``{"DAX": "EUR", "NKY": "JPY", "FTSE": "GBP"}``
    (codes are checked against the FX table later)."""
    out: dict[str, str] = {}
    for item in items or []:
        for part in (p.strip() for p in item.split(",")):
            if not part:
                continue
            name, sep, code = (x.strip() for x in part.partition("="))
            if not sep or not name or not code:
                raise ConfigError(f"{option}: expected COLUMN=CURRENCY, got {part!r} "
                                  "(e.g. DAX=EUR)")
            if name in out:
                raise ConfigError(f"{option}: {name} appears twice")
            out[name] = code.upper()
    return out


def parse_exposures(items: list[str] | None,
                    *, option: str = "--exposure") -> dict[str, dict[str, float]]:
    """``["EFA=EUR:0.45,JPY:0.30,GBP:0.25"]`` → ``{"EFA": {"EUR": 0.45, …}}`` (one
    column's look-through currency mix per item; weights as fractions or ``45%``)."""
    out: dict[str, dict[str, float]] = {}
    for item in items or []:
        name, sep, rest = (x.strip() for x in item.partition("="))
        if not sep or not name or not rest:
            raise ConfigError(f"{option}: expected COLUMN=CCY:WEIGHT,..., got {item!r} "
                              "(e.g. EFA=EUR:0.45,JPY:0.30,GBP:0.25)")
        if name in out:
            raise ConfigError(f"{option}: {name} appears twice")
        out[name] = {k.upper(): v for k, v in
                     parse_target(rest.replace(":", "="), option=f"{option} {name}").items()}
    return out


def parse_hedge(text: str | None, *, option: str = "--hedge") -> float | dict[str, float] | None:
    """``"0.5"`` → 0.5 (every foreign currency); ``"EUR=1,JPY=0.5"`` → per currency (the
    range [0, 1] is checked by the hedge itself)."""
    if text is None:
        return None
    if "=" in text:
        return {k.upper(): v for k, v in parse_target(text, option=option).items()}
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"{option}: expected a hedge ratio (e.g. 0.5) or CCY=RATIO,... "
                          f"(e.g. EUR=1,JPY=0.5), got {text!r}") from None


def parse_overrides(items: list[str] | None) -> dict[str, str]:
    """``--set`` items: ``["data.prices=x.csv"]`` → ``{"data.prices": "x.csv"}``."""
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set: expected KEY=VALUE (e.g. data.prices=prices.csv), got {item!r}")
        out[key.strip()] = value.strip()
    return out


ExecutorOption = Annotated[str | None, typer.Option(
    "--executor", help="Where the jobs run: serial, threads, processes or dask "
    "(default: $REBAL_EXECUTOR, else the command's own; docs/scale.md).")]
SchedulerOption = Annotated[str | None, typer.Option(
    "--scheduler", help="A Dask scheduler's address, tcp://HOST:8786 (implies --executor dask; "
    "default: $REBAL_SCHEDULER, else a LocalCluster on this machine).")]
WorkersOption = Annotated[int | None, typer.Option(
    "--workers", help="Threads, processes or LocalCluster workers (default: every CPU).")]


def parse_executor(
    executor: str | None, scheduler: str | None, workers: int | None
) -> ExecutorSpec | None:
    """``--executor/--scheduler/--workers`` (else ``REBAL_EXECUTOR``/``REBAL_SCHEDULER``)
    → the services' :class:`~rebal.services.executor.ExecutorSpec` (``None``: the
    command's default)."""
    from rebal.services.executor import ExecutorSpec

    return ExecutorSpec.parse(executor, scheduler, workers)
