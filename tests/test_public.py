"""The public surface: what `import pqlkit as pk` gives, and that every name the docs use is there.

``docs/architecture.md#public-names`` lists every public name; it must equal ``pk.__all__``. Every
``pk.<name>`` written in the README, the docs and the notebooks must resolve, and every module a
notebook imports from pqlkit (``from pqlkit import cohorts, ...``) must too.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import pqlkit as pk

ROOT = Path(__file__).resolve().parents[1]
ARCHITECTURE = ROOT / "docs" / "architecture.md"


def _listed_in_architecture() -> set[str]:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("## Public names", 1)[1].split("\n## ", 1)[0]
    listed = section[section.index("\n- "):]  # the bulleted list, after the introduction
    return set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", listed))


def _used_in_docs() -> set[str]:
    names = set()
    sources = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for path in sources:
        names |= set(re.findall(r"\bpk\.([A-Za-z_][A-Za-z0-9_]*)", path.read_text(encoding="utf-8")))
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
        names |= set(re.findall(r"\bpk\.([A-Za-z_][A-Za-z0-9_]*)", code))
        for line in re.findall(r"^from pqlkit import ([A-Za-z_, ]+)", code, flags=re.M):
            names |= {part.strip() for part in line.split(",")}
    return {name for name in names if not name.startswith("__")}


def test_the_architecture_page_lists_exactly_the_public_names():
    assert _listed_in_architecture() == set(pk.__all__)


@pytest.mark.parametrize("name", sorted(set(pk.__all__) | _used_in_docs()))
def test_every_documented_name_resolves(name):
    assert name in pk.__all__, f"pk.{name} is used in the docs or notebooks but is not public"
    assert getattr(pk, name) is not None


def test_no_private_name_is_public():
    assert [name for name in pk.__all__ if name.startswith("_")] == []


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        pk.no_such_name  # noqa: B018


def test_import_pqlkit_loads_no_heavy_module():
    """`import pqlkit` alone loads neither pandas' plotting stack nor any pqlkit stage (names load on first use)."""
    code = "import sys, pqlkit; print(sorted(m for m in sys.modules if m.startswith(('pqlkit.', 'matplotlib', 'lifelines', 'sklearn'))))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
