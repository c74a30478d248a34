"""Small units: no module over 400 lines, no function or method over 60.

One test per file, so a failure names the file and what in it is too long. Migrations are
generated and left out; nothing else is.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("undersigned", "bench", "tests")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def python_files() -> list[str]:
    found = []
    for folder in FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if "migrations" not in relative.parts:
                found.append(relative.as_posix())
    return sorted(found)


def too_long(source: str) -> list[str]:
    """What in SOURCE breaks the limits, as 'what: N lines'."""
    found = []
    lines = len(source.splitlines())
    if lines > MAX_MODULE_LINES:
        found.append(f"module: {lines} lines (at most {MAX_MODULE_LINES})")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append(f"{node.name} (line {node.lineno}): {length} lines")
    return found


def test_the_rule_counts_a_function_from_def_to_its_last_line() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(59))
    assert too_long(f"@decorated\ndef fits():\n{body}\n") == []
    assert too_long(f"def long():\n{body}\n    x = 0\n") == ["long (line 1): 61 lines"]
    method = f"class A:\n    async def m(self):\n    {body.replace(chr(10), chr(10) + '    ')}"
    assert too_long(method + "\n        y = 1\n        z = 2\n") == ["m (line 2): 62 lines"]
    assert too_long("x = 1\n" * 400) == []
    assert too_long("x = 1\n" * 401) == ["module: 401 lines (at most 400)"]


def test_every_folder_is_searched() -> None:
    files = python_files()
    for folder in FOLDERS:
        assert any(name.startswith(f"{folder}/") for name in files), folder
    assert not [name for name in files if "/migrations/" in name]


@pytest.mark.parametrize("name", python_files())
def test_module_and_functions_are_small(name: str) -> None:
    found = too_long((ROOT / name).read_text())
    assert not found, f"{name} is too long: " + "; ".join(found)
