"""``rebal --help`` and ``import rebal.web`` load no web framework (they are imported only
when ``rebal serve`` runs)."""

from __future__ import annotations

import subprocess
import sys


def test_help_imports_no_web_framework() -> None:
    code = ("import sys; from rebal.cli.main import main\n"
            "import rebal.web\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('fastapi', 'starlette', 'jinja2', 'uvicorn', 'multipart')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert "serve" in out  # the command is listed
    assert out.strip().splitlines()[-1] == "[]"
