"""What the planner needs from the tax code: the tax of realizing more, and its slopes.

Everything here is *this year's* tax (federal income tax incl. AMT and NIIT, plus the flat
state tax) as a function of extra realized gains, computed by :func:`federal_tax` itself,
so the marginal figures can never disagree with the tax estimate. Changes to the loss
carryforward (a later-year effect) are not priced; :func:`extra_tax_detail` reports them.

Shape of tax(x) for x dollars of added long-term gain
------------------------------------------------------
It is continuous and piecewise linear. It is usually convex (0% → 15% → 18.8% with NIIT →
23.8% …), but NOT always:

* with existing net capital losses, the first dollars of gain cancel the $3,000 deduction
  at the *ordinary* rate (e.g. 22%) and only then enter the 0% band (rate falls);
  dollars that merely absorb a loss beyond the deductible amount cost 0 now;
* the AMT exemption phase-out adds 25% (50% from 2026) × 26/28% to the slope over a
  range, after which the slope falls back;
* the worksheet's min(…, tax at ordinary rates) can bind for a few dollars where the
  15% band starts below the end of the 12% bracket.

NIIT alone never breaks convexity: 3.8% × min(NII, MAGI − threshold) has slope 0 and then
3.8% in added gain. :attr:`GainTaxSchedule.is_convex` says which case applies, so an LP
can use the segments directly when convex and needs binary variables (MILP) otherwise.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from rebal.errors import ConfigError
from rebal.tax.federal import TaxBreakdown, tax_from_params
from rebal.tax.rates import StatusParams, load_params
from rebal.types import FilingStatus, Term

__all__ = [
    "MAX_GAIN_USD",
    "ExtraTax",
    "GainTaxSchedule",
    "MarginalRates",
    "TaxProfile",
    "TaxSegment",
    "extra_tax",
    "extra_tax_detail",
    "gain_tax_schedule",
    "lt_gain_tax_schedule",
    "marginal_rates",
    "profile_tax",
    "zero_rate_lt_room",
]

# Statutory rates and their products (0.25 × 0.28 …) have ≤ 6 decimals; rounding removes
# float noise from slopes measured over wide segments.
_RATE_DECIMALS = 6


@dataclass(frozen=True, slots=True)
class TaxProfile:
    """A household-year before the trades being planned (dollars; rates fractions).

    Attributes
    ----------
    year, filing_status
        Tax year (needs a parameter file) and filing status.
    ordinary_income
        Wages, interest, non-qualified dividends … before the standard deduction.
    qualified_dividends
        Expected qualified dividends, ≥ 0.
    investment_income
        Part of ``ordinary_income`` that is net investment income (NIIT), ≥ 0.
    st_realized, lt_realized
        Net short- and long-term gain (+)/loss (−) already realized this year.
    st_carryforward, lt_carryforward
        Loss carryovers into the year, ≥ 0.
    state_rate
        Flat state rate on AGI, fraction.
    """

    year: int
    filing_status: FilingStatus
    ordinary_income: float
    qualified_dividends: float = 0.0
    investment_income: float = 0.0
    st_realized: float = 0.0
    lt_realized: float = 0.0
    st_carryforward: float = 0.0
    lt_carryforward: float = 0.0
    state_rate: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "filing_status", FilingStatus.parse(self.filing_status, field="filing_status")
        )
        # Validates the year (ConfigError listing available years) and every amount.
        profile_tax(self)

    @property
    def params(self) -> StatusParams:
        return load_params(self.year)[self.filing_status]

    def with_realized(self, *, st: float = 0.0, lt: float = 0.0) -> TaxProfile:
        """The profile after realizing ``st``/``lt`` more (negative = losses)."""
        return replace(self, st_realized=self.st_realized + st, lt_realized=self.lt_realized + lt)


def profile_tax(profile: TaxProfile, *, st: float = 0.0, lt: float = 0.0) -> TaxBreakdown:
    """Full :class:`TaxBreakdown` of ``profile`` with ``st``/``lt`` extra realized."""
    return tax_from_params(
        load_params(profile.year)[profile.filing_status],
        ordinary_income=profile.ordinary_income,
        qualified_dividends=profile.qualified_dividends,
        st_gains=profile.st_realized + st,
        lt_gains=profile.lt_realized + lt,
        st_carryforward=profile.st_carryforward,
        lt_carryforward=profile.lt_carryforward,
        investment_income=profile.investment_income,
        state_rate=profile.state_rate,
    )


def _total(profile: TaxProfile, st: float, lt: float) -> float:
    return profile_tax(profile, st=st, lt=lt).total_tax


@dataclass(frozen=True, slots=True)
class ExtraTax:
    """Effect of realizing extra gains (dollars; ``after − before``).

    ``federal`` includes AMT and NIIT; ``carryforward_change`` is the change in total loss
    carried to next year (negative = carryover used up); ``carryforward_after`` the total
    loss carried to next year with the extra gains (dollars, >= 0).
    """

    total: float
    federal: float
    niit: float
    state: float
    carryforward_change: float
    carryforward_after: float = 0.0


def extra_tax(profile: TaxProfile, *, st: float = 0.0, lt: float = 0.0) -> float:
    """This year's total tax (federal + NIIT + AMT + state) of realizing ``st``/``lt`` more.

    Negative amounts are losses; the result is then usually negative (tax saved).
    """
    return _total(profile, st, lt) - _total(profile, 0.0, 0.0)


def extra_tax_detail(profile: TaxProfile, *, st: float = 0.0, lt: float = 0.0) -> ExtraTax:
    """:func:`extra_tax` split by component, with the change in carryforward."""
    before = profile_tax(profile)
    after = profile_tax(profile, st=st, lt=lt)

    def carried(b: TaxBreakdown) -> float:
        return b.netting.st_carryforward_out + b.netting.lt_carryforward_out

    return ExtraTax(
        total=after.total_tax - before.total_tax,
        federal=after.federal_income_tax - before.federal_income_tax,
        niit=after.niit - before.niit,
        state=after.state_tax - before.state_tax,
        carryforward_change=carried(after) - carried(before),
        carryforward_after=carried(after),
    )


def zero_rate_lt_room(profile: TaxProfile) -> float:
    """Dollars of additional long-term gain that add no federal income tax, once any
    existing capital losses are used up.

    = (growth of the 0%-band dollars, :attr:`TaxBreakdown.pref_at_0`, when an unlimited
    LT gain is added) + (standard deduction left unused by the current AGI). With existing
    net losses the added gain first offsets them; those dollars are not counted here
    (their cost — a smaller deduction or carryforward — is in :func:`lt_gain_tax_schedule`).
    State tax, if any, still applies to the room. Ordinary taxable income above the 0%
    band's top and AGI above the deduction → 0.
    """
    p = profile.params
    now = profile_tax(profile)
    # Enough gain to clear any loss, the unused deduction and the whole 0% band.
    big = (p.ltcg_zero_top + p.standard_deduction + _losses_to_clear(profile)
           + abs(profile.ordinary_income) + 1.0)
    band = profile_tax(profile, lt=big).pref_at_0 - now.pref_at_0
    unused_deduction = max(0.0, p.standard_deduction - now.agi)
    return max(0.0, band) + unused_deduction


def _losses_to_clear(profile: TaxProfile) -> float:
    return (
        max(0.0, -profile.st_realized)
        + max(0.0, -profile.lt_realized)
        + profile.st_carryforward
        + profile.lt_carryforward
    )


@dataclass(frozen=True, slots=True)
class TaxSegment:
    """A stretch of added gain over which tax rises linearly.

    ``start_usd`` is the added gain where it begins, ``width_usd`` its length, ``rate`` the
    tax per dollar over it (fraction; federal + NIIT + AMT + state).
    """

    start_usd: float
    width_usd: float
    rate: float


@dataclass(frozen=True, slots=True)
class GainTaxSchedule:
    """tax(x) − tax(0) for added gain x in [0, max_gain], as consecutive linear segments."""

    term: Term
    max_gain_usd: float
    segments: tuple[TaxSegment, ...]

    @property
    def is_convex(self) -> bool:
        """True when the rates never fall (an LP can use the segments as they are)."""
        return all(b.rate >= a.rate - 1e-9 for a, b in zip(self.segments, self.segments[1:],
                                                             strict=False))

    @property
    def breakpoints_usd(self) -> tuple[float, ...]:
        """Added gains where the rate changes (interior segment starts)."""
        return tuple(s.start_usd for s in self.segments[1:])

    def tax_at(self, gain_usd: float) -> float:
        """Extra tax at added gain ``gain_usd`` from the segments (for checks)."""
        total = 0.0
        for s in self.segments:
            total += s.rate * min(max(gain_usd - s.start_usd, 0.0), s.width_usd)
        return total


MAX_GAIN_USD = 1e10
"""Largest added gain a schedule covers, dollars. The kink search tells a straight piece
by evaluating the tax to 1e-6 $; the tax on 1e10 of gain is about 4e9 $, whose float
spacing is 5e-7 $, still inside that tolerance — on twice as much it is not, and the
search would split without end (measured: 2.1e10 of ST gain did not resolve)."""


def gain_tax_schedule(profile: TaxProfile, term: Term | str, max_gain: float) -> GainTaxSchedule:
    """Exact piecewise-linear extra tax of adding 0 … ``max_gain`` of ST or LT gain.

    The kinks are found from tax evaluations (slopes at both ends of an interval; where
    they differ, the interval is split at the intersection of the two lines and each part
    re-checked, with interior probes to reject coincidences), so every source of a kink
    — brackets, the 0/15/20 bands, NIIT, AMT, the loss limit — is covered without
    listing them. Kinks are located to well under a cent.

    Parameters
    ----------
    profile
        The household-year.
    term
        ``Term.LONG`` or ``Term.SHORT``.
    max_gain
        Largest added gain, dollars > 0.
    """
    term = Term(Term.parse(term, field="term"))
    max_gain = float(max_gain)
    if not math.isfinite(max_gain) or max_gain <= 0.0:
        raise ConfigError(f"gain_tax_schedule.max_gain must be a finite amount > 0, got {max_gain}")
    if max_gain > MAX_GAIN_USD:
        raise ConfigError(
            f"gain_tax_schedule.max_gain ${max_gain:,.0f} is above the supported "
            f"${MAX_GAIN_USD:,.0f} (kinks are located to a cent; beyond this a cent is "
            "below the resolution of the arithmetic)")

    def f(x: float) -> float:
        return _total(profile, x, 0.0) if term is Term.SHORT else _total(profile, 0.0, x)

    pieces: list[tuple[float, float, float]] = []
    f0, f_max = f(0.0), f(max_gain)
    _split(f, 0.0, max_gain, f0, f_max, pieces)
    pieces.sort()
    # Float noise leaves sub-cent slivers around each kink: keep the real pieces (≥ 1 cent
    # wide) and put each kink where the lines of its two neighbours intersect.
    kept = [pc for pc in pieces if pc[1] - pc[0] >= _MIN_PIECE] or [(0.0, max_gain, 0.0)]
    lines = []  # (rate, intercept) of each kept piece
    for a, b, _ in kept:
        fa, fb = f(a), f(b)
        rate = (fb - fa) / (b - a)
        lines.append((rate, fa - rate * a))
    bounds = [0.0]
    for i in range(1, len(kept)):
        (r1, c1), (r2, c2) = lines[i - 1], lines[i]
        lo, hi = kept[i - 1][1], kept[i][0]
        x = (c2 - c1) / (r1 - r2) if abs(r1 - r2) > 1e-12 else (lo + hi) / 2.0
        bounds.append(min(max(x, kept[i - 1][0]), kept[i][1]))
    bounds.append(max_gain)
    segments: list[TaxSegment] = []
    for a, b in itertools.pairwise(bounds):
        if b <= a:
            continue
        rate = round((f(b) - f(a)) / (b - a), _RATE_DECIMALS)
        if segments and abs(segments[-1].rate - rate) <= 1e-9:
            last = segments[-1]
            segments[-1] = TaxSegment(last.start_usd, b - last.start_usd, last.rate)
        else:
            segments.append(TaxSegment(a, b - a, rate))
    return GainTaxSchedule(term=term, max_gain_usd=max_gain, segments=tuple(segments))


def lt_gain_tax_schedule(profile: TaxProfile, max_gain: float) -> GainTaxSchedule:
    """:func:`gain_tax_schedule` for long-term gain (LT gains first fill the 0% room)."""
    return gain_tax_schedule(profile, Term.LONG, max_gain)


_ABS_TOL = 1e-6  # dollars of tax
_MIN_WIDTH = 1e-4  # dollars of gain
_MIN_PIECE = 0.01  # dollars of gain; narrower pieces are float slivers at a kink


_MAX_DEPTH = 60  # halvings of one interval before it is taken as linear
_MAX_INTERVALS = 20_000  # intervals examined per schedule (a real curve needs < 500)


def _split(f: Callable[[float], float], a: float, b: float, fa: float, fb: float,
           out: list[tuple[float, float, float]], depth: int = 0) -> None:
    """Append linear pieces of f on [a, b] to ``out`` (kink search on an explicit stack:
    no recursion, at most :data:`_MAX_INTERVALS` intervals examined).

    Raises
    ------
    ConfigError
        The curve did not resolve into linear pieces within the cap (only possible for
        amounts far beyond :data:`MAX_GAIN_USD`, where a cent is below float resolution).
    """
    stack = [(a, b, fa, fb, depth)]
    seen = 0
    while stack:
        a, b, fa, fb, depth = stack.pop()
        seen += 1
        if seen > _MAX_INTERVALS:
            raise ConfigError(
                f"gain_tax_schedule: the tax curve on $0 – ${b:,.0f} did not resolve into "
                f"linear pieces within {_MAX_INTERVALS:,} intervals")
        width = b - a
        if width <= _MIN_WIDTH or depth > _MAX_DEPTH:
            out.append((a, b, (fb - fa) / width if width > 0 else 0.0))
            continue
        h = min(0.01, width / 8.0)
        s_left = (f(a + h) - fa) / h
        s_right = (fb - f(b - h)) / h
        # Linear if both end slopes agree with the secant and interior probes sit on it.
        secant = (fb - fa) / width
        tol = _ABS_TOL / h + 1e-9
        if (
            abs(s_left - secant) <= tol
            and abs(s_right - secant) <= tol
            and all(
                abs(f(a + t * width) - (fa + secant * t * width)) <= _ABS_TOL * 10
                for t in (0.2718281828, 0.5, 0.7071067812)
            )
        ):
            out.append((a, b, secant))
            continue
        cut = None
        if abs(s_left - s_right) > tol:
            x = (fb - fa + s_left * a - s_right * b) / (s_left - s_right)
            if a + h < x < b - h:
                cut = x
        if cut is None:
            cut = a + width / 2.0
        fc = f(cut)
        stack.append((cut, b, fc, fb, depth + 1))
        stack.append((a, cut, fa, fc, depth + 1))


@dataclass(frozen=True, slots=True)
class MarginalRates:
    """Current marginal rates of a household-year (fractions of a dollar of gain).

    ``st_rate``/``lt_rate``: tax on the next dollar of ST/LT gain (federal incl. NIIT and
    AMT, plus state). ``st_loss_rate``/``lt_loss_rate``: tax saved by the next dollar of
    ST/LT loss (positive = saving). ``federal_*`` and ``niit_*``/``state_*`` split the gain
    rates. ``lt_schedule`` describes the whole LT curve up to ``max_gain``.
    """

    st_rate: float
    lt_rate: float
    st_loss_rate: float
    lt_loss_rate: float
    st_federal_rate: float
    lt_federal_rate: float
    st_niit_rate: float
    lt_niit_rate: float
    state_rate: float
    zero_rate_lt_room_usd: float
    lt_schedule: GainTaxSchedule


def marginal_rates(profile: TaxProfile, *, step: float = 1.0,
                   max_gain: float = 1_000_000.0) -> MarginalRates:
    """Marginal rates at the profile's current point.

    Parameters
    ----------
    step
        Dollars over which each one-sided difference is taken (default $1; the rates are
        exact unless a kink lies within ``step`` of the current point).
    max_gain
        Extent of ``lt_schedule``, dollars.
    """
    step = float(step)
    if not math.isfinite(step) or step <= 0.0:
        raise ConfigError(f"marginal_rates.step must be > 0, got {step}")
    base = profile_tax(profile)
    up_st = profile_tax(profile, st=step)
    up_lt = profile_tax(profile, lt=step)

    def rate(a: float, b: float) -> float:
        return round((b - a) / step, _RATE_DECIMALS)

    return MarginalRates(
        st_rate=rate(base.total_tax, up_st.total_tax),
        lt_rate=rate(base.total_tax, up_lt.total_tax),
        st_loss_rate=round(-extra_tax(profile, st=-step) / step, _RATE_DECIMALS),
        lt_loss_rate=round(-extra_tax(profile, lt=-step) / step, _RATE_DECIMALS),
        st_federal_rate=rate(base.regular_tax + base.amt, up_st.regular_tax + up_st.amt),
        lt_federal_rate=rate(base.regular_tax + base.amt, up_lt.regular_tax + up_lt.amt),
        st_niit_rate=rate(base.niit, up_st.niit),
        lt_niit_rate=rate(base.niit, up_lt.niit),
        state_rate=rate(base.state_tax, up_lt.state_tax),
        zero_rate_lt_room_usd=zero_rate_lt_room(profile),
        lt_schedule=lt_gain_tax_schedule(profile, max_gain),
    )
