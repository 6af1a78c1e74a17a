"""The house in layers: imports go one way, with no cycle, and every module and function stays small.

``lint-imports`` (run by ``make test`` before pytest) checks the layers contract in ``pyproject.toml``
on grimp's import graph. This module checks what that contract does not say: no cycle anywhere in
the package, counting imports written inside functions and imports between modules of one layer;
pqlkit imports are at module top; no module over 700 lines and no function over 100 lines. The
graph is built here from the source with :mod:`ast`, independently of import-linter.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pqlkit"
MAX_MODULE_LINES = 700
MAX_FUNCTION_LINES = 100
# Imports that may stay inside a function: heavy or optional dependencies, loaded only when used.
LAZY_ALLOWED = ("matplotlib", "seaborn", "lifelines", "sklearn", "pyspark", "adbc_driver_manager",
                "adbc_driver_postgresql", "selenium", "scipy", "statsmodels", "papermill", "nbconvert",
                "nbclient", "nbformat", "jupyter_client", "threadpoolctl", "IPython", "sqlglot")


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path):
    """(target module, line, inside a function) for every pqlkit import of one module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside |= {id(child) for child in ast.walk(node) if child is not node}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target not in MODULES and "." in target:
                target = target.rpartition(".")[0]
            yield target, node.lineno, id(node) in inside


def _graph() -> dict[str, set[str]]:
    return {name: {t for t, _, _ in _imports(name, path) if t in MODULES and t != name} for name, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_planted_cycle():
    """A hand-made graph: a -> b -> c -> a is one cycle; d -> a is not part of it; e stands alone."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycle_counting_imports_inside_functions():
    assert _cycles(_graph()) == []


def test_pqlkit_imports_are_at_module_top():
    """An import inside a function only for a heavy optional dependency (or in cli.py, for start-up)."""
    late = []
    for name, path in MODULES.items():
        if name == "pqlkit.cli" or name == "pqlkit":
            continue
        for target, line, inside in _imports(name, path):
            if inside and target.startswith("pqlkit"):
                late.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert late == []


def test_the_layers_contract_names_every_subpackage():
    """Every subpackage of pqlkit is in a layer, so lint-imports checks all of it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    named = {part.strip() for layer in layers for part in layer.split("|")}
    top_level = {".".join(name.split(".")[:2]) for name in MODULES if name != "pqlkit"}
    assert top_level == named


def test_modules_and_functions_are_small():
    too_long = []
    for name, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES:
            too_long.append(f"{path.relative_to(ROOT)}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {length} lines")
    assert too_long == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_imports_another_modules_private_names(name):
    path = MODULES[name]
    private = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pqlkit"):
            private += [f"{node.module}.{a.name}" for a in node.names if a.name.startswith("_") and a.name != "__version__"]
    assert private == []
