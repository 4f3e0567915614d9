"""Service ``alternatives``: private funds' projected cash flows and exposure views
(``rebal alts project FILE``) and commitment pacing (``rebal alts pacing``);
``docs/alternatives.md``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from rebal.errors import ConfigError, InputError

__all__ = [
    "FundSummary",
    "PacingRequest",
    "PacingRun",
    "ProjectRequest",
    "ProjectRun",
    "alts_pacing",
    "alts_project",
]

CALL_WINDOWS_MONTHS = (3, 6, 12)
"""The windows of projected calls each fund's summary shows."""


def _parse_date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{option} must be a date YYYY-MM-DD, got {text!r}") from None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectRequest:
    """What to project, as plain data.

    Attributes
    ----------
    file
        The funds file (YAML, ``docs/alternatives.md``).
    as_of
        Valuation date ``YYYY-MM-DD``; default the file's ``as_of``, else today.
    years
        Projection horizon (years).
    prices
        ``None``, or ``"default"``/a dataset name/a prices file whose columns include each
        fund's proxy (needed for the ``proxy_rolled`` view; an unknown proxy is refused).
    """

    file: str
    as_of: str | None = None
    years: float = 10.0
    prices: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FundSummary:
    """One fund on the valuation date (USD; fractions).

    ``exposure_proxy_rolled`` is ``None`` when it cannot be computed, and ``proxy_note``
    says why (no proxy, no prices given, NAV date before the prices begin).
    """

    id: str
    name: str
    asset_class: str
    commitment_usd: float
    called_usd: float
    unfunded_usd: float
    distributed_usd: float
    nav_usd: float | None
    nav_as_of: date | None
    nav_age_days: int | None
    exposure_nav_usd: float
    exposure_nav_plus_unfunded_usd: float
    exposure_proxy_rolled_usd: float | None
    proxy: str | None
    proxy_growth: float | None
    proxy_note: str
    calls_next_usd: dict[int, float]
    model: str


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class ProjectRun:
    """Each fund's summary and the program's projected cash flows by year.

    Attributes
    ----------
    file, valuation
        The funds file and the valuation date (projection start).
    funds
        One :class:`FundSummary` per fund, in file order.
    projections
        One :class:`rebal.alternatives.FundProjection` per fund (monthly steps).
    year_ends
        ``(n_years,)`` ``datetime64[D]``: the end of each projected year.
    calls_usd, distributions_usd
        ``(n_years,)`` every fund's calls and distributions in each year.
    nav_usd, unfunded_usd
        ``(n_years,)`` every fund's NAV and unfunded commitments at each year's end.
    notes
        What the numbers rest on, in words.
    """

    file: str
    valuation: date
    funds: tuple[FundSummary, ...]
    projections: tuple[Any, ...]
    year_ends: np.ndarray
    calls_usd: np.ndarray
    distributions_usd: np.ndarray
    nav_usd: np.ndarray
    unfunded_usd: np.ndarray
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """``rebal alts project --json`` (USD, fractions, ISO dates)."""
        return {
            "file": self.file,
            "valuation_date": self.valuation.isoformat(),
            "funds": [
                {
                    "id": f.id, "name": f.name, "asset_class": f.asset_class,
                    "commitment_usd": f.commitment_usd, "called_usd": f.called_usd,
                    "unfunded_usd": f.unfunded_usd, "distributed_usd": f.distributed_usd,
                    "nav_usd": f.nav_usd,
                    "nav_as_of": None if f.nav_as_of is None else f.nav_as_of.isoformat(),
                    "nav_age_days": f.nav_age_days,
                    "exposure_usd": {"nav": f.exposure_nav_usd,
                                     "nav_plus_unfunded": f.exposure_nav_plus_unfunded_usd,
                                     "proxy_rolled": f.exposure_proxy_rolled_usd},
                    "proxy": f.proxy, "proxy_growth": f.proxy_growth,
                    "proxy_note": f.proxy_note,
                    "projected_calls_usd": {f"next_{m}_months": v
                                            for m, v in f.calls_next_usd.items()},
                    "model": f.model,
                }
                for f in self.funds
            ],
            "by_year": [
                {"year_end": str(self.year_ends[k]), "calls_usd": float(self.calls_usd[k]),
                 "distributions_usd": float(self.distributions_usd[k]),
                 "nav_usd": float(self.nav_usd[k]), "unfunded_usd": float(self.unfunded_usd[k])}
                for k in range(len(self.year_ends))
            ],
            "notes": list(self.notes),
        }


def _model_label(fund: Any) -> str:
    from rebal.alternatives import TA_PRESETS, params_for

    p = params_for(fund)
    for name, preset in TA_PRESETS.items():
        if preset == p:
            return name
    return "own"


def _proxy_roll(fund: Any, key: str, file: str, market: Any, valuation: date,
                ) -> tuple[float | None, str]:
    """The proxy's total return from the NAV date to the valuation date, and a note."""
    if fund.proxy is None:
        return None, "no proxy given"
    if market is None:
        return None, "no --prices given to roll the NAV by its proxy"
    if fund.proxy not in market.assets:
        raise InputError(f"proxy {fund.proxy!r} is not in the prices "
                         f"{market.source} (assets: {', '.join(market.assets)})",
                         file=file, row=f"{key}.proxy")
    if fund.nav_as_of is None:
        return None, "no NAV reported: nothing to roll"
    dates = market.dates
    col = market.prices[:, market.assets.index(fund.proxy)]
    a = int(np.searchsorted(dates, np.datetime64(fund.nav_as_of, "D"), side="right")) - 1
    b = int(np.searchsorted(dates, np.datetime64(valuation, "D"), side="right")) - 1
    if a < 0:
        return None, (f"the prices begin {dates[0]}, after the NAV date {fund.nav_as_of}; "
                      "not rolled")
    growth = float(col[b] / col[a] - 1.0)
    note = f"{fund.proxy} {growth:+.2%} from {dates[a]} to {dates[b]}"
    if dates[b] < np.datetime64(valuation, "D"):
        note += f" (the prices end {dates[-1]}, before the valuation date)"
    return growth, note


def alts_project(request: ProjectRequest) -> ProjectRun:
    """Run :class:`ProjectRequest`: read the funds, value them in each exposure view,
    project each fund monthly with its Takahashi–Alexander model and sum by year."""
    from rebal import checks
    from rebal.alternatives import ExposureView, fund_exposure, project
    from rebal.alternatives.files import check_nav_dates, read_funds

    years = checks.positive("--years", request.years)
    if years * 12 != int(years * 12):
        raise ConfigError(f"--years must be a whole number of months, got {request.years!r}")
    asked = _parse_date(request.as_of, "--as-of")
    data = read_funds(request.file, valuation=asked)  # checks NAV dates when a date is known
    valuation = asked or data.as_of or date.today()
    check_nav_dates(data, valuation)
    market = None
    if request.prices is not None:
        from rebal.services.backtest import load_prices

        market = load_prices(request.prices)
    summaries = []
    projections = []
    n_months = round(years * 12)
    for fund, key in zip(data.funds, data.keys, strict=True):
        try:
            proj = project(fund, valuation, n_months / 12, steps_per_year=12)
        except ConfigError as exc:
            raise InputError(str(exc), file=data.file, row=f"{key}.asset_class") from None
        projections.append(proj)
        growth, note = _proxy_roll(fund, key, data.file, market, valuation)
        calls_next = {m: float(proj.calls_usd[:m].sum()) for m in CALL_WINDOWS_MONTHS
                      if m <= n_months}
        summaries.append(FundSummary(
            id=fund.id, name=fund.name, asset_class=fund.asset_class,
            commitment_usd=fund.commitment_usd, called_usd=fund.called_usd,
            unfunded_usd=fund.unfunded_usd, distributed_usd=fund.distributed_usd,
            nav_usd=fund.nav_usd, nav_as_of=fund.nav_as_of,
            nav_age_days=None if fund.nav_as_of is None else (valuation - fund.nav_as_of).days,
            exposure_nav_usd=fund_exposure(fund, ExposureView.NAV),
            exposure_nav_plus_unfunded_usd=fund_exposure(fund, ExposureView.NAV_PLUS_UNFUNDED),
            exposure_proxy_rolled_usd=(None if growth is None else fund_exposure(
                fund, ExposureView.PROXY_ROLLED, proxy_growth=growth)),
            proxy=fund.proxy, proxy_growth=growth, proxy_note=note,
            calls_next_usd=calls_next, model=_model_label(fund),
        ))
    n_years = int(np.ceil(n_months / 12))
    calls = np.zeros(n_years)
    dists = np.zeros(n_years)
    navs = np.zeros(n_years)
    unfunded = np.zeros(n_years)
    ends = []
    for y in range(n_years):
        lo, hi = 12 * y, min(12 * (y + 1), n_months)
        ends.append(projections[0].dates[hi - 1])
        for p in projections:
            calls[y] += p.calls_usd[lo:hi].sum()
            dists[y] += p.distributions_usd[lo:hi].sum()
            navs[y] += p.nav_usd[hi - 1]
            unfunded[y] += p.unfunded_usd[hi - 1]
    notes = [
        "projections: Takahashi–Alexander model, monthly steps from the valuation date, "
        "starting from each fund's last reported NAV (or paid-in less distributions "
        "without one)",
    ]
    if not (asked or data.as_of):
        notes.append(f"valuation date: today ({valuation}); give --as-of or the file's "
                     "as_of for a fixed one")
    return ProjectRun(
        file=data.file, valuation=valuation, funds=tuple(summaries),
        projections=tuple(projections), year_ends=np.array(ends, dtype="datetime64[D]"),
        calls_usd=calls, distributions_usd=dists, nav_usd=navs, unfunded_usd=unfunded,
        notes=tuple(notes),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class PacingRequest:
    """A pacing question, as plain data (see :func:`rebal.alternatives.pace`).

    Attributes
    ----------
    target_weight
        Target private weight (fraction).
    liquid_usd
        The liquid portfolio now (USD).
    liquid_growth
        Its expected annual return (fraction).
    start_year, years
        First year planned (default: this year) and how many.
    model
        Preset of the new commitments (``buyout``, ``venture``, ``real_estate``).
    funds_file
        Optional funds file of the funds already held.
    lookahead_years, contribution_usd, max_commitment_usd
        As :func:`rebal.alternatives.pace`.
    """

    target_weight: float
    liquid_usd: float
    liquid_growth: float
    start_year: int | None = None
    years: int = 10
    model: str = "buyout"
    funds_file: str | None = None
    lookahead_years: int = 3
    contribution_usd: float = 0.0
    max_commitment_usd: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PacingRun:
    """The pacing plan and what it was asked."""

    request: PacingRequest
    plan: Any
    start_year: int

    def to_dict(self) -> dict[str, Any]:
        """``rebal alts pacing --json`` (USD, fractions)."""
        p = self.plan
        return {
            "target_weight": p.target_weight, "liquid_growth": p.liquid_growth,
            "lookahead_years": p.lookahead_years, "model": self.request.model,
            "model_params": {"contribution_rates": list(p.params.contribution_rates),
                             "bow": p.params.bow, "growth": p.params.growth,
                             "yield_rate": p.params.yield_rate,
                             "life_years": p.params.life_years},
            "funds_file": self.request.funds_file,
            "years": [
                {"year": y.year, "commitment_usd": y.commitment_usd, "calls_usd": y.calls_usd,
                 "distributions_usd": y.distributions_usd,
                 "private_nav_usd": y.private_nav_usd, "unfunded_usd": y.unfunded_usd,
                 "liquid_usd": y.liquid_usd, "total_usd": y.total_usd,
                 "private_weight": y.private_weight, "why": y.why}
                for y in p.years
            ],
            "notes": list(p.notes),
        }


_PACING_FLAGS = {"target_weight": "--target", "liquid_usd": "--liquid",
                 "liquid_growth": "--growth", "years": "--years",
                 "lookahead_years": "--lookahead", "contribution_usd": "--contribution",
                 "max_commitment_usd": "--max-commitment"}
"""The CLI flag of each :func:`rebal.alternatives.pace` parameter, for messages."""


def alts_pacing(request: PacingRequest) -> PacingRun:
    """Run :class:`PacingRequest`."""
    from rebal.alternatives import TA_PRESETS, pace
    from rebal.alternatives.files import read_funds

    if request.model not in TA_PRESETS:
        raise ConfigError(f"--model must be one of {', '.join(TA_PRESETS)}, "
                          f"got {request.model!r}")
    start_year = request.start_year or date.today().year
    funds: tuple[Any, ...] = ()
    if request.funds_file is not None:
        from rebal.alternatives import params_for

        data = read_funds(request.funds_file, valuation=date.today())
        for fund, key in zip(data.funds, data.keys, strict=True):
            try:
                params_for(fund)
            except ConfigError as exc:
                raise InputError(str(exc), file=data.file, row=f"{key}.asset_class") from None
        funds = data.funds
    try:
        plan = pace(target_weight=request.target_weight, liquid_usd=request.liquid_usd,
                    liquid_growth=request.liquid_growth, start_year=start_year,
                    years=request.years, params=TA_PRESETS[request.model], funds=funds,
                    lookahead_years=request.lookahead_years,
                    contribution_usd=request.contribution_usd,
                    max_commitment_usd=request.max_commitment_usd)
    except ConfigError as exc:
        flag = _PACING_FLAGS.get(str(exc).split(" ", 1)[0])
        if flag is None:
            raise
        raise ConfigError(f"{flag}: {exc}") from None
    return PacingRun(request=request, plan=plan, start_year=start_year)


