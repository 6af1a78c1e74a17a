"""Issue 22 for the report and the notebooks: a spec in any form, notebook paths read from the working folder
first, and a database password handed to the notebook kernels only."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
import yaml

import pqlkit as pk
from conftest import ROOT, TINY, TINY_SPEC
from pqlkit.report.run import execute_notebook, kernel_name, run_report
from test_report import stand_in

TINY_DICT = yaml.safe_load(TINY_SPEC.read_text())
# tests/data/tiny by hand (see tests/report/test_report.py): PQLs u1 and u3, 2 of 5 entities.
TINY_RAW_PQLS = 2


RECORD = ("import json, pathlib\nimport pqlkit as pk\n"
          "entities, context, paths = pk.notebook_setup(data_dir, spec_path, output_dir=output_dir, as_of=as_of)\n"
          "(pathlib.Path(paths.output_dir) / '01_records.json').write_text(json.dumps("
          "{'raw_pqls': int(entities['is_pql'].sum()), 'spec_path': paths.spec_path}))")


@pytest.mark.parametrize("form", ["dict", "activation-spec"])
def test_run_report_takes_the_spec_as_a_dict_or_an_activation_spec(form, tmp_path):
    """The spec is written to out/data/activation.yaml for the notebooks, reads back to the same spec, and the
    notebook counts tiny's 2 raw PQLs with it."""
    given = TINY_DICT if form == "dict" else pk.ActivationSpec.from_dict(TINY_DICT)
    out = tmp_path / "out"
    notebook = stand_in(tmp_path / "nb", extra=[RECORD])  # the notebook calls pk.notebook_setup and records
    run_report(TINY, given, out=out, notebooks=[notebook], progress=False, jobs=1)
    written = out / "data" / "activation.yaml"
    assert pk.ActivationSpec.from_yaml(written) == pk.ActivationSpec.from_yaml(TINY_SPEC)
    recorded = json.loads((out / "data" / "01_records.json").read_text())
    assert recorded == {"raw_pqls": TINY_RAW_PQLS, "spec_path": str(written.resolve())}


@pytest.mark.parametrize(
    "given",
    [pytest.param(str(TINY_SPEC), id="path"), pytest.param(TINY_DICT, id="dict"),
     pytest.param(pk.ActivationSpec.from_dict(TINY_DICT), id="activation-spec")],
)
def test_notebook_setup_takes_every_spec_form(given, tmp_path):
    entities, context, paths = pk.notebook_setup(TINY, given, output_dir=tmp_path)
    assert int(entities["is_pql"].sum()) == TINY_RAW_PQLS
    assert context.spec == pk.ActivationSpec.from_yaml(TINY_SPEC)
    assert paths.spec_path == (str(TINY_SPEC) if isinstance(given, str) else None)


@pytest.mark.parametrize(
    ("cwd", "given", "expected"),
    [
        # From the repository root, data/activation.yaml is there: the working folder wins (it used to be
        # notebooks/data/activation.yaml, which does not exist).
        pytest.param(".", "data/activation.yaml", "data/activation.yaml", id="root-relative-from-root"),
        # From notebooks/, the notebooks' own defaults: ../data/sample is there too.
        pytest.param("notebooks", "../data/sample", "data/sample", id="notebook-default-from-notebooks"),
        # From tests/data, ../data/sample is not there: relative to notebooks/ as before.
        pytest.param("tests/data", "../data/sample", "data/sample", id="notebook-default-elsewhere"),
        # An output folder not made yet: relative to notebooks/ as before.
        pytest.param(".", "build/not_yet", "notebooks/build/not_yet", id="missing-path-from-notebooks"),
    ],
)
def test_relative_notebook_paths_resolve_from_the_working_folder_first(cwd, given, expected, monkeypatch):
    monkeypatch.chdir(ROOT / cwd)
    assert pk.resolve_path(given) == str(ROOT / expected)


def test_notebook_setup_from_the_repository_root_with_root_relative_paths(monkeypatch, tmp_path):
    """papermill run from the root with -p spec_path tests/data/tiny_spec.yaml: read from the root, 2 raw PQLs."""
    monkeypatch.chdir(ROOT)
    entities, _, paths = pk.notebook_setup("tests/data/tiny", "tests/data/tiny_spec.yaml", output_dir=tmp_path)
    assert (paths.data_dir, paths.spec_path) == (str(TINY), str(TINY_SPEC))
    assert int(entities["is_pql"].sum()) == TINY_RAW_PQLS


def test_kernel_environment_reaches_the_kernel_and_not_this_process(tmp_path):
    """A variable given as ``environment`` is seen by the notebook's kernel, and never set in os.environ."""
    assert "PQLKIT_PROBE" not in os.environ
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("import os\nprint(os.environ.get('PQLKIT_PROBE'))")]
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    executed = execute_notebook(path, tmp_path / "executed.ipynb", parameters=None, kernel=kernel_name(), cwd=tmp_path,
                                progress=False, label="probe", environment={"PQLKIT_PROBE": "seen by the kernel"})
    assert executed.cells[0].outputs[0]["text"].strip() == "seen by the kernel"
    assert "PQLKIT_PROBE" not in os.environ
