"""Private funds from a user's YAML file (``rebal alts project FILE``; the household file
reads its ``private_funds:`` entries with :func:`fund_from_mapping` too).

Format (``docs/alternatives.md``)::

    as_of: 2025-06-30            # valuation date (optional)
    funds:
      - id: pe1
        name: Buyout Fund I
        asset_class: private_equity
        commitment_usd: 1000000
        vintage: 2021
        called_usd: 600000
        distributed_usd: 100000
        nav_usd: 650000           # with nav_as_of, or neither
        nav_as_of: 2025-03-31
        remaining_life_years: 7
        proxy: IWM                # optional
        model: buyout             # optional: a preset name or a mapping of TAParams fields

Every error is one :class:`~rebal.errors.InputError` naming the file and the key
(``funds[2].called_usd``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from rebal.alternatives.fund import PrivateFund
from rebal.alternatives.params import TAParams
from rebal.alternatives.takahashi import TA_PRESETS
from rebal.errors import ConfigError, InputError, shown

__all__ = ["FundsFile", "check_nav_dates", "fund_from_mapping", "params_from_value", "read_funds"]

_REQUIRED = ("id", "asset_class", "commitment_usd", "vintage", "remaining_life_years")
_OPTIONAL = ("name", "called_usd", "distributed_usd", "nav_usd", "nav_as_of", "proxy", "model",
             "account")
_PARAM_KEYS = ("contribution_rates", "bow", "growth", "yield_rate", "life_years")


@dataclass(frozen=True)
class FundsFile:
    """The funds of a file and its valuation date (``None`` when it gives none)."""

    file: str
    funds: tuple[PrivateFund, ...]
    as_of: date | None
    keys: tuple[str, ...]
    """``funds[i]`` key of each fund, for messages."""


def _field_of(message: str, known: tuple[str, ...]) -> str | None:
    """The field a :class:`ConfigError` message of :class:`PrivateFund` starts with."""
    head = message.split(" ", 1)[0]
    if head in known:
        return head
    for name in known:  # "distributed_usd is … but nothing is called"
        if message.startswith(name):
            return name
    return None


def params_from_value(value: Any, *, file: str, where: str) -> TAParams:
    """A preset name (``"buyout"``) or a mapping of :class:`TAParams` fields."""
    if isinstance(value, str):
        if value not in TA_PRESETS:
            raise InputError(f"unknown model {shown(value)}; presets: {', '.join(TA_PRESETS)}",
                             file=file, row=where)
        return TA_PRESETS[value]
    if not isinstance(value, Mapping):
        raise InputError("model must be a preset name or a mapping of "
                         f"{', '.join(_PARAM_KEYS)}", file=file, row=where)
    extra = sorted(set(map(str, value)) - set(_PARAM_KEYS))
    if extra:
        raise InputError(f"unknown key {shown(extra[0])}; keys: {', '.join(_PARAM_KEYS)}",
                         file=file, row=f"{where}.{extra[0]}")
    missing = [k for k in _PARAM_KEYS if k not in value]
    if missing:
        raise InputError(f"{missing[0]} is required", file=file, row=f"{where}.{missing[0]}")
    rates = value["contribution_rates"]
    if not isinstance(rates, list | tuple):
        rates = (rates,)
    try:
        return TAParams(tuple(rates), bow=value["bow"], growth=value["growth"],
                        yield_rate=value["yield_rate"], life_years=value["life_years"])
    except ConfigError as exc:
        name = _field_of(str(exc), _PARAM_KEYS) or str(exc).split("[")[0]
        raise InputError(str(exc), file=file, row=f"{where}.{name}") from None


def fund_from_mapping(raw: Any, *, file: str, where: str) -> PrivateFund:
    """One :class:`PrivateFund` from a mapping of the file at key ``where``.

    Raises
    ------
    InputError
        Naming ``file`` and ``where.<key>``: a missing or unknown key, or what
        :class:`PrivateFund` refuses.
    """
    if not isinstance(raw, Mapping):
        raise InputError(f"a fund must be a mapping, got {shown(raw)}", file=file, row=where)
    extra = sorted(set(map(str, raw)) - set(_REQUIRED) - set(_OPTIONAL))
    if extra:
        raise InputError(f"unknown key {shown(extra[0])}; keys: "
                         f"{', '.join(_REQUIRED + _OPTIONAL)}", file=file,
                         row=f"{where}.{extra[0]}")
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise InputError(f"{missing[0]} is required", file=file, row=f"{where}.{missing[0]}")
    model = raw.get("model")
    params = None if model is None else params_from_value(model, file=file,
                                                          where=f"{where}.model")
    for key in ("id", "asset_class"):
        if not isinstance(raw[key], str | int) or isinstance(raw[key], bool):
            raise InputError(f"{key} must be a text, got {shown(raw[key])}", file=file,
                             row=f"{where}.{key}")
    nav_as_of = raw.get("nav_as_of")
    if isinstance(nav_as_of, datetime):  # a time of day adds nothing to a NAV's date
        nav_as_of = nav_as_of.date()
    if nav_as_of is not None and not isinstance(nav_as_of, date):
        raise InputError(f"nav_as_of must be a date YYYY-MM-DD, got {shown(nav_as_of)}",
                         file=file, row=f"{where}.nav_as_of")
    try:
        return PrivateFund(
            id=str(raw["id"]), name=str(raw.get("name", raw["id"])),
            asset_class=str(raw["asset_class"]), commitment_usd=raw["commitment_usd"],
            vintage=raw["vintage"], called_usd=raw.get("called_usd", 0.0),
            distributed_usd=raw.get("distributed_usd", 0.0), nav_usd=raw.get("nav_usd"),
            nav_as_of=nav_as_of, remaining_life_years=raw["remaining_life_years"],
            proxy=None if raw.get("proxy") is None else str(raw["proxy"]), model=params,
            account=None if raw.get("account") is None else str(raw["account"]),
        )
    except ConfigError as exc:
        name = _field_of(str(exc), _REQUIRED + _OPTIONAL)
        raise InputError(str(exc), file=file,
                         row=where if name is None else f"{where}.{name}") from None


def read_funds(path: str | os.PathLike[str], *, valuation: date | None = None) -> FundsFile:
    """The funds of a YAML file (module docstring), each checked; ``valuation`` (else the
    file's ``as_of``) refuses NAVs dated after it and ids given twice.

    Raises
    ------
    InputError
        Naming the file and the key.
    """
    from rebal.data.yamlfile import read_yaml

    file = str(path)
    doc = read_yaml(path, cannot_read="cannot read the funds file")
    if not isinstance(doc, Mapping) or "funds" not in doc:
        raise InputError("expected a mapping with a 'funds:' list", file=file)
    extra = sorted(set(map(str, doc)) - {"funds", "as_of"})
    if extra:
        raise InputError(f"unknown key {shown(extra[0])}; keys: as_of, funds", file=file,
                         row=extra[0])
    as_of = doc.get("as_of")
    if isinstance(as_of, datetime):
        as_of = as_of.date()
    if as_of is not None and not isinstance(as_of, date):
        raise InputError(f"as_of must be a date YYYY-MM-DD, got {shown(as_of)}", file=file,
                         row="as_of")
    raw_funds = doc["funds"]
    if not isinstance(raw_funds, list) or not raw_funds:
        raise InputError("funds must be a non-empty list", file=file, row="funds")
    funds = []
    keys = []
    seen: dict[str, str] = {}
    for i, raw in enumerate(raw_funds):
        where = f"funds[{i}]"
        fund = fund_from_mapping(raw, file=file, where=where)
        if fund.id in seen:
            raise InputError(f"fund id {shown(fund.id)} is also {seen[fund.id]}'s; ids must "
                             "be unique", file=file, row=f"{where}.id")
        seen[fund.id] = where
        funds.append(fund)
        keys.append(where)
    data = FundsFile(file=file, funds=tuple(funds), as_of=as_of, keys=tuple(keys))
    when = valuation or as_of
    if when is not None:
        check_nav_dates(data, when)
    return data


def check_nav_dates(data: FundsFile, valuation: date) -> None:
    """Refuse a fund of ``data`` whose NAV is dated after ``valuation``.

    Raises
    ------
    InputError
        ``"{file}, funds[i].nav_as_of: nav_as_of (…) is after the valuation date (…)"``.
    """
    for fund, key in zip(data.funds, data.keys, strict=True):
        try:
            fund.check_nav_date(valuation)
        except ConfigError as exc:
            raise InputError(str(exc), file=data.file, row=f"{key}.nav_as_of") from None
