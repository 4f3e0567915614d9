"""The entry point builds only the command it runs (``rebal.cli.main._app_for``): what a
user sees — help, usage errors, a typo's suggestion — is what the whole app shows."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rebal.cli.main import _app_for, app

ARGS = [
    ["backtest", "--help"],
    ["backtest", "--bogus"],
    ["--wide", "backtest", "--help"],
    ["tax", "--help"],
    ["tax", "audit", "--help"],
    ["plan-approve", "--help"],
    ["bakctest"],
    ["--help"],
]


@pytest.mark.parametrize("args", ARGS, ids=" ".join)
def test_one_command_app_answers_like_the_whole_app(args: list[str]) -> None:
    runner = CliRunner()
    whole = runner.invoke(app, args, env={"COLUMNS": "100"})
    one = runner.invoke(_app_for(args), args, env={"COLUMNS": "100"})
    assert (one.exit_code, one.output) == (whole.exit_code, whole.output)


def test_a_command_name_gets_an_app_of_that_command_only() -> None:
    one = _app_for(["--wide", "backtest", "--json"])
    assert [c.name for c in one.registered_commands] == ["backtest"]
    assert one.registered_groups == []
    group = _app_for(["tax", "audit"])
    assert [g.name for g in group.registered_groups] == ["tax"]
    assert _app_for(["bakctest"]) is app
    assert _app_for(["--help"]) is app
