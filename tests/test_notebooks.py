"""Every notebook run by papermill with other parameters records the numbers ``pqlkit metrics`` gives.

The runs are ``pqlkit report`` runs made once per parameter set (see ``conftest.py``): the bundled
sample with its spec, the same at account level, with another spec (``tests/data/other_spec.yaml``: three
steps, all needed), as of a past date (2026-04-30), and the tiny dataset (a handful of users, no
payments, one week). Each notebook writes its headline numbers to ``{output_dir}/{notebook}.json``.

Where the expected numbers come from: :func:`pqlkit.summary` on the same dataset, spec, ``as_of``
and ``level``, which is what ``pqlkit metrics --format json`` prints (SPEC §4). Every key a notebook
records under a SPEC §4 name must equal that value; every notebook must record at least one.
"""

from __future__ import annotations

import functools
import json
import math

import nbformat
import pandas as pd
import pytest

import pqlkit as pk
from pqlkit.report import PARAMETERS, find_notebooks

from conftest import CASES, ROOT

NOTEBOOKS = [path.stem for path in find_notebooks()] if (ROOT / "notebooks").is_dir() and any(
    (ROOT / "notebooks").glob("*.ipynb")) else []
COMPARED_CASES = ["sample", "account", "other_spec", "past_as_of", "tiny", "export"]


@functools.cache
def expected_summary(name: str) -> dict:
    """``pqlkit metrics --format json`` for a case, as a JSON round trip."""
    case = CASES[name]
    entities, dataset = pk.entity_table(case.dataset, case.spec, as_of=case.as_of, level=case.level,
                                         events_format=case.events_format)
    return json.loads(json.dumps(pk.summary(entities, ledger=dataset.ledger), allow_nan=False))


def compare(recorded, expected, where: str) -> list[str]:
    """Assert every key of ``recorded`` that SPEC §4 also names equals the expected value; return them."""
    compared = []
    for key in sorted(set(recorded) & set(expected)):
        got, want, label = recorded[key], expected[key], f"{where}.{key}"
        if key == "as_of":
            assert pd.Timestamp(got) == pd.Timestamp(want), label
        elif isinstance(want, dict):
            assert isinstance(got, dict), label
            compared += compare(got, want, label)
            continue
        elif want is None:
            assert got is None or (isinstance(got, float) and math.isnan(got)), f"{label}: {got!r}, expected null"
        elif isinstance(want, bool) or isinstance(want, str):
            assert got == want, label
        elif isinstance(want, (int, float)):
            assert got == pytest.approx(want, rel=1e-9, abs=1e-12), label
        else:
            assert got == want, label
        compared.append(label)
    return compared


def read_record(run, notebook: str) -> dict:
    path = run.out / "data" / f"{notebook}.json"
    assert path.is_file(), f"{notebook} wrote no {path.name} (report stderr: {run.stderr.strip()[-500:]})"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("report_run", COMPARED_CASES, indirect=True)
def test_every_notebook_runs_to_the_end(report_run):
    """Exit status 0; every notebook executed with the six parameters; no error output in any cell."""
    run = report_run
    assert run.returncode == 0, run.stderr
    assert run.notebooks, "no notebooks in notebooks/"
    for source in run.notebooks:
        executed = nbformat.read(run.out / "notebooks" / source.name, as_version=4)
        parameters = executed.metadata["papermill"]["parameters"]
        assert sorted(parameters) == sorted(PARAMETERS)
        assert parameters["level"] == run.case.level
        assert parameters["events_format"] == (run.case.events_format or "auto")
        assert (parameters["as_of"] is None) == (run.case.as_of is None)
        errors = [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"{source.name}: {errors[0]['ename']}: {errors[0]['evalue']}"


@pytest.mark.parametrize("notebook", NOTEBOOKS)
@pytest.mark.parametrize("report_run", COMPARED_CASES, indirect=True)
def test_recorded_numbers_equal_pqlkit_metrics(report_run, notebook):
    """The numbers a notebook records equal ``pqlkit metrics --format json`` for the same inputs."""
    assert report_run.returncode == 0, report_run.stderr
    recorded = read_record(report_run, notebook)
    compared = compare(recorded, expected_summary(report_run.case.name), notebook)
    assert compared, f"{notebook} records none of the SPEC §4 keys: {sorted(recorded)}"
