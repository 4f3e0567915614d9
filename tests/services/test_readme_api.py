"""The README's Python API example runs as written, and ``import rebal`` stays light."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None, "README has no Python API example"
    return match.group(1)


def test_readme_api_example_runs(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    exec(compile(_readme_example(), "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "alpha" in out and "CAGR" in out and "trades, tax $" in out


def test_import_rebal_loads_nothing_heavy():
    code = (
        "import sys, rebal; rebal.datasets; "
        "heavy = [m for m in ('numba', 'pandas', 'plotly', 'highspy', 'numpy') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_api_names_are_not_packages():
    import rebal

    for name in rebal.__all__:
        if name in ("__version__", "datasets"):
            continue
        assert callable(getattr(rebal, name)), name
