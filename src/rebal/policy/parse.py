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

State-dependent kinds (each is the structured spec of :func:`policy_from_spec`
with the same defaults; ``docs/policies.md`` has every field)::

    vol-band[:base=0.05,floor=0.02,cap=0.15,window=21,source=portfolio|aux|asset,
             asset=SPY,aux=VIX,long_run=expanding|trailing,long_run_window=252,check=daily]
    vix-table[:source=aux|portfolio|asset,asset=…,aux=VIX,window=21,premium=0,check=daily]
    adaptive[:source=…,asset=…,aux=VIX,window=21,premium=0]
    correlation[:window=63]
    score[:band=0.05,threshold=100,horizon=252,drift=0.5,vol=0.2,corr=0.1,time=0.2]
    tiers:US_MKT=core,UST_INT=satellite
    either:calendar=quarterly,abs=0.05[,rel=0.25,band_check=daily]

All of them also take ``to`` and ``scope`` (except ``tiers``, whose sizing is per tier).
"""

from __future__ import annotations

import math

from rebal.errors import ConfigError
from rebal.policy.kinds import PolicyKind
from rebal.policy.policy import Policy
from rebal.policy.registry import (
    REGISTRY,
    SCORE_WEIGHT_KEYS,
    VOL_SHORT_KEYS,
    KindEntry,
    build_from_mapping,
    entry_for,
)
from rebal.types import Frequency, Scope, Sizing

__all__ = ["parse_policy"]

_BAND_KEYS = ("abs", "rel", "check", "to", "scope")


def _short_forms(entry: KindEntry) -> tuple[str, ...]:
    """How the kind appears in the list of valid short forms."""
    if entry.kind is PolicyKind.CALENDAR:
        return tuple(f.value for f in Frequency)
    if entry.kind is PolicyKind.BAND:
        return ("band:…",)
    return (entry.kind.short_name,)


_KINDS = tuple(form for entry in REGISTRY.values() for form in _short_forms(entry))


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
    entry = entry_for(kind_key)
    if entry is not None and entry.kind is PolicyKind.BUY_AND_HOLD:
        if rest:
            raise ConfigError(f"policy {raw!r}: buy-and-hold takes no parameters")
        return Policy.buy_and_hold(name=label)
    freqs = {f.value: f for f in Frequency}
    if kind_key.replace("-", "") in freqs:
        if rest:
            raise ConfigError(f"policy {raw!r}: a calendar policy takes no parameters")
        return Policy.calendar(freqs[kind_key.replace("-", "")], name=label)
    if entry is not None and entry.short is not None:
        return _parse_generic(entry, rest, raw, label)
    if entry is None or entry.kind is not PolicyKind.BAND:
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


def _value(text: str) -> object:
    try:
        number = float(text)
    except ValueError:
        return text.lower() if text.lower() in {f.value for f in Frequency} else text
    return int(number) if number.is_integer() and "." not in text and "e" not in text else number


def _parse_generic(entry: KindEntry, rest: str, raw: str, label: str) -> Policy:
    """``kind:key=value,…`` by the kind's registered :class:`ShortForm`, then its spec."""
    short = entry.short
    assert short is not None
    spec: dict[str, object] = {"kind": entry.kind.value}
    vol: dict[str, object] = {}
    weights: dict[str, object] = {}
    assign: dict[str, str] = {}
    seen: set[str] = set()
    for token in filter(None, (t.strip() for t in rest.split(","))):
        key, eq, value = token.partition("=")
        key, value = key.strip(), value.strip()
        if not eq or not key or not value:
            raise ConfigError(f"policy {raw!r}: bad token {token!r}; write key=value")
        if key in seen:
            raise ConfigError(f"policy {raw!r}: key {key!r} given twice")
        seen.add(key)
        lower = key.lower()
        if short.assignments:
            assign[key] = value.lower()
        elif lower == "to":
            spec["sizing"] = value.lower()
        elif lower == "scope":
            spec["scope"] = value.lower()
        elif short.weights and lower in SCORE_WEIGHT_KEYS:
            weights[lower] = _value(value)
        elif lower in short.keys:
            spec[short.keys[lower]] = _value(value)
        elif short.estimator_field is not None and lower in VOL_SHORT_KEYS:
            vol[VOL_SHORT_KEYS[lower]] = value if lower in ("asset", "aux") else _value(value)
        else:
            keys = [*short.keys, "to", "scope"]
            if short.estimator_field is not None:
                keys += list(VOL_SHORT_KEYS)
            if short.weights:
                keys += list(SCORE_WEIGHT_KEYS)
            raise ConfigError(
                f"policy {raw!r}: unknown key {key!r}; choose from {_choices(keys)}"
            )
    if vol and short.estimator_field is not None:
        if "source" not in vol and ("asset" in vol or "aux" in vol):
            vol["source"] = "asset" if "asset" in vol else "aux"
        spec[short.estimator_field] = vol
    if weights:
        spec["weights"] = weights
    if short.assignments:
        if not assign:
            raise ConfigError(
                f"policy {raw!r}: tiers needs ASSET=tier pairs (core, satellite, tactical)"
            )
        spec["assign"] = assign
    return build_from_mapping(spec, name=label, prefix=f"policy {raw!r}")
