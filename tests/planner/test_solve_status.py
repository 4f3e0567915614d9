"""SolveStatus: an enum whose text is the old status string (CLI, HTML, --json)."""

from __future__ import annotations

import json

from rebal.planner.result import SolveStats
from rebal.planner.settings import SolveStatus


def test_text_is_the_old_string() -> None:
    assert f"{SolveStatus.TIME_LIMIT}" == "time_limit" == str(SolveStatus.TIME_LIMIT)
    assert SolveStatus.OPTIMAL == "optimal"
    assert SolveStatus.parse("optimal") is SolveStatus.OPTIMAL
    assert SolveStatus.OPTIMAL.has_point and SolveStatus.TIME_LIMIT.has_point
    assert not SolveStatus.INFEASIBLE.has_point


def test_stats_json_keeps_the_string() -> None:
    assert json.loads(json.dumps(SolveStats().to_dict()))["status"] == ""
    stats = SolveStats(status=SolveStatus.OPTIMAL)
    assert json.loads(json.dumps(stats.to_dict()))["status"] == "optimal"
