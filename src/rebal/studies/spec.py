"""The study file's schema: pydantic models of its sections (no data loaded here).

A :class:`StudySpec` is what a study file says, validated field by field and
serialisable (``spec.model_dump(mode="json")``); :mod:`rebal.studies.load` turns it
into a :class:`rebal.studies.load.Study` with its data. The file format is described
in :mod:`rebal.studies` (the package docstring).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rebal.errors import InputError
from rebal.policy.registry import error_text, field_path

__all__ = [
    "AccountSpec",
    "AuxSpec",
    "CostsSpec",
    "DataSpec",
    "FlowsSpec",
    "HarvestSpec",
    "PeriodSpec",
    "RatesSpec",
    "StudySpec",
    "TaxSpec",
    "apply_overrides",
    "parse_study_spec",
    "read_study_file",
    "read_yaml_file",
    "set_dotted",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AuxSpec(_Model):
    """``data.aux.<name>``: an extra series (VIX …) read from a file's column."""

    path: str
    column: str
    date_column: str | None = None


class DataSpec(_Model):
    """``data:``: prices (a file or a dataset name), assets, span and aux series."""

    prices: str
    assets: list[str] | None = None
    risk_free: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    warmup_from: dt.date | None = None
    aux: dict[str, AuxSpec] = {}
    kind: Literal["prices", "returns"] = "prices"
    sep: str | None = None
    date_column: str | None = None
    base_currency: str = "USD"
    currencies: dict[str, str] = {}
    fx: str | None = None


class CostsSpec(_Model):
    """``costs:`` (basis points, dollars; ``fx_bps``: the FX conversion added to every trade
    of a column in another currency than ``data.base_currency``)."""

    bps: Annotated[float, Field(ge=0, le=1000)] = 0.0
    fx_bps: Annotated[float, Field(ge=0, le=1000)] = 0.0
    per_asset_bps: dict[str, Annotated[float, Field(ge=0, le=1000)]] = {}
    fixed_usd: Annotated[float, Field(ge=0)] = 0.0
    min_trade_usd: Annotated[float, Field(ge=0)] = 0.0


class FlowsSpec(_Model):
    """``cash_flows:`` (dollars a period, and dated amounts)."""

    amount_usd: float = 0.0
    frequency: str | None = None
    dated: dict[str, float] = {}


class PeriodSpec(_Model):
    """``periods.<name>``: a sub-period, both ends inclusive."""

    start: dt.date
    end: dt.date


Fraction = Annotated[float, Field(ge=0, lt=1)]


class RatesSpec(_Model):
    """``tax.rates:``: flat rates (fractions) or brackets."""

    kind: Literal["flat", "brackets"] = "flat"
    st: Fraction | None = None
    lt: Fraction | None = None
    state: Fraction = 0.0
    filing_status: str = "single"
    ordinary_income: float | None = None
    table_year: int | Literal["nearest"] = "nearest"


class AccountSpec(_Model):
    """``tax.accounts[i]``: a simulated account."""

    id: str
    type: str = "taxable"
    initial_usd: Annotated[float, Field(gt=0)]
    target: dict[str, float] | None = None


class TaxSpec(_Model):
    """``tax:``: every policy also run after tax."""

    rates: RatesSpec
    lot_method: str = "hifo"
    pay_date: str = "01-01"
    dividend_yield: dict[str, Annotated[float, Field(ge=0, lt=0.5)]] = {}
    dividend_frequency: str = "quarterly"
    wash_groups: dict[str, str] = {}
    accounts: list[AccountSpec] | None = Field(default=None, min_length=1)


class HarvestSpec(_Model):
    """``harvest:``: loss harvesting into substitutes (needs ``tax:``)."""

    substitutes: dict[str, str] = Field(min_length=1)
    min_loss_pct: Fraction = 0.05
    min_loss_usd: Annotated[float, Field(ge=0)] = 1_000.0
    swap_back: bool = True


class DynamicHedgeSpec(_Model):
    """``hedge.dynamic:``: the ratio scaled by FX volatility (``docs/currency.md``)."""

    floor: float = 0.0
    cap: float = 1.0
    window: int = 21
    long_run: Literal["expanding", "trailing"] = "expanding"
    long_run_window: int = 252


class HedgeStudySpec(_Model):
    """``hedge:``: forwards over every policy's foreign exposures (``docs/currency.md``);
    ``cost_bps`` defaults to ``costs.fx_bps``; ``rates`` a short-rates file for carry."""

    ratio: float | dict[str, float] = 1.0
    band: float = 0.05
    exposures: dict[str, dict[str, float]] = {}
    roll: str = "monthly"
    check: str = "daily"
    cost_bps: float | None = None
    dynamic: DynamicHedgeSpec | None = None
    rates: str | None = None


class StudySpec(_Model):
    """A whole study file, validated (paths still as written, relative to the file)."""

    title: str
    description: str = ""
    data: DataSpec
    target: dict[str, float]
    initial_usd: Annotated[float, Field(gt=0)] = 1_000_000.0
    costs: CostsSpec = CostsSpec()
    cash_flows: FlowsSpec | None = None
    policies: dict[str, Any] = Field(min_length=1)
    periods: dict[str, PeriodSpec] = {}
    columns: list[str] | None = None
    tax: TaxSpec | None = None
    harvest: HarvestSpec | None = None
    hedge: HedgeStudySpec | None = None


def read_yaml_file(path: str | os.PathLike[str], *, cannot_read: str = "cannot read") -> Any:
    """The parsed content of a YAML file; :class:`InputError` naming the file when it
    cannot be read (``"{cannot_read}: {reason}"``) or is not valid YAML, or when it nests
    too deeply, expands aliases beyond a limit or repeats a key
    (:mod:`rebal.data.yamlfile`)."""
    from rebal.data.yamlfile import read_yaml

    return read_yaml(path, cannot_read=cannot_read)


def read_study_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The mapping of a study file (YAML); :class:`InputError` naming the file otherwise."""
    file = Path(path)
    raw = read_yaml_file(file, cannot_read="cannot read the study file")
    if not isinstance(raw, dict):
        raise InputError("a study file must be a mapping (title, data, target, policies …)",
                         file=str(file))
    return raw


def set_dotted(mapping: dict[str, Any], dotted: str, value: Any) -> None:
    """``mapping["a"]["b"] = value`` for ``dotted="a.b"``, making missing levels."""
    node = mapping
    keys = dotted.split(".")
    for key in keys[:-1]:
        nxt = node.get(key)
        if not isinstance(nxt, dict):
            nxt = {}
            node[key] = nxt
        node = nxt
    node[keys[-1]] = value


def apply_overrides(raw: dict[str, Any], overrides: Mapping[str, Any]) -> None:
    """Replace dotted keys of ``raw`` in place (``{"data.prices": "x.csv"}``); a value
    naming an existing path becomes absolute (it is relative to the working directory)."""
    for dotted, value in overrides.items():
        if isinstance(value, (str, os.PathLike)) and Path(os.fspath(value)).exists():
            value = str(Path(os.fspath(value)).resolve())
        set_dotted(raw, str(dotted), value)


def parse_study_spec(
    raw: Mapping[str, Any], *, file: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> StudySpec:
    """Validate a parsed study mapping (after ``overrides``); :class:`InputError` naming
    ``file`` and the field path on the first bad field."""
    data = copy.deepcopy(dict(raw))
    if overrides:
        apply_overrides(data, overrides)
    try:
        return StudySpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(error_text(err), file=file,
                         row=field_path(err["loc"]).lstrip(".")) from None
