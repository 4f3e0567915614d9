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
from rebal.policy.policy import Policy
from rebal.types import Frequency, Scope, Sizing

__all__ = ["parse_policy"]

_BAND_KEYS = ("abs", "rel", "check", "to", "scope")
_DYNAMIC = ("vol-band", "vix-table", "adaptive", "correlation", "score", "tiers", "either")
_KINDS = ("buy-and-hold", *(f.value for f in Frequency), "band:…", *_DYNAMIC)


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
    if kind_key in _DYNAMIC:
        return _parse_dynamic(kind_key, rest, raw, label)
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


_VOL_KEYS = {"window": "window", "source": "source", "asset": "asset", "aux": "aux",
             "long_run": "long_run", "long_run_window": "long_run_window"}
_TOP_KEYS: dict[str, dict[str, str]] = {
    "vol-band": {"base": "base_band", "floor": "floor", "cap": "cap", "check": "check"},
    "vix-table": {"premium": "premium", "check": "check"},
    "adaptive": {"premium": "premium"},
    "correlation": {"window": "window"},
    "score": {"band": "band", "threshold": "threshold", "horizon": "horizon",
              "corr_window": "corr_window", "corr_ref": "corr_ref", "check": "check"},
    "either": {"calendar": "calendar", "abs": "abs", "rel": "rel", "band_check": "band_check"},
}
_SCORE_WEIGHTS = ("drift", "vol", "corr", "time")


def _value(text: str) -> object:
    try:
        number = float(text)
    except ValueError:
        return text.lower() if text.lower() in {f.value for f in Frequency} else text
    return int(number) if number.is_integer() and "." not in text and "e" not in text else number


def _parse_dynamic(kind: str, rest: str, raw: str, label: str) -> Policy:
    from rebal.policy.spec import policy_from_spec

    spec: dict[str, object] = {"kind": kind.replace("-", "_")}
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
        if kind == "tiers":
            assign[key] = value.lower()
        elif lower == "to":
            spec["sizing"] = value.lower()
        elif lower == "scope":
            spec["scope"] = value.lower()
        elif kind == "score" and lower in _SCORE_WEIGHTS:
            weights[lower] = _value(value)
        elif lower in _TOP_KEYS.get(kind, {}):
            spec[_TOP_KEYS[kind][lower]] = _value(value)
        elif kind in ("vol-band", "vix-table", "adaptive", "score") and lower in _VOL_KEYS:
            vol[_VOL_KEYS[lower]] = value if lower in ("asset", "aux") else _value(value)
        else:
            keys = [*_TOP_KEYS.get(kind, {}), "to", "scope"]
            if kind in ("vol-band", "vix-table", "adaptive", "score"):
                keys += list(_VOL_KEYS)
            if kind == "score":
                keys += list(_SCORE_WEIGHTS)
            raise ConfigError(
                f"policy {raw!r}: unknown key {key!r}; choose from {_choices(keys)}"
            )
    if vol:
        if "source" not in vol and ("asset" in vol or "aux" in vol):
            vol["source"] = "asset" if "asset" in vol else "aux"
        spec["vix" if kind in ("vix-table", "adaptive") else "vol"] = vol
    if weights:
        spec["weights"] = weights
    if kind == "tiers":
        if not assign:
            raise ConfigError(
                f"policy {raw!r}: tiers needs ASSET=tier pairs (core, satellite, tactical)"
            )
        spec["assign"] = assign
    return policy_from_spec(spec, name=label, where=f"policy {raw!r}")
