"""The study-file grammar of each policy kind: one pydantic model per kind.

A model validates ``{"kind": ..., fields}`` and its ``build(name)`` constructs the
:class:`~rebal.policy.Policy`. :mod:`rebal.policy.registry` names each kind's model and
imports this module only when a spec is validated (a study file, or a CLI short form
such as ``vol-band:…``): building the models takes ~0.03–0.1 s of pydantic work that a
``monthly`` or ``band:…`` backtest does not need. ``docs/policies.md`` lists every kind
and field with units; fractions are fractions (0.05 = 5 %), windows are rows.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from rebal.errors import ConfigError
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


Fraction = Annotated[float, Field(gt=0, lt=1)]
Rows = Annotated[int, Field(ge=2)]
FreqName = Literal["daily", "weekly", "biweekly", "monthly", "quarterly", "semiannual", "annual"]
SizingName = Literal["target", "edge", "halfway"]
ScopeName = Literal["all", "breached"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SpecModel(_Model):
    """A kind's study-file spec: validated fields and ``build(name)`` → Policy."""

    kind: str

    def build(self, name: str) -> Policy:
        raise NotImplementedError


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


class BuyAndHoldSpec(SpecModel):

    def build(self, name: str) -> Policy:
        return Policy.buy_and_hold(name=name)


class CalendarSpec(SpecModel):
    frequency: FreqName

    def build(self, name: str) -> Policy:
        return Policy.calendar(self.frequency, name=name)


class BandSpec(SpecModel):
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


class VolBandSpec(SpecModel):
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


class VixTableSpec(SpecModel, _TableMixin):
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


class AdaptiveSpec(SpecModel, _TableMixin):
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


class CorrelationSpec(SpecModel, _TableMixin):
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


class ScoreSpec(SpecModel):
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


class TiersSpec(SpecModel):
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


class EitherSpec(SpecModel):
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


class FactorWidthSpec(_Model):
    absolute: Annotated[float, Field(gt=0)] | None = Field(default=None, alias="abs")
    relative: Annotated[float, Field(gt=0)] | None = Field(default=None, alias="rel")


def _names_of(value: str | list[str]) -> tuple[str, ...]:
    items = value.split("+") if isinstance(value, str) else value
    return tuple(s.strip() for s in items if s.strip())


class FactorBandSpec(SpecModel):
    """``factor_band``: rebalance when a factor's style drift leaves its band."""

    file: str | None = None
    loadings: dict[str, dict[str, float]] | None = None
    table: Literal["daily", "monthly", "annual"] | None = None
    factors: str | list[str] | None = None
    banded: str | list[str] = "HML"  # short form "on" (YAML reads a bare key on: as true)
    band: Annotated[float, Field(gt=0)] = 0.10
    bands: dict[str, FactorWidthSpec] | None = None
    window: Annotated[int, Field(ge=3)] = 36
    check: FreqName = "monthly"
    sizing: Literal["target"] = "target"

    def build(self, name: str) -> Policy:
        from rebal.data.french import read_french
        from rebal.datasets import resolve_factor_file
        from rebal.factors import FactorBand, FactorBands
        from rebal.policy.factor_band import FactorBandTrigger

        if self.bands is not None:
            bands = tuple(FactorBand(f, b.absolute, b.relative) for f, b in self.bands.items())
        else:
            bands = tuple(FactorBand(f, self.band) for f in _names_of(self.banded))
        if (self.file is None) == (self.loadings is None):
            raise ConfigError("give file (factor returns to estimate loadings from) or "
                              "loadings (stated per asset), one of them")
        table = None
        if self.file is not None:
            table = read_french(resolve_factor_file(self.file), table=self.table)
        rules = FactorBandTrigger(
            table=table, bands=FactorBands(bands), loadings=self.loadings,
            factors=None if self.factors is None else _names_of(self.factors),
            window=self.window, check=self.check,  # type: ignore[arg-type]
        )
        return DynamicPolicy(name=name, rules=rules)
