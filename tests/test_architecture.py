"""The package's architecture, checked: import-linter's contracts (layers, no cycles,
the CLI only through services) and no private name imported across modules."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "rebal"
PYPROJECT = SRC.parents[1] / "pyproject.toml"


def test_import_linter_contracts_are_kept() -> None:
    """Every contract in pyproject.toml's ``[tool.importlinter]`` holds."""
    from importlinter import configuration
    from importlinter.application.use_cases import lint_imports

    configuration.configure()

    ok = lint_imports(config_filename=str(PYPROJECT), cache_dir=None, no_logo=True)
    assert ok, "run `lint-imports` for the broken contract and the import chain that breaks it"


def _private_imports() -> list[str]:
    found: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        module = ".".join(("rebal", *path.relative_to(SRC).with_suffix("").parts))
        module = module.removesuffix(".__init__")
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or node.module is None:
                continue
            if not node.module.startswith("rebal"):
                continue
            for alias in node.names:
                name = alias.name
                if name.startswith("_") and not name.startswith("__") and node.module != module:
                    found.append(f"{path.relative_to(SRC.parent)}:{node.lineno}: "
                                 f"from {node.module} import {name}")
    return found


def test_no_private_name_is_imported_across_modules() -> None:
    """A leading underscore means "this module's own": nobody else imports it."""
    assert _private_imports() == []


def test_each_concept_is_defined_once() -> None:
    """The domain classes the redesign unified stay single (a second class of the
    same name anywhere in the package is the bug this guards against)."""
    names = ("Account", "AccountType", "Lot", "Trade", "HarvestSettings", "Tier")
    where: dict[str, list[str]] = {n: [] for n in names}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name in where:
                where[node.name].append(str(path.relative_to(SRC.parent)))
    assert {n: len(w) for n, w in where.items()} == {n: 1 for n in names}, where
