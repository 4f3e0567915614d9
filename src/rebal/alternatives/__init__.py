"""Illiquid alternatives: private funds, their modelled cash flows, exposure views and
commitment pacing (``docs/alternatives.md``).

Layer: beside :mod:`rebal.factors` (it imports only data, checks, errors and types);
the household, planner, studies and services build on it.
"""

from rebal.alternatives.exposure import ExposureView, fund_exposure, projected_calls
from rebal.alternatives.fund import PrivateFund
from rebal.alternatives.pacing import PacingPlan, PacingYear, pace
from rebal.alternatives.takahashi import (
    TA_PRESETS,
    FundProjection,
    TAParams,
    params_for,
    project,
)

__all__ = [
    "TA_PRESETS",
    "ExposureView",
    "FundProjection",
    "PacingPlan",
    "PacingYear",
    "PrivateFund",
    "TAParams",
    "fund_exposure",
    "pace",
    "params_for",
    "project",
    "projected_calls",
]
