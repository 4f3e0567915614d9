"""One registry of policy kinds behind both grammars.

Each :class:`~rebal.policy.kinds.PolicyKind` is registered here once, with

- its study-file grammar: a pydantic model validating ``{"kind": ..., fields}``
  whose ``build(name)`` constructs the :class:`Policy`
  (:func:`rebal.policy.policy_from_spec` reads it), named here and defined in
  :mod:`rebal.policy.spec_models` (imported on first use);
- its CLI short-form grammar: the ``key=value`` keys ``kind:key=value,…`` accepts
  and the spec field each one sets (:func:`rebal.policy.parse_policy` reads it);
- the spellings that name it (``buy-and-hold``, ``hold`` …).

``docs/policies.md`` lists every kind and field with units; fractions are
fractions (0.05 = 5 %), windows are rows (trading days for daily data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from rebal.errors import ConfigError, RebalError, shown
from rebal.policy.kinds import PolicyKind
from rebal.policy.policy import Policy

if TYPE_CHECKING:
    from rebal.policy.spec_models import SpecModel

__all__ = [
    "KINDS",
    "REGISTRY",
    "KindEntry",
    "ShortForm",
    "build_from_mapping",
    "entry_for",
    "error_text",
    "field_path",
]

VOL_SHORT_KEYS: Mapping[str, str] = MappingProxyType({
    "window": "window", "source": "source", "asset": "asset", "aux": "aux",
    "long_run": "long_run", "long_run_window": "long_run_window",
})
"""Short-form keys of a volatility estimator (nested under the spec's ``vol``/``vix``)."""

SCORE_WEIGHT_KEYS = ("drift", "vol", "corr", "time")
"""Short-form keys of the score's factor weights (nested under ``weights``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ShortForm:
    """A kind's CLI short-form grammar ``kind:key=value,…`` (besides ``to``/``scope``).

    Attributes
    ----------
    keys
        Short-form key → spec field.
    estimator_field
        The spec field (``"vol"``/``"vix"``) that takes :data:`VOL_SHORT_KEYS`, or
        ``None``.
    weights
        True when :data:`SCORE_WEIGHT_KEYS` are accepted (the score).
    assignments
        True when every token is ``ASSET=tier`` (tiers).
    """

    keys: Mapping[str, str] = field(default_factory=dict)
    estimator_field: str | None = None
    weights: bool = False
    assignments: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class KindEntry:
    """One registered policy kind: its study-file model and its short-form grammar.

    Attributes
    ----------
    kind
        The kind.
    model_name
        The name of the pydantic model of the study-file spec in
        :mod:`rebal.policy.spec_models` (:attr:`model`).
    short
        The generic short-form grammar, or ``None`` for the kinds whose short
        form is their own (``buy-and-hold``, a frequency name, ``band:…``).
    aliases
        Other spellings of the kind (normalised: lower case, ``_`` for ``-``).
    """

    kind: PolicyKind
    model_name: str
    short: ShortForm | None = None
    aliases: tuple[str, ...] = ()

    @property
    def model(self) -> type[SpecModel]:
        """The pydantic model of the study-file spec; ``model.build(name)`` → Policy."""
        from rebal.policy import spec_models

        model: type[SpecModel] = getattr(spec_models, self.model_name)
        return model


_ENTRIES = (
    KindEntry(kind=PolicyKind.BUY_AND_HOLD, model_name="BuyAndHoldSpec",
              aliases=("buyandhold", "buy_hold", "hold")),
    KindEntry(kind=PolicyKind.CALENDAR, model_name="CalendarSpec"),
    KindEntry(kind=PolicyKind.BAND, model_name="BandSpec"),
    KindEntry(kind=PolicyKind.VOL_BAND, model_name="VolBandSpec", short=ShortForm(
        keys={"base": "base_band", "floor": "floor", "cap": "cap", "check": "check"},
        estimator_field="vol")),
    KindEntry(kind=PolicyKind.VIX_TABLE, model_name="VixTableSpec", short=ShortForm(
        keys={"premium": "premium", "check": "check"}, estimator_field="vix")),
    KindEntry(kind=PolicyKind.ADAPTIVE, model_name="AdaptiveSpec", short=ShortForm(
        keys={"premium": "premium"}, estimator_field="vix")),
    KindEntry(kind=PolicyKind.CORRELATION, model_name="CorrelationSpec", short=ShortForm(
        keys={"window": "window"})),
    KindEntry(kind=PolicyKind.SCORE, model_name="ScoreSpec", short=ShortForm(
        keys={"band": "band", "threshold": "threshold", "horizon": "horizon",
              "corr_window": "corr_window", "corr_ref": "corr_ref", "check": "check"},
        estimator_field="vol", weights=True)),
    KindEntry(kind=PolicyKind.TIERS, model_name="TiersSpec", short=ShortForm(assignments=True)),
    KindEntry(kind=PolicyKind.EITHER, model_name="EitherSpec", short=ShortForm(
        keys={"calendar": "calendar", "abs": "abs", "rel": "rel", "band_check": "band_check"})),
    KindEntry(kind=PolicyKind.FACTOR_BAND, model_name="FactorBandSpec", short=ShortForm(
        keys={"file": "file", "table": "table", "factors": "factors", "on": "banded",
              "band": "band", "window": "window", "check": "check"})),
)
REGISTRY: Mapping[PolicyKind, KindEntry] = MappingProxyType({e.kind: e for e in _ENTRIES})
"""Every registered kind (all but :attr:`PolicyKind.CUSTOM`), in documentation order."""

KINDS: tuple[str, ...] = tuple(e.kind.value for e in _ENTRIES)
"""The ``kind`` values a spec may take."""

_LOOKUP: Mapping[str, KindEntry] = MappingProxyType(
    {name: e for e in _ENTRIES for name in (e.kind.value, *e.aliases)}
)


def entry_for(text: str) -> KindEntry | None:
    """The entry a kind's spelling names (``"vol-band"``, ``"Hold"`` …), or ``None``."""
    return _LOOKUP.get(str(text).strip().lower().replace("-", "_"))


def field_path(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as a field path: ``('vol', 'window')`` → ``.vol.window``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def error_text(err: Mapping[str, Any]) -> str:
    """One pydantic error as the end of a one-line message (``must be > 0, got -1``)."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = err.get("input")
    if kind == "greater_than":
        return f"must be > {ctx['gt']:g}, got {shown(got)}"
    if kind == "greater_than_equal":
        return f"must be >= {ctx['ge']:g}, got {shown(got)}"
    if kind == "less_than":
        return f"must be < {ctx['lt']:g}, got {shown(got)}"
    if kind == "less_than_equal":
        return f"must be <= {ctx['le']:g}, got {shown(got)}"
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {shown(got)}"
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"):
        return f"must be a number{' (whole)' if 'int' in kind else ''}, got {shown(got)}"
    return f"{err['msg']}, got {shown(got)}"


def build_from_mapping(spec: Mapping[str, Any], *, name: str, prefix: str) -> Policy:
    """A :class:`Policy` from a structured spec ``{"kind": …, fields}``.

    Parameters
    ----------
    spec
        The mapping; ``kind`` is one of :data:`KINDS` (or an alias).
    name
        The policy's display name.
    prefix
        Path prefix of error messages (``policies["Dynamic"]``).

    Raises
    ------
    ConfigError
        One line naming the field path, e.g.
        ``policies["Dynamic"].base_band must be > 0, got -0.01``.
    """
    raw_kind = spec.get("kind")
    if raw_kind is None:
        raise ConfigError(f"{prefix}.kind is required; choose one of {', '.join(KINDS)}")
    entry = entry_for(str(raw_kind))
    if entry is None:
        raise ConfigError(
            f"{prefix}.kind: unknown policy kind {raw_kind!r}; choose one of {', '.join(KINDS)}"
        )
    from pydantic import ValidationError

    try:
        parsed = entry.model.model_validate(dict(spec))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ConfigError(f"{prefix}{field_path(err['loc'])} {error_text(err)}") from None
    try:
        return parsed.build(name)
    except RebalError as exc:
        raise ConfigError(f"{prefix}: {exc}") from None
