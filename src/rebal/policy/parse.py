"""Parse the command line's short policy forms into :class:`Policy` objects.

Forms::

    buy-and-hold
    daily | weekly | biweekly | monthly | quarterly | semiannual | annual
    band:abs=0.05
    band:rel=0.25
    band:abs=0.05,rel=0.25
    band:abs=0.05,rel=0.25,check=monthly,to=edge,scope=breached

Band keys: ``abs`` and ``rel`` (fractions, > 0), ``check`` (a frequency, default
daily), ``to`` (``target`` | ``edge`` | ``halfway``, default target), ``scope``
(``all`` | ``breached``, default all).
"""

from __future__ import annotations

import math

from rebal.errors import ConfigError
from rebal.policy.policy import Policy
from rebal.types import Frequency, Scope, Sizing

__all__ = ["parse_policy"]

_BAND_KEYS = ("abs", "rel", "check", "to", "scope")
_KINDS = ("buy-and-hold", *(f.value for f in Frequency), "band:…")


def _choices(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(values)


def _fraction(key: str, raw: str, text: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(
            f"policy {text!r}: {key}={raw!r} is not a number (give a fraction, e.g. 0.05)"
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"policy {text!r}: {key} must be > 0, got {raw}")
    return value


def parse_policy(text: str, *, name: str | None = None) -> Policy:
    """A :class:`Policy` from its short form; ``name`` defaults to ``text``.

    Raises :class:`ConfigError` naming the bad token and the valid choices.
    """
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"policy must be a non-empty string; choose one of {_choices(_KINDS)}")
    raw = text.strip()
    label = name or raw
    kind, _, rest = raw.partition(":")
    kind_key = kind.strip().lower().replace("_", "-")
    if kind_key in ("buy-and-hold", "buyandhold", "buy-hold", "hold"):
        if rest:
            raise ConfigError(f"policy {raw!r}: buy-and-hold takes no parameters")
        return Policy.buy_and_hold(name=label)
    freqs = {f.value: f for f in Frequency}
    if kind_key.replace("-", "") in freqs:
        if rest:
            raise ConfigError(f"policy {raw!r}: a calendar policy takes no parameters")
        return Policy.calendar(freqs[kind_key.replace("-", "")], name=label)
    if kind_key != "band":
        raise ConfigError(
            f"policy {raw!r}: unknown kind {kind.strip()!r}; choose one of {_choices(_KINDS)}"
        )
    if not rest.strip():
        raise ConfigError(f"policy {raw!r}: a band needs abs=… and/or rel=… (e.g. band:abs=0.05)")
    params: dict[str, str] = {}
    for token in rest.split(","):
        key, eq, value = token.partition("=")
        key = key.strip().lower()
        value = value.strip()
        if not eq or not key or not value:
            raise ConfigError(
                f"policy {raw!r}: bad token {token.strip()!r}; write key=value with keys "
                f"{_choices(_BAND_KEYS)}"
            )
        if key not in _BAND_KEYS:
            raise ConfigError(
                f"policy {raw!r}: unknown key {key!r}; choose from {_choices(_BAND_KEYS)}"
            )
        if key in params:
            raise ConfigError(f"policy {raw!r}: key {key!r} given twice")
        params[key] = value
    if "abs" not in params and "rel" not in params:
        raise ConfigError(f"policy {raw!r}: a band needs abs=… and/or rel=…")
    absolute = _fraction("abs", params["abs"], raw) if "abs" in params else None
    if absolute is not None and absolute >= 1:
        raise ConfigError(f"policy {raw!r}: abs must be a fraction < 1, got {params['abs']}")
    relative = _fraction("rel", params["rel"], raw) if "rel" in params else None
    check = Frequency.parse(params.get("check", "daily"), field=f"policy {raw!r}: check")
    sizing = Sizing.parse(params.get("to", "target"), field=f"policy {raw!r}: to")
    scope = Scope.parse(params.get("scope", "all"), field=f"policy {raw!r}: scope")
    return Policy.band(
        absolute=absolute,
        relative=relative,
        check=check,
        sizing=sizing,
        scope=scope,
        name=label,
    )
