"""environment.yml stays in step with pyproject.toml: the same packages with the same version ranges."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names that differ from the PyPI names.
CONDA_NAMES = {"duckdb": "python-duckdb"}
# Conda packages with no PyPI counterpart: the Java runtime PySpark needs.
CONDA_ONLY = {"openjdk"}


def _split(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", requirement.strip()).groups()
    return name.lower(), spec.replace(" ", "")


def test_environment_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_split(r) for r in project["dependencies"] + project["optional-dependencies"]["test"])
    wanted = {CONDA_NAMES.get(name, name): spec for name, spec in wanted.items()}
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = dict(_split(d) for d in environment["dependencies"] if isinstance(d, str) and not d.startswith(("python=", "pip")))
    conda = {name: spec for name, spec in conda.items() if name not in CONDA_ONLY}
    assert conda == wanted
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert pip_section == ["-e ."]


def test_every_imported_package_is_declared():
    """Each third-party module that pqlkit imports (at the top or inside a function) belongs to a
    distribution that pyproject.toml declares, so a fresh install has it (bleach once slipped through)."""
    import ast
    import sys
    from importlib.metadata import packages_distributions

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    declared = {_split(r)[0].replace("_", "-") for r in requirements}
    owners = packages_distributions()
    undeclared = {}
    for path in sorted((ROOT / "pqlkit").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "pqlkit":
                    continue
                distributions = {d.lower().replace("_", "-") for d in owners.get(top, [top])}
                if not distributions & declared:
                    undeclared.setdefault(top, path.name)
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"
