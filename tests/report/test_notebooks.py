"""Every notebook run by papermill with other parameters records the right numbers.

The runs are ``pqlkit report`` runs made once per parameter set (see ``conftest.py``): the bundled
sample with its spec, the same at account level, with another spec (``tests/data/other_spec.yaml``:
three steps, all needed), as of a past date (2026-04-30), the tiny dataset (five users, no payments,
one week) and a Mixpanel export. Each notebook writes its headline numbers to
``{output_dir}/{notebook}.json``.

Where the expected numbers come from (never from pqlkit itself):

- tiny (tests/data/tiny with tests/data/tiny_spec.yaml, 2 of 3 steps make a PQL), by hand:
  u1 signs up 03-02 09:00, creates a project (09:30) and invites (03-03 10:00): 2/3, a PQL at the
  invite, 25 h = 1.0417 days after signup. u2 only creates a project (1/3). u3 signs up 03-03 10:00,
  creates (11:00), shares (03-05 16:00) and invites (03-06): 3/3, a PQL at the share, 54 h = 2.25 days.
  u4 only logs in (0/3); u5 only creates a project (1/3). So 5 entities, 2 raw PQLs, a PQL rate of
  0.4, a mean activation rate of (2+1+3+0+1)/15 = 7/15, a median time to PQL of (1.0417+2.25)/2 =
  1.6458 days, steps completed 4 (created_project), 2 (invited_teammate), 1 (shared_report). as_of
  defaults to the latest event, u5's login at 03-08 20:00; u1 (last seen 03-06 09:00) and u3 (03-06
  10:00) were seen within the 7 active days, so both PQLs are current; no one is 12 days old, so
  none is stalled.
- export (tests/data/exports/mixpanel, README there): three users; 00042 does both steps (a PQL at
  01-06 10:00, 25 h after its signup), 00043 one, 7 none: 3 entities, 1 raw PQL, rate 1/3, mean
  activation (1 + 0.5 + 0)/3 = 0.5, steps 1 (signed_up) and 2 (created_report); as_of the latest
  event, 2026-01-08T09:15:00Z.
- the sample (data/README.md): its users are those the generator wrote less the dirty rows it
  injected (:func:`pqlkit.synthetic.expected_data_quality`); the default as_of is the latest
  timestamp, 2026-06-30T23:58:07Z; a bare date as_of means the end of that day.
"""

from __future__ import annotations

import functools
import json

import nbformat
import pandas as pd
import pytest

from pqlkit.report.run import PARAMETERS, find_notebooks

from conftest import ROOT

NOTEBOOKS = [path.stem for path in find_notebooks()] if (ROOT / "notebooks").is_dir() and any(
    (ROOT / "notebooks").glob("*.ipynb")) else []
COMPARED_CASES = ["sample", "account", "other_spec", "past_as_of", "tiny", "export"]

HAND_WORKED = {
    "tiny": {
        "as_of": "2026-03-08T20:00:00Z", "level": "user", "entities": 5, "raw_pqls": 2, "current_pqls": 2,
        "pql_rate": 0.4, "activation_rate_mean": 7 / 15, "time_to_pql_median_days": (25 / 24 + 2.25) / 2,
        "stalled_in_trial": 0,
        "step_completion": {"created_project": 4, "invited_teammate": 2, "shared_report": 1},
    },
    "export": {
        "as_of": "2026-01-08T09:15:00Z", "level": "user", "entities": 3, "raw_pqls": 1, "pql_rate": 1 / 3,
        "activation_rate_mean": 0.5, "time_to_pql_median_days": 25 / 24,
        "step_completion": {"signed_up": 1, "created_report": 2},
    },
}


@functools.cache
def sample_users_kept() -> int:
    """The sample's users less the injected dirty user rows, from the generator's own account of them."""
    from pqlkit.synthetic import expected_data_quality, generate_sample

    return expected_data_quality(generate_sample(n_users=3000, seed=7))["users"]["used"]


def expected(name: str) -> dict:
    """The numbers known for a case without running pqlkit's metrics (see the module docstring)."""
    if name in HAND_WORKED:
        return HAND_WORKED[name]
    known = {"level": "account" if name == "account" else "user"}
    known["as_of"] = "2026-04-30T23:59:59.999999Z" if name == "past_as_of" else "2026-06-30T23:58:07Z"
    if name in ("sample", "other_spec"):
        known["entities"] = sample_users_kept()
    return known


def compare(recorded: dict, wanted: dict, where: str) -> list[str]:
    """Assert every key of ``recorded`` that ``wanted`` also has equals it; return the keys compared."""
    compared = []
    for key in sorted(set(recorded) & set(wanted)):
        got, want, label = recorded[key], wanted[key], f"{where}.{key}"
        if key == "as_of":
            assert pd.Timestamp(got) == pd.Timestamp(want), label
        elif isinstance(want, dict):
            assert got == want, label
        elif isinstance(want, float):
            assert got == pytest.approx(want, rel=1e-9), label
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
def test_recorded_numbers_are_the_known_ones(report_run, notebook):
    """The numbers a notebook records equal the hand-worked or generator-known ones (module docstring)."""
    assert report_run.returncode == 0, report_run.stderr
    recorded = read_record(report_run, notebook)
    compared = compare(recorded, expected(report_run.case.name), notebook)
    assert compared, f"{notebook} records none of the known numbers: {sorted(recorded)}"
