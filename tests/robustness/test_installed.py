"""``rebal demo`` works after a plain (non-editable) ``pip install .``: its inputs are
package data, not files of a source checkout (issue 14, "Installed like a user installs
it"). ``.ci/run`` builds the wheel, installs it in a fresh venv and runs the demo."""

from __future__ import annotations

import tomllib
from pathlib import Path

import rebal
from rebal.services.demo import DEMO_HOUSEHOLD, DEMO_STUDY

REPO = Path(__file__).resolve().parents[2]
PACKAGE = Path(rebal.__file__).resolve().parent


def test_demo_inputs_live_in_the_package():
    for path in (DEMO_STUDY, DEMO_HOUSEHOLD):
        assert path.is_file()
        assert path.resolve().is_relative_to(PACKAGE)
        assert "examples" not in path.relative_to(PACKAGE).parts


def test_demo_inputs_are_shipped_as_package_data():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["rebal"]
    for path in (DEMO_STUDY, DEMO_HOUSEHOLD):
        rel = path.resolve().relative_to(PACKAGE)
        assert any(rel.match(p) for p in patterns), (rel, patterns)


def test_demo_inputs_equal_the_examples():
    assert DEMO_STUDY.read_text() == (REPO / "examples" / "studies" / DEMO_STUDY.name).read_text()
    assert DEMO_HOUSEHOLD.read_text() == (
        REPO / "examples" / "households" / DEMO_HOUSEHOLD.name).read_text()


def test_ci_installs_a_wheel_and_runs_the_demo():
    ci = (REPO / ".ci" / "run").read_text()
    assert "pip wheel" in ci and "rebal-*.whl" in ci and "rebal\" demo" in ci
