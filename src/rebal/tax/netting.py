"""Capital gain and loss netting for one tax year (IRC §§1(h), 1211(b), 1212(b); Schedule D).

Steps (Schedule D Parts I-III and the Capital Loss Carryover Worksheet of the Schedule D
instructions):

1. Net short-term gains against short-term losses and the short-term carryover → net ST
   (Sch D line 7); the same for long-term → net LT (line 15). §1222(5)-(8); §1212(b)(1)
   makes a carryover a loss of the same character in the next year.
2. Combine → line 16. Net capital gain (taxed at 0/15/20) = max(0, min(net LT, line 16)):
   the excess of net LT gain over net ST loss (§1222(11), §1(h)).
3. A net loss is deductible against other income up to $3,000 ($1,500 married filing
   separately) (§1211(b)) → Sch D line 21.
4. The rest carries forward indefinitely keeping its character (§1212(b)(1)); the
   deduction is charged to net ST loss first, then to net LT loss, and only the part of it
   that actually reduced "adjusted taxable income" is charged (§1212(b)(2); carryover
   worksheet lines 1-13).

Amounts are dollars. Losses and carryovers are given as positive magnitudes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rebal.errors import ConfigError
from rebal.tax.records import Record
from rebal.types import FilingStatus

__all__ = ["CapitalNetting", "net_capital_gains", "statutory_loss_limit"]


def statutory_loss_limit(filing_status: FilingStatus | str) -> float:
    """IRC §1211(b)(1): $3,000, or $1,500 for a married individual filing separately."""
    status = FilingStatus.parse(filing_status, field="filing_status")
    return 1500.0 if status is FilingStatus.MFS else 3000.0


@dataclass(frozen=True, slots=True)
class CapitalNetting(Record):
    """Result of netting one year's capital gains and losses (all dollars).

    Attributes
    ----------
    net_st
        Net short-term gain (+) or loss (−), after the ST carryover in (Sch D line 7).
    net_lt
        Net long-term gain (+) or loss (−), after the LT carryover in (Sch D line 15).
    net_total
        ``net_st + net_lt`` (Sch D line 16).
    net_capital_gain
        The part taxed at the 0/15/20% rates: ``max(0, min(net_lt, net_total))``
        (§1222(11)). Qualified dividends are added to it by the tax computation, not here.
    ordinary_st_gain
        The part of ``net_total`` taxed as ordinary income: ``max(0, net_total) −
        net_capital_gain`` (= net ST gain not absorbed by net LT loss).
    gain_in_agi
        Amount that enters AGI (Form 1040 line 7 = Sch D line 16, or line 21 if a loss):
        ``max(net_total, −loss_limit)``.
    loss_deduction
        Net capital loss deducted against other income, ≥ 0, ≤ the §1211(b) limit
        (``−min(gain_in_agi, 0)``).
    loss_deduction_used
        The part of ``loss_deduction`` charged against the carryover (worksheet line 4):
        smaller than ``loss_deduction`` only when taxable income before the deduction is
        below it.
    st_carryforward_out, lt_carryforward_out
        Losses carried to next year, ≥ 0, keeping their character (§1212(b)).
    loss_limit
        The §1211(b) limit that applied.
    """

    net_st: float
    net_lt: float
    net_total: float
    net_capital_gain: float
    ordinary_st_gain: float
    gain_in_agi: float
    loss_deduction: float
    loss_deduction_used: float
    st_carryforward_out: float
    lt_carryforward_out: float
    loss_limit: float


def _nonneg(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0.0:
        raise ConfigError(f"net_capital_gains.{name} must be a finite amount ≥ 0, got {value}")
    return value


def net_capital_gains(
    filing_status: FilingStatus | str,
    *,
    st_gains: float = 0.0,
    st_losses: float = 0.0,
    lt_gains: float = 0.0,
    lt_losses: float = 0.0,
    st_carryforward: float = 0.0,
    lt_carryforward: float = 0.0,
    adjusted_taxable_income: float | None = None,
    loss_limit: float | None = None,
) -> CapitalNetting:
    """Net one year's realized capital gains and losses.

    Parameters
    ----------
    filing_status
        Selects the §1211(b) limit ($1,500 for MFS, else $3,000) unless ``loss_limit``
        is given.
    st_gains, st_losses, lt_gains, lt_losses
        Realized gains and losses of the year, dollars, each ≥ 0 (a loss as its magnitude).
        Net figures work too: pass a net ST loss of 500 as ``st_losses=500``.
    st_carryforward, lt_carryforward
        Capital loss carryovers from earlier years, dollars ≥ 0 (Sch D lines 6 and 14).
    adjusted_taxable_income
        Taxable income computed *without* the capital-loss deduction (worksheet line 3:
        Form 1040 line 15 plus the deduction, possibly negative). ``None`` = assume it is at
        least the deduction, so the whole deduction uses up carryover (true unless
        income is very low). :func:`rebal.tax.federal.federal_tax` passes it.
    loss_limit
        Override of the §1211(b) limit, dollars ≥ 0 (normally from the year's params).

    Returns
    -------
    CapitalNetting
    """
    status = FilingStatus.parse(filing_status, field="filing_status")
    st_g, st_l = _nonneg("st_gains", st_gains), _nonneg("st_losses", st_losses)
    lt_g, lt_l = _nonneg("lt_gains", lt_gains), _nonneg("lt_losses", lt_losses)
    st_cf = _nonneg("st_carryforward", st_carryforward)
    lt_cf = _nonneg("lt_carryforward", lt_carryforward)
    limit = (
        statutory_loss_limit(status) if loss_limit is None else _nonneg("loss_limit", loss_limit)
    )

    net_st = st_g - st_l - st_cf  # Sch D line 7
    net_lt = lt_g - lt_l - lt_cf  # Sch D line 15
    net_total = net_st + net_lt  # Sch D line 16
    net_capital_gain = max(0.0, min(net_lt, net_total))  # §1222(11)
    ordinary_st_gain = max(0.0, net_total) - net_capital_gain
    gain_in_agi = max(net_total, -limit)  # §1211(b): Sch D line 21
    loss_deduction = -min(gain_in_agi, 0.0)

    # Capital Loss Carryover Worksheet (Schedule D instructions), §1212(b)(2).
    if adjusted_taxable_income is None:
        used = loss_deduction
    else:
        ati = float(adjusted_taxable_income)
        if not math.isfinite(ati):
            raise ConfigError(
                f"net_capital_gains.adjusted_taxable_income must be finite, got {ati}"
            )
        used = min(loss_deduction, max(0.0, ati))  # lines 1-4
    st_loss = max(0.0, -net_st)  # line 5
    lt_gain = max(0.0, net_lt)  # line 6
    st_cf_out = max(0.0, st_loss - (used + lt_gain))  # lines 7-8
    lt_loss = max(0.0, -net_lt)  # line 9
    st_gain = max(0.0, net_st)  # line 10
    lt_cf_out = max(0.0, lt_loss - (st_gain + max(0.0, used - st_loss)))  # lines 11-13

    return CapitalNetting(
        net_st=net_st,
        net_lt=net_lt,
        net_total=net_total,
        net_capital_gain=net_capital_gain,
        ordinary_st_gain=ordinary_st_gain,
        gain_in_agi=gain_in_agi,
        loss_deduction=loss_deduction,
        loss_deduction_used=used,
        st_carryforward_out=st_cf_out,
        lt_carryforward_out=lt_cf_out,
        loss_limit=limit,
    )
