"""Structured policy specs (study files): ``policy_from_spec({"kind": "vol_band", ...})``.

The spec is validated by pydantic models at this edge; every error becomes one
:class:`ConfigError` line naming the field path, e.g.
``policies["Dynamic"].base_band must be > 0, got -0.01``. ``docs/policies.md``
lists every kind and field with units; fractions are fractions (0.05 = 5 %),
windows are rows (trading days for daily data).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rebal.errors import ConfigError, RebalError
from rebal.policy.combine import EitherFires
from rebal.policy.dynamic import DynamicPolicy
from rebal.policy.policy import Policy
from rebal.policy.regimes import (
    ADAPTIVE_TABLE,
    CORRELATION_TABLE,
    VIX_BAND_TABLE,
    AdaptiveFrequency,
    CorrelationRegime,
    RegimeRow,
    RegimeTable,
    VixTableBand,
)
from rebal.policy.score import ScoreTrigger
from rebal.policy.tiers import TIER_PRESETS, Tier, Tiers
from rebal.policy.volatility import VolEstimator, VolScaledBand
from rebal.types import Frequency, Scope, Sizing

__all__ = ["KINDS", "policy_from_spec"]

Fraction = Annotated[float, Field(gt=0, lt=1)]
Rows = Annotated[int, Field(ge=2)]
FreqName = Literal["daily", "weekly", "biweekly", "monthly", "quarterly", "semiannual", "annual"]
SizingName = Literal["target", "edge", "halfway"]
ScopeName = Literal["all", "breached"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class VolSpec(_Model):
    source: Literal["portfolio", "asset", "aux"] = "portfolio"
    asset: str | None = None
    aux: str = "VIX"
    window: Rows = 21
    long_run: Literal["expanding", "trailing"] = "expanding"
    long_run_window: Annotated[int, Field(ge=1)] = 252

    def build(self) -> VolEstimator:
        return VolEstimator(
            source=self.source, asset=self.asset, aux=self.aux,  # type: ignore[arg-type]
            window_rows=self.window, long_run=self.long_run,  # type: ignore[arg-type]
            long_run_rows=self.long_run_window,
        )


class VixSpec(VolSpec):
    """A VIX level: the aux series by default, else a VIX-equivalent realized vol."""

    source: Literal["portfolio", "asset", "aux"] = "aux"


class RowSpec(_Model):
    upto: float | None = None
    band: Fraction
    check: FreqName | None = None
    label: str = ""


class _TableMixin(_Model):
    table: list[RowSpec] | None = None
    closed: Literal["right", "left"] = "right"
    default_row: Annotated[int, Field(ge=0)] | None = None

    def build_table(self, preset: RegimeTable) -> RegimeTable:
        if self.table is None:
            rows = preset.rows
            default = preset.default_row if self.default_row is None else self.default_row
        else:
            rows = tuple(
                RegimeRow(
                    upto=math.inf if r.upto is None else r.upto,
                    band=r.band,
                    check=None if r.check is None else Frequency(r.check),
                    label=r.label,
                )
                for r in self.table
            )
            default = 0 if self.default_row is None else self.default_row
        return RegimeTable(rows=rows, closed=self.closed, default_row=default)  # type: ignore[arg-type]


class BuyAndHoldSpec(_Model):
    kind: str

    def build(self, name: str) -> Policy:
        return Policy.buy_and_hold(name=name)


class CalendarSpec(_Model):
    kind: str
    frequency: FreqName

    def build(self, name: str) -> Policy:
        return Policy.calendar(self.frequency, name=name)


class BandSpec(_Model):
    kind: str
    absolute: Fraction | None = Field(default=None, alias="abs")
    relative: Annotated[float, Field(gt=0)] | None = Field(default=None, alias="rel")
    check: FreqName = "daily"
    sizing: SizingName = "target"
    scope: ScopeName = "all"

    def build(self, name: str) -> Policy:
        if self.absolute is None and self.relative is None:
            raise ConfigError("abs is required (or rel, or both)")
        return Policy.band(
            absolute=self.absolute, relative=self.relative, check=self.check,
            sizing=self.sizing, scope=self.scope, name=name,
        )


class VolBandSpec(_Model):
    kind: str
    base_band: Fraction = 0.05
    floor: Fraction = 0.02
    cap: Fraction = 0.15
    vol: VolSpec = VolSpec()
    check: FreqName = "daily"
    sizing: SizingName = "target"
    scope: ScopeName = "all"

    def build(self, name: str) -> Policy:
        rules = VolScaledBand(
            base=self.base_band, floor=self.floor, cap=self.cap, vol=self.vol.build(),
            check=self.check, sizing=self.sizing, scope=self.scope,  # type: ignore[arg-type]
        )
        return DynamicPolicy(name=name, rules=rules)


class VixTableSpec(_TableMixin):
    kind: str
    vix: VixSpec = VixSpec()
    premium: float = 0.0
    check: FreqName = "daily"
    sizing: SizingName = "target"
    scope: ScopeName = "all"

    def build(self, name: str) -> Policy:
        rules = VixTableBand(
            table=self.build_table(VIX_BAND_TABLE), signal=self.vix.build(),
            premium=self.premium, check=self.check, sizing=self.sizing,  # type: ignore[arg-type]
            scope=self.scope,  # type: ignore[arg-type]
        )
        return DynamicPolicy(name=name, rules=rules)


class AdaptiveSpec(_TableMixin):
    kind: str
    vix: VixSpec = VixSpec()
    premium: float = 0.0
    sizing: SizingName = "target"
    scope: ScopeName = "all"

    def build(self, name: str) -> Policy:
        rules = AdaptiveFrequency(
            table=self.build_table(ADAPTIVE_TABLE), signal=self.vix.build(),
            premium=self.premium, sizing=self.sizing, scope=self.scope,  # type: ignore[arg-type]
        )
        return DynamicPolicy(name=name, rules=rules)


class CorrelationSpec(_TableMixin):
    kind: str
    window: Rows = 63
    sizing: SizingName = "target"
    scope: ScopeName = "all"

    def build(self, name: str) -> Policy:
        rules = CorrelationRegime(
            table=self.build_table(CORRELATION_TABLE), window_rows=self.window,
            sizing=self.sizing, scope=self.scope,  # type: ignore[arg-type]
        )
        return DynamicPolicy(name=name, rules=rules)


class WeightsSpec(_Model):
    drift: Annotated[float, Field(ge=0)] = 0.5
    vol: Annotated[float, Field(ge=0)] = 0.2
    corr: Annotated[float, Field(ge=0)] = 0.1
    time: Annotated[float, Field(ge=0)] = 0.2


class ScoreSpec(_Model):
    kind: str
    band: Fraction = 0.05
    weights: WeightsSpec = WeightsSpec()
    horizon: Annotated[float, Field(gt=0)] = 252.0
    threshold: Annotated[float, Field(gt=0)] = 100.0
    vol: VolSpec = VolSpec()
    corr_window: Rows = 63
    corr_ref: Annotated[float, Field(gt=0, le=1)] = 0.7
    check: FreqName = "daily"
    sizing: SizingName = "target"
    scope: ScopeName = "all"

    def build(self, name: str) -> Policy:
        w = self.weights
        rules = ScoreTrigger(
            band=self.band, w_drift=w.drift, w_vol=w.vol, w_corr=w.corr, w_time=w.time,
            horizon_rows=self.horizon, threshold=self.threshold, vol=self.vol.build(),
            corr_window=self.corr_window, corr_ref=self.corr_ref, check=self.check,  # type: ignore[arg-type]
            sizing=self.sizing, scope=self.scope,  # type: ignore[arg-type]
        )
        return DynamicPolicy(name=name, rules=rules)


class TierSpec(_Model):
    band: Fraction
    look: FreqName
    act: FreqName
    sizing: SizingName = "target"
    scope: ScopeName = "all"


class TiersSpec(_Model):
    kind: str
    assign: dict[str, str]
    tiers: dict[str, TierSpec] = {}

    def build(self, name: str) -> Policy:
        tiers = dict(TIER_PRESETS)
        for tier_name, t in self.tiers.items():
            tiers[tier_name] = Tier(
                name=tier_name, band=t.band, look=t.look, act=t.act,  # type: ignore[arg-type]
                sizing=t.sizing, scope=t.scope,  # type: ignore[arg-type]
            )
        return DynamicPolicy(name=name, rules=Tiers(assign=self.assign, tiers=tiers))


class EitherSpec(_Model):
    kind: str
    calendar: FreqName
    absolute: Fraction | None = Field(default=None, alias="abs")
    relative: Annotated[float, Field(gt=0)] | None = Field(default=None, alias="rel")
    band_check: FreqName = "daily"
    sizing: SizingName = "target"
    scope: ScopeName = "all"

    def build(self, name: str) -> Policy:
        if self.absolute is None and self.relative is None:
            raise ConfigError("abs is required (or rel, or both)")
        from rebal.policy.bands import AbsoluteBand, RelativeBand

        rules = EitherFires(
            calendar=Frequency(self.calendar),
            absolute=None if self.absolute is None else AbsoluteBand(self.absolute),
            relative=None if self.relative is None else RelativeBand(self.relative),
            band_check=Frequency(self.band_check), sizing=Sizing(self.sizing),
            scope=Scope(self.scope),
        )
        return DynamicPolicy(name=name, rules=rules)


_MODELS: dict[str, type[_Model]] = {
    "buy_and_hold": BuyAndHoldSpec,
    "calendar": CalendarSpec,
    "band": BandSpec,
    "vol_band": VolBandSpec,
    "vix_table": VixTableSpec,
    "adaptive": AdaptiveSpec,
    "correlation": CorrelationSpec,
    "score": ScoreSpec,
    "tiers": TiersSpec,
    "either": EitherSpec,
}
KINDS: tuple[str, ...] = tuple(_MODELS)
"""The ``kind`` values a spec may take."""


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _message(err: Mapping[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = err.get("input")
    if kind == "greater_than":
        return f"must be > {ctx['gt']:g}, got {got!r}"
    if kind == "greater_than_equal":
        return f"must be >= {ctx['ge']:g}, got {got!r}"
    if kind == "less_than":
        return f"must be < {ctx['lt']:g}, got {got!r}"
    if kind == "less_than_equal":
        return f"must be <= {ctx['le']:g}, got {got!r}"
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {got!r}"
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"):
        return f"must be a number{' (whole)' if 'int' in kind else ''}, got {got!r}"
    return f"{err['msg']}, got {got!r}"


def policy_from_spec(
    spec: Mapping[str, Any] | str, *, name: str, where: str | None = None
) -> Policy:
    """A :class:`Policy` from a study file's policy entry.

    Parameters
    ----------
    spec
        A mapping with ``kind`` (one of :data:`KINDS`) and the kind's fields, or
        a short-form string (:func:`rebal.policy.parse_policy`).
    name
        The policy's display name.
    where
        Path prefix for error messages (default ``policies["<name>"]``).

    Raises
    ------
    ConfigError
        One line naming the field path, e.g.
        ``policies["Dynamic"].base_band must be > 0, got -0.01``.
    """
    prefix = where if where is not None else f'policies["{name}"]'
    if isinstance(spec, str):
        from rebal.policy.parse import parse_policy

        try:
            return parse_policy(spec, name=name)
        except ConfigError as exc:
            raise ConfigError(f"{prefix}: {exc}") from None
    if not isinstance(spec, Mapping):
        raise ConfigError(
            f"{prefix} must be a short-form string or a mapping with a kind, got {spec!r}"
        )
    raw_kind = spec.get("kind")
    if raw_kind is None:
        raise ConfigError(f"{prefix}.kind is required; choose one of {', '.join(KINDS)}")
    kind = str(raw_kind).strip().lower().replace("-", "_")
    if kind in ("buyandhold", "hold", "buy_hold"):
        kind = "buy_and_hold"
    model = _MODELS.get(kind)
    if model is None:
        raise ConfigError(
            f"{prefix}.kind: unknown policy kind {raw_kind!r}; choose one of {', '.join(KINDS)}"
        )
    try:
        parsed = model.model_validate(dict(spec))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ConfigError(f"{prefix}{_loc(err['loc'])} {_message(err)}") from None
    try:
        return parsed.build(name)  # type: ignore[attr-defined,no-any-return]
    except RebalError as exc:
        raise ConfigError(f"{prefix}: {exc}") from None


# public names for other input schemas (study files) that report pydantic errors alike
field_path = _loc
field_message = _message
