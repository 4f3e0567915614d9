"""The CLI reaches the core only through services/ (and presentation code: reports, the web app)."""

from __future__ import annotations

import ast
from pathlib import Path

CLI = Path(__file__).resolve().parents[2] / "src" / "rebal" / "cli"
ALLOWED = ("rebal.cli", "rebal.services", "rebal.reports", "rebal.errors", "rebal.web")


def test_cli_imports_only_services_and_presentation():
    bad = []
    for path in sorted(CLI.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.startswith("rebal") and name != "rebal" and \
                        not name.startswith(ALLOWED):
                    bad.append(f"{path.name}: {name}")
    assert bad == []
