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
