"""Pydantic models of the household file (the input edge only).

These check each value on its own (types, signs, enum names, unknown keys);
:mod:`rebal.household.io` then checks the cross-references and builds the
frozen :class:`~rebal.household.model.Household`. Nothing outside ``io`` uses
these models. Field names are the file's keys; see ``docs/household.md``.
"""

from __future__ import annotations

import difflib
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from rebal.errors import ConfigError, shown
from rebal.household.model import TierName
from rebal.types import AccountType, FilingStatus, LotMethod, Owner, ParseEnum, Side

E = TypeVar("E", bound=ParseEnum)


def _enum(cls: type[E]) -> BeforeValidator:
    """Parse user text into ``cls`` (case/dash-insensitive), listing choices on error."""

    def parse(value: Any) -> Any:
        if isinstance(value, cls):
            return value
        if not isinstance(value, str):
            raise ValueError(_choices_msg(cls, value))
        try:
            return cls.parse(value)
        except ConfigError:
            raise ValueError(_choices_msg(cls, value)) from None

    return BeforeValidator(parse)


def _choices_msg(cls: type[ParseEnum], value: Any) -> str:
    return f"unknown value {shown(value)}; choose one of {', '.join(m.value for m in cls)}"


def _blank_to_none(value: Any) -> Any:
    """CSV cells and YAML ``~`` both mean "not given"."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    return value


NonNeg = Annotated[float, Field(ge=0)]
OptNonNeg = Annotated[NonNeg | None, BeforeValidator(_blank_to_none)]
OptDate = Annotated[date | None, BeforeValidator(_blank_to_none)]
OptStr = Annotated[str | None, BeforeValidator(_blank_to_none)]
Positive = Annotated[float, Field(gt=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]
Name = Annotated[str, Field(min_length=1)]


class _In(BaseModel):
    """Base of every input model: unknown keys are errors, with a suggestion."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = cls.__pydantic_fields__  # the class's fields (model_fields is slow here)
            unknown = [str(k) for k in data if k not in known]
            if unknown:
                parts = []
                for key in unknown:
                    close = difflib.get_close_matches(key, sorted(known), n=1)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    parts.append(f"{key!r}{hint}")
                raise ValueError(
                    f"unknown key {', '.join(parts)}; allowed keys: {', '.join(cls.model_fields)}"
                )
        return data


class GainsIn(_In):
    short_term: float = 0.0
    long_term: float = 0.0


class CarryforwardIn(_In):
    short_term: NonNeg = 0.0
    long_term: NonNeg = 0.0


class HarvestIn(_In):
    enabled: bool = True
    min_loss_usd: NonNeg = 1000.0
    min_loss_frac: Fraction = 0.05


class WashSaleIn(_In):
    avoid: bool = True
    include_spouse: bool = True
    include_tax_advantaged: bool = True


class HouseholdSectionIn(_In):
    name: str = ""
    filing_status: Annotated[FilingStatus, _enum(FilingStatus)]
    tax_year: int | None = None
    ordinary_income_usd: NonNeg = 0.0
    investment_income_usd: NonNeg = 0.0
    qualified_dividends_usd: NonNeg = 0.0
    # A flat state rate above 25 % is almost surely a percent typed as a number.
    state_rate: Annotated[float, Field(ge=0, le=0.25)] = 0.0
    loss_carryforward_usd: CarryforwardIn = CarryforwardIn()
    realized_this_year_usd: GainsIn = GainsIn()
    harvest: HarvestIn = HarvestIn()
    realize_zero_bracket_gains: bool = False
    hold_for_step_up: list[Name] = []
    wash_sale: WashSaleIn = WashSaleIn()
    base_currency: Name = "USD"
    fx_file: Name | None = None
    fx_rates_usd: dict[Name, Positive] = {}
    fx_cost_bps: NonNeg = 0.0


class AccountIn(_In):
    id: Name
    type: Annotated[AccountType, _enum(AccountType)]
    name: str = ""
    owner: Annotated[Owner, _enum(Owner)] = Owner.SELF
    cash_usd: NonNeg = 0.0
    min_cash_usd: NonNeg = 0.0
    pending_flow_usd: float = 0.0
    whole_shares: bool = True
    lot_method: Annotated[LotMethod, _enum(LotMethod)] = LotMethod.FIFO
    min_trade_usd: OptNonNeg = None
    fx_cost_bps: OptNonNeg = None


class ForeignTaxIn(BaseModel):
    """``foreign_tax: {yield: 0.03, share: 0.08}`` (``yield`` is a Python keyword)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False,
                              populate_by_name=True)
    preset: Name | None = None
    # A yield above 20 % is almost surely a percent typed as a number.
    yield_: Annotated[float | None, Field(ge=0, le=0.2, alias="yield")] = None
    share: Fraction | None = None


def _preset(value: Any) -> Any:
    """``foreign_tax: developed_ex_us`` is short for ``{preset: developed_ex_us}``."""
    return {"preset": value} if isinstance(value, str) else value


class SecurityIn(_In):
    symbol: Name
    # Optional here so that a missing price gets its own message in io.
    price_usd: Annotated[float | None, Field(gt=0)] = None
    asset_class: Name | None = None
    look_through: dict[Name, Annotated[float, Field(gt=0, le=1)]] | None = None
    wash_group: Name | None = None
    substitutes: list[Name] = []
    tradable: bool = True
    cost_bps: NonNeg = 0.0
    expense_ratio: Annotated[float | None, Field(ge=0, lt=1)] = None
    name: str = ""
    currency: Name = "USD"
    price: Annotated[float | None, Field(gt=0)] = None
    currency_mix: dict[Name, Annotated[float, Field(gt=0, le=1)]] | None = None
    foreign_tax: Annotated[ForeignTaxIn | None, BeforeValidator(_preset)] = None
    country: Name | None = None


class LotIn(_In):
    id: OptStr = None
    account: Name
    symbol: Name
    quantity: Positive
    cost_basis_usd: OptNonNeg = None
    acquired: OptDate = None
    holding_start: OptDate = None
    date_known: Annotated[bool, BeforeValidator(lambda v: True if _blank_to_none(v) is None
                                                else v)] = True


class TradeIn(_In):
    date: date
    account: Name
    symbol: Name
    side: Annotated[Side, _enum(Side)]
    quantity: Positive
    price_usd: Positive


class ClassTargetIn(_In):
    weight: Fraction
    tier: Annotated[TierName, _enum(TierName)] = TierName.CORE
    band_abs: Annotated[float | None, Field(gt=0, lt=1)] = None
    band_rel: Annotated[float | None, Field(gt=0)] = None
    liquid_substitute: OptStr = None


def _weight_shorthand(value: Any) -> Any:
    """``stocks: 0.7`` is short for ``stocks: {weight: 0.7}``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"weight": value}
    return value


class TargetsIn(_In):
    classes: dict[Name, Annotated[ClassTargetIn, BeforeValidator(_weight_shorthand)]]
    location: dict[Name, list[Annotated[AccountType, _enum(AccountType)]]] = {}


class PrivateFundIn(_In):
    """A private fund (commitment, calls, distributions, reported NAV): docs/household.md."""

    id: Name
    name: str = ""
    asset_class: Name
    commitment_usd: Positive
    vintage: Annotated[int, Field(ge=1900, le=2200)]
    called_usd: NonNeg = 0.0
    distributed_usd: NonNeg = 0.0
    nav_usd: OptNonNeg = None
    nav_as_of: OptDate = None
    remaining_life_years: NonNeg
    proxy: OptStr = None
    proxy_price_at_nav_usd: Annotated[float | None, Field(gt=0)] = None
    # a preset name, or a mapping of the model's parameters (rebal.alternatives.files)
    model: Annotated[str | dict[str, Any] | None, BeforeValidator(_blank_to_none)] = None
    account: OptStr = None


class CallReserveIn(_In):
    """Cash (or a liquid proxy) kept for the next ``months`` of projected capital calls."""

    months: Annotated[int, Field(ge=1, le=60)] = 6
    coverage: Annotated[float, Field(ge=0, le=10)] = 1.0
    proxy: OptStr = None


ExposureViewName = Literal["nav", "nav_plus_unfunded", "proxy_rolled"]


class HouseholdFileIn(_In):
    as_of: date
    household: HouseholdSectionIn
    accounts: list[AccountIn]
    securities: list[SecurityIn]
    targets: TargetsIn
    lots: list[LotIn] = []
    lots_csv: Name | None = None
    recent_trades: list[TradeIn] = []
    private_funds: list[PrivateFundIn] = []
    exposure_view: ExposureViewName = "nav"
    call_reserve: CallReserveIn | None = None
