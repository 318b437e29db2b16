"""The layers above the systems know no system: a new system costs one folder, not edits across the house."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from twin.sim.system import available

TWIN = Path(__file__).resolve().parents[1] / "twin"

#: Packages above the systems: they learn about systems only through the System class.
GENERIC = ("experiments", "report", "present", "scenario", "viewer")


def _sections() -> list[str]:
    return sorted(available())


@pytest.mark.parametrize("package", ["experiments", "report", "viewer"])
def test_no_system_is_named_in_experiments_or_reports(package: str) -> None:
    """Not in code, comments or docstrings: ``grep -w`` for every section name finds nothing
    (the viewer's page included: its HTML, CSS and JavaScript)."""
    pattern = re.compile(r"\b(" + "|".join(_sections()) + r")\b")
    hits = [f"{path.relative_to(TWIN)}:{number}: {line.strip()}"
            for path in sorted(p for p in (TWIN / package).rglob("*") if p.suffix in (".py", ".html", ".css", ".js"))
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if pattern.search(line)]
    assert not hits, "system names in generic code:\n" + "\n".join(hits)


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring nodes of a module, its classes and functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


@pytest.mark.parametrize("package", GENERIC)
def test_no_code_above_the_systems_matches_a_section_by_name(package: str) -> None:
    """No string in code (docstrings aside) is a section's name or a KPI key under it."""
    keyed = re.compile(r"^(" + "|".join(_sections()) + r")(\.|$)")
    hits = []
    for path in sorted((TWIN / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                    and keyed.match(node.value)):
                hits.append(f"{path.relative_to(TWIN)}:{node.lineno}: {node.value!r}")
    assert not hits, "\n".join(hits)


@pytest.mark.parametrize("system", sorted(p.name for p in (TWIN / "systems").iterdir() if (p / "system.py").exists()))
def test_no_system_imports_another(system: str) -> None:
    others = {p.name for p in (TWIN / "systems").iterdir() if (p / "__init__.py").exists()} - {system}
    for path in (TWIN / "systems" / system).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                parts = name.split(".")
                assert not (parts[:2] == ["twin", "systems"] and len(parts) > 2 and parts[2] in others), (
                    f"{path.relative_to(TWIN)} imports {name}")


def test_every_built_in_system_is_found_through_its_entry_point() -> None:
    folders = {p.name for p in (TWIN / "systems").iterdir() if (p / "system.py").exists()}
    found = {system.__module__.split(".")[2] for system in available().values()
             if system.__module__.startswith("twin.systems.")}
    assert found == folders
