"""The dependency direction is visible in the tree and enforced here (issue 12 item 6):

    archive_app/  (the `archive` command, the demo site)  -> may import flows/ and archive/
    flows/        (Prefect orchestration)                  -> may import archive/
    archive/      (the library)                            -> imports neither

"Imports" includes the lazy kinds: an import inside a function, and a module named in a string
(``importlib.import_module("flows.capture")``, ``python -m archive_app.cli``), which is how the
CLI used to reach the flows from inside the library. (That the library never imports Prefect is
pinned by tests/test_public_surface.py; archive/orchestrator does start Prefect's server as a
process of its own, by name, which is not an import.)
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# A dotted module path, or a bare top-level name standing alone as the whole string.
_NAMED = re.compile(r"(?<![\w./-])({tops})(?:\.[A-Za-z_]\w*)+|^({tops})$")
LAYERS = {"archive": ("flows", "archive_app"), "flows": ("archive_app",)}


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string nodes that are docstrings (prose may name any module)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def references(source: str, forbidden: tuple[str, ...]) -> Iterator[tuple[int, str]]:
    """(line, name) of every import of, or string naming, a module under ``forbidden``."""
    tree = ast.parse(source)
    pattern = re.compile(_NAMED.pattern.format(tops="|".join(map(re.escape, forbidden))))
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            names = [m.group(0) for m in pattern.finditer(node.value)]
        for name in names:
            if name.split(".")[0] in forbidden:
                yield getattr(node, "lineno", 0), name


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_a_lower_layer_never_names_a_higher_one(layer: str) -> None:
    offenders = [f"{path.relative_to(REPO)}:{line}: {name}"
                 for path in sorted((REPO / layer).rglob("*.py"))
                 for line, name in references(path.read_text(encoding="utf-8"), LAYERS[layer])]
    assert offenders == []


@pytest.mark.parametrize("source, found", [
    ("import flows.capture\n", ["flows.capture"]),
    ("def f():\n    from archive_app.cli import main\n", ["archive_app.cli"]),
    ("import importlib\nm = importlib.import_module('flows.capture')\n", ["flows.capture"]),
    ("cmd = ['python', '-m', 'archive_app.cli', 'demo']\n", ["archive_app.cli"]),
    ("x = __import__('flows')\n", ["flows"]),
    ("def f():\n    '''Runs flows.capture for the CLI.'''\n", []),  # prose in a docstring
    ("hint = 'see config/flows.yaml or data/flows.json'\n", []),  # a file name, not a module
    ("from . import flows\n", []),  # relative: a sibling, not the top-level package
])
def test_the_check_finds_every_kind_of_reference(source: str, found: list[str]) -> None:
    assert [name for _, name in references(source, ("flows", "archive_app"))] == found


def test_importing_every_library_module_loads_no_higher_layer() -> None:
    code = (
        "import pkgutil, sys, archive\n"
        "for m in pkgutil.walk_packages(archive.__path__, 'archive.'):\n"
        "    __import__(m.name)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'flows', 'archive_app', 'prefect'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=REPO)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == "[]"
